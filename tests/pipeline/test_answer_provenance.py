"""A signatory's "yes" counts only for the case it answers, and only as they signed it (SPEC 17).

The answer names its case by the reference in its subject or by In-Reply-To/References to our request. Microsoft 365
(and so NHSmail) signs From, Date, Subject and Message-ID but neither To nor In-Reply-To nor References: anyone who
holds a copy of a signed "Yes" the signatory sent about something else (a colleague asking "are you in on Friday?")
can add an In-Reply-To naming our request and a To naming our mailbox, and the signature still verifies. The header
that ties the answer to the case must be one the signature covers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

from tests.pipeline.conftest import MAILBOX, Bot
from tests.pipeline.test_signatory_proof import answer, pending_form, request_to, users
from tests.support import dkim_signing

# What Microsoft 365 signs (its DKIM h= list, as seen on NHSmail): no To, no In-Reply-To, no References.
M365_SIGNED = ("from", "date", "subject", "message-id", "content-type", "mime-version")


def signed_elsewhere(bot: Bot, *, subject: str, body: str, to: str) -> bytes:
    """A message Dr Hughes really sent (to TO, about SUBJECT), signed by his mail server as Microsoft 365 signs."""
    raw = (f"From: Dr Alan Hughes <alan.hughes@nhs.net>\r\nTo: {to}\r\nSubject: {subject}\r\n"
           f"Date: {format_datetime(datetime.now(UTC))}\r\nMessage-ID: <leave.1@nhs.net>\r\nMIME-Version: 1.0\r\n"
           f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()
    return dkim_signing.sign(raw, bot.key.key, "nhs.net", bot.key.selector, headers=M365_SIGNED)


def test_a_signed_yes_about_something_else_cannot_be_threaded_onto_a_pending_case(bot: Bot) -> None:
    line = pending_form(bot)
    request = request_to(bot, line["reference"], "alan.hughes@nhs.net")
    # Dr Hughes answers a colleague's question; the colleague re-sends his signed mail to us with two headers added.
    genuine = signed_elsewhere(bot, subject="Re: leave on Friday", body="Yes", to="kate.doe@nhs.net")
    forged = (f"In-Reply-To: {request.message_id}\r\nReferences: {request.message_id}\r\nCc: {MAILBOX}\r\n"
              ).encode() + genuine
    answered = bot.one(forged)
    assert answered["outcome"] == "flagged", answered
    assert "message.replay_unsafe" in answered["reasons"]
    assert answered.get("confirms", {}).get("outcome", "pending") == "pending"
    assert "sam.new@nhs.net" not in users(bot, "A81001")
    assert bot.case(line["reference"]).outcome == "pending"


def test_a_yes_whose_signed_subject_names_the_case_still_confirms_it(bot: Bot) -> None:
    """NHSmail's own answer: the reference is in the subject it signs, so the answer counts (even with a To, an
    In-Reply-To and References its signature does not cover)."""
    line = pending_form(bot)
    request = request_to(bot, line["reference"], "alan.hughes@nhs.net")
    raw = answer(bot, request, "Yes, I signed it.", sign=False)
    signed = dkim_signing.sign(raw, bot.key.key, "nhs.net", bot.key.selector, headers=M365_SIGNED)
    answered = bot.one(signed)
    assert answered["confirms"]["outcome"] == "approved", answered
    assert "sam.new@nhs.net" in users(bot, "A81001")
