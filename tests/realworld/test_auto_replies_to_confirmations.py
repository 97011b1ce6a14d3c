"""A signatory's out-of-office answering our confirmation request (SPEC 17) as mail systems without RFC 3834
headers send it: never read as their answer, least of all as "no" (a decline tells the sender the signatory did not
confirm, and flags possible fraud)."""

from __future__ import annotations

from typing import Any

from tests.pipeline.conftest import Bot
from tests.pipeline.messages import form_mail
from tests.realworld.client_mail import head, signed, wire

AWAY = ("Thank you for your email. I am out of the office until Monday 7 December with no access to email.\n"
        "For urgent matters please contact the practice on 01632 960100.\n")


def pending_request(bot: Bot) -> tuple[dict[str, Any], Any]:
    line = bot.one(form_mail(bot, "kate.doe@nhs.net"))
    assert line["outcome"] == "pending", line
    request = next(r for r in bot.outbox(line["reference"]) if r.purpose == "confirmation_request")
    return line, request


def away_reply(bot: Bot, request: Any, subject: str) -> bytes:
    thread = f"In-Reply-To: {request.message_id}\nReferences: {request.message_id}"
    return signed(bot, wire(head(sender="Dr Alan Hughes <alan.hughes@nhs.net>", subject=subject, extra=thread) + AWAY))


def test_an_automatic_reply_without_rfc_3834_headers_is_automatic(bot: Bot) -> None:
    line, request = pending_request(bot)
    answer = bot.one(away_reply(bot, request, f"Automatic reply: {request.subject}"))
    assert (answer["kind"], answer["outcome"], answer["replies"]) == ("automatic", "ignored", [])
    assert bot.case(line["reference"]).outcome == "pending"


def test_no_access_to_email_is_not_a_no(bot: Bot) -> None:
    line, request = pending_request(bot)
    answer = bot.one(away_reply(bot, request, f"RE: {request.subject}"))
    assert "signatory.declined" not in answer.get("confirms", {}).get("reasons", []), answer
    assert bot.case(line["reference"]).outcome != "approved"
    assert all(r.purpose != "signatory_declined" for r in bot.outbox(line["reference"]))
    told = [r.body for r in bot.outbox(line["reference"]) if r.recipient == "kate.doe@nhs.net"]
    assert not any("did not confirm" in body for body in told), told
