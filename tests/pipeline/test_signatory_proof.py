"""SPEC 17, end to end: a form's signatory is proven only by sending it from their address on record or by
confirming it from there. Real DKIM-signed mail through `mailbot process --json` on a real store.

The attacks of issue 12 come first: an ordinary NHS mailbox (valid DKIM, on no register) sending a form that names a
real signatory. Before this change each was approved.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from store.db import make_engine, sessions
from store.models import AuditEvent, OutboxMessage
from tests.pipeline.conftest import Bot
from tests.pipeline.messages import form_mail

ATTACKER = "eve.intruder@nhs.net"  # a real nhs.net mailbox: its DKIM signature passes; it is on no register


def users(bot: Bot, code: str) -> dict[str, dict[str, Any]]:
    return {u["email"]: u for u in bot.org(code)["users"]}


def request_to(bot: Bot, reference: str, recipient: str) -> OutboxMessage:
    rows = [r for r in bot.outbox(reference) if r.purpose == "confirmation_request"]
    assert [r.recipient for r in rows] == [recipient], [(r.purpose, r.recipient) for r in bot.outbox(reference)]
    return rows[0]


def answer(bot: Bot, request: OutboxMessage, text: str, *, sender: str | None = None, thread: bool = True,
           **kw: Any) -> bytes:
    """The signatory's reply as a mail client writes it: Re: subject, threaded, our request quoted below."""
    quoted = "\n".join("> " + line for line in request.body.splitlines())
    body = f"{text}\n\nOn 25 Nov 2026, at 10:00, PCSE <pcse.openexeter@nhs.net> wrote:\n{quoted}\n"
    headers = {"In-Reply-To": request.message_id, "References": request.message_id} if thread else {}
    return bot.mail(sender or request.recipient, f"Re: {request.subject}", body, headers=headers, **kw)


def audit_actions(bot: Bot) -> list[str]:
    engine = make_engine(bot.store_url)
    try:
        with sessions(engine)() as session:
            return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    finally:
        engine.dispose()


def pending_form(bot: Bot, sender: str = "kate.doe@nhs.net", **changes: str) -> dict[str, Any]:
    """A practice manager sends the form Dr Alan Hughes (Lead GP, on record) signed: it waits for him."""
    line = bot.one(form_mail(bot, sender, **changes))
    assert (line["outcome"], line["reasons"]) == ("pending", ["signatory.confirmation_requested"]), line
    return line


# --- the attacks ---------------------------------------------------------------------------------------------------

def test_a_form_naming_a_real_lead_gp_sent_from_another_nhs_mailbox_is_never_approved(bot_on_each_store: Bot) -> None:
    bot = bot_on_each_store
    line = bot.one(form_mail(bot, ATTACKER, pu_full_name="Eve Intruder", pu_email=ATTACKER))
    assert (line["outcome"], line["reasons"], line["changes"]) == ("pending", ["signatory.confirmation_requested"], [])
    assert ATTACKER not in users(bot, "A81001")
    # The attacker gets an acknowledgement; the request goes to Dr Hughes' address on record, and nowhere else.
    assert sorted((r.purpose, r.recipient) for r in bot.outbox(line["reference"])) == [
        ("confirmation_request", "alan.hughes@nhs.net"), ("reply", ATTACKER)]
    request = request_to(bot, line["reference"], "alan.hughes@nhs.net")
    assert line["reference"] in request.subject
    for what in ("The Oakwood Surgery (A81001)", "Eve Intruder (eve.intruder@nhs.net)", f"Sent to us by: {ATTACKER}",
                 "YES", "NO"):
        assert what in request.body, what
    ack = next(r for r in bot.outbox(line["reference"]) if r.recipient == ATTACKER)
    assert "alan.hughes@nhs.net" not in ack.body  # the sender never learns the address on record


def test_a_stranger_naming_the_existing_primary_contact_never_replaces_the_primary_user(bot_on_each_store: Bot) -> None:
    bot = bot_on_each_store
    line = bot.one(form_mail(bot, ATTACKER, org_code="A81002", org_name="Riverside Medical Centre",
                             pu_full_name="Eve Intruder", pu_email=ATTACKER, sig_full_name="Mary Jones",
                             sig_role="Existing Primary Contact", sig_email="mary.jones4@nhs.net",
                             pu_request="replacement", pu_replaces="mary.jones4@nhs.net"))
    assert (line["outcome"], line["changes"]) == ("pending", []), line
    after = users(bot, "A81002")
    assert after["mary.jones4@nhs.net"]["primary"] and "Organisation Maintenance" in after["mary.jones4@nhs.net"][
        "applications"]
    assert ATTACKER not in after
    request_to(bot, line["reference"], "mary.jones4@nhs.net")  # the active Primary User's own address


def test_a_form_from_another_sender_that_is_rejected_asks_no_signatory_and_tells_the_sender_no_such_thing(
        bot: Bot) -> None:
    """SPEC 2 and 17: the signatory is asked only for a case that waits for them (`pending`). A form the sender must
    put right anyway (here an empty field) is rejected at once: no confirmation request goes out, so the reply must
    not say one did (on main it said "we have asked the signatory to confirm it ... We will reply once they have
    answered", with no request queued)."""
    line = bot.one(form_mail(bot, ATTACKER, pu_full_name="Eve Intruder", pu_email=ATTACKER, pu_job_title=""))
    assert (line["outcome"], line["changes"]) == ("rejected", [])
    assert "form.incomplete" in line["reasons"]
    assert [(r.purpose, r.recipient) for r in bot.outbox(line["reference"])] == [("reply", ATTACKER)]
    [reply] = bot.outbox(line["reference"])
    assert "Fields to complete: Job title" in reply.body
    assert "asked the signatory" not in reply.body and "once they have answered" not in reply.body
    shown = bot.cli("review", "show", line["reference"]).out
    assert "a confirmation request went to" not in shown


def test_a_signatory_on_record_without_an_email_is_unverified_and_nothing_goes_to_the_forms_address(
        bot_on_each_store: Bot) -> None:
    bot = bot_on_each_store
    line = bot.one(form_mail(bot, ATTACKER, org_code="B82010", org_name="Harbour Lane Practice",
                             pu_full_name="Eve Intruder", pu_email=ATTACKER, sig_full_name="Dr Kofi Mensah",
                             sig_role="Lead GP", sig_email="kofi.mensah.gp@nhs.net"))
    assert (line["outcome"], line["reasons"], line["changes"]) == ("flagged", ["signatory.unverified"], [])
    assert [r["to"] for r in line["replies"]] == [ATTACKER]  # an acknowledgement, and nothing to the form's address
    assert ATTACKER not in users(bot, "B82010")


def test_a_yes_from_anyone_but_the_signatory_on_record_confirms_nothing(bot: Bot) -> None:
    line = bot.one(form_mail(bot, ATTACKER, pu_full_name="Eve Intruder", pu_email=ATTACKER))
    request = request_to(bot, line["reference"], "alan.hughes@nhs.net")
    # The attacker answers their own request, quoting its reference; then a forged "yes" in Dr Hughes' name.
    own = bot.one(answer(bot, request, "Yes, I confirm.", sender=ATTACKER))
    forged = bot.one(answer(bot, request, "Yes, I confirm.", sign=False))
    other_nhs = bot.one(answer(bot, request, "Yes", sender="alan.hughes2@nhs.net"))
    for follow in (own, forged, other_nhs):
        assert follow["kind"] == "follow_up" and "confirms" not in follow, follow
    assert bot.case(line["reference"]).outcome == "pending"
    assert ATTACKER not in users(bot, "A81001")


# --- the signatory's answer ----------------------------------------------------------------------------------------

def test_the_signatorys_yes_approves_the_request_with_its_mails(bot_on_each_store: Bot) -> None:
    bot = bot_on_each_store
    line = pending_form(bot)
    request = request_to(bot, line["reference"], "alan.hughes@nhs.net")
    confirmed = bot.one(answer(bot, request, "Yes, that's fine.\n\nKind regards\nAlan"))
    assert (confirmed["kind"], confirmed["outcome"], confirmed["reasons"]) == ("signatory_confirmation", "approved",
                                                                               [])
    confirms = confirmed["confirms"]
    assert (confirms["reference"], confirms["answer"], confirms["outcome"]) == (line["reference"], "yes", "approved")
    assert confirms["changes"] == ["created user SNEW1 (sam.new@nhs.net) as an active Primary User of A81001",
                                   "SNEW1: granted Organisation Maintenance"]
    # SPEC 15: the line carries the confirmed case's outcome and changes, as handling this answer made them.
    assert confirmed["changes"] == confirms["changes"]
    assert {(r["to"]) for r in confirms["replies"]} == {"kate.doe@nhs.net", "sam.new@nhs.net", "alan.hughes@nhs.net"}
    assert users(bot, "A81001")["sam.new@nhs.net"]["primary"]
    case = bot.case(line["reference"])
    assert (case.outcome, case.needs_review, case.changes) == ("approved", False, confirms["changes"])
    assert bot.case(confirmed["reference"]).parent_case_id == case.id  # the answer is its own case, linked
    # The sender's approval is threaded under their own message, with the case's reference.
    reply = next(r for r in bot.outbox(line["reference"]) if r.recipient == "kate.doe@nhs.net" and
                 "approved" in r.body)
    assert line["reference"] in reply.subject and reply.headers["In-Reply-To"] == line["message_id"]
    assert {"signatory.confirmation_requested", "signatory.answered"} <= set(audit_actions(bot))


def test_an_outlook_answer_with_our_request_quoted_below_it_is_read_from_its_new_text(bot: Bot) -> None:
    """As Outlook writes it: "RE:" subject, a text part with the request under an underscore rule (its own YES and
    NO in it), and an HTML part."""
    line = pending_form(bot)
    request = request_to(bot, line["reference"], "alan.hughes@nhs.net")
    text = (f"Yes, that’s fine.\n\nKind regards,\nDr Alan Hughes\nLead GP\n\n________________________________\n"
            f"From: PCSE Open Exeter <pcse.openexeter@nhs.net>\nSent: 25 November 2026 10:00\n"
            f"To: Hughes Alan <alan.hughes@nhs.net>\nSubject: {request.subject}\n\n{request.body}")
    html = ("<html><body><p>Yes, that’s fine.</p><p>Kind regards,<br>Dr Alan Hughes</p><div id=\"divRplyFwdMsg\">"
            "<hr><b>From:</b> PCSE Open Exeter</div><div>YES - if you signed. NO - if you did not.</div></body></html>")
    raw = bot.mail("alan.hughes@nhs.net", f"RE: {request.subject}", text, html=html,
                   headers={"In-Reply-To": request.message_id, "References": request.message_id})
    confirmed = bot.one(raw)
    assert (confirmed["kind"], confirmed["confirms"]["answer"], confirmed["confirms"]["outcome"]) == (
        "signatory_confirmation", "yes", "approved")


def test_a_yes_naming_the_case_by_its_reference_alone_is_recognised(bot: Bot) -> None:
    line = pending_form(bot)
    request = request_to(bot, line["reference"], "alan.hughes@nhs.net")
    confirmed = bot.one(answer(bot, request, "I confirm", thread=False))
    assert confirmed["kind"] == "signatory_confirmation" and confirmed["confirms"]["outcome"] == "approved"


def test_a_confirmation_runs_every_check_again_on_the_register_as_it_is_then(bot: Bot) -> None:
    line = pending_form(bot)
    request = request_to(bot, line["reference"], "alan.hughes@nhs.net")
    # Meanwhile Dr Hughes himself appoints another Primary User: the practice now has two.
    other = bot.one(form_mail(bot, pu_full_name="Tara Quinn", pu_email="tara.quinn@nhs.net"))
    assert other["outcome"] == "approved"
    confirmed = bot.one(answer(bot, request, "Approved"))
    confirms = confirmed["confirms"]
    assert (confirms["outcome"], confirms["reasons"], confirms["changes"]) == ("rejected", ["org.primary_user_limit"],
                                                                              [])
    assert confirmed["changes"] == []  # the line's changes are the confirmed case's: none
    assert "sam.new@nhs.net" not in users(bot, "A81001")
    assert [r["to"] for r in confirms["replies"]] == ["kate.doe@nhs.net"]  # the rejection, to the sender
    thanks = [r for r in bot.outbox(confirmed["reference"])]
    assert [r.recipient for r in thanks] == ["alan.hughes@nhs.net"] and "could not be approved" in thanks[0].body


def test_the_signatorys_no_flags_the_case_as_declined_and_tells_the_sender(bot_on_each_store: Bot) -> None:
    bot = bot_on_each_store
    line = pending_form(bot, ATTACKER, pu_full_name="Eve Intruder", pu_email=ATTACKER)
    request = request_to(bot, line["reference"], "alan.hughes@nhs.net")
    declined = bot.one(answer(bot, request, "No. I did not sign this and I don't know this person."))
    assert (declined["kind"], declined["outcome"], declined["reasons"]) == ("signatory_confirmation", "flagged",
                                                                            ["signatory.declined"])
    assert (declined["confirms"]["outcome"], declined["confirms"]["reasons"]) == ("flagged", ["signatory.declined"])
    case = bot.case(line["reference"])
    assert (case.outcome, case.needs_review) == ("flagged", True)
    assert not bot.case(declined["reference"]).needs_review  # one entry in the queue: the declined case
    told = [r for r in bot.outbox(line["reference"]) if r.recipient == ATTACKER and r.id > request.id]
    assert len(told) == 1 and "did not authorise" in told[0].body
    assert [r.recipient for r in bot.outbox(declined["reference"])] == ["alan.hughes@nhs.net"]  # thanked
    assert ATTACKER not in users(bot, "A81001")
    listed = bot.cli("review", "list", "--reason", "signatory.declined", "--json").out
    assert line["reference"] in listed
    refused = bot.cli("review", "resend", line["reference"], "--by", "Sam Reviewer")
    assert refused.status == 2 and "not waiting for a signatory" in refused.err  # a no is for a person to look into


def test_an_answer_that_is_neither_yes_nor_no_goes_to_staff(bot: Bot) -> None:
    line = pending_form(bot)
    request = request_to(bot, line["reference"], "alan.hughes@nhs.net")
    unclear = bot.one(answer(bot, request, "Who is Sam New? Please call me on 01392 000000."))
    assert (unclear["outcome"], unclear["reasons"]) == ("flagged", ["request.unclear"])
    assert (unclear["confirms"]["outcome"], unclear["confirms"]["reasons"]) == ("flagged", ["request.unclear"])
    case = bot.case(line["reference"])
    assert (case.outcome, case.needs_review) == ("flagged", True)
    assert "sam.new@nhs.net" not in users(bot, "A81001")
    assert not [r for r in bot.outbox(line["reference"]) if r.id > request.id]  # the sender is not told a guess
    # Staff may ask again (the signatory is to say yes or no), or phone Dr Hughes and decide it themselves.
    assert bot.cli("review", "resend", line["reference"], "--by", "Sam Reviewer").status == 0
    assert bot.case(line["reference"]).outcome == "pending"
    result = bot.cli("review", "approve", line["reference"], "--by", "Sam Reviewer")
    assert result.status == 0, result.err
    assert users(bot, "A81001")["sam.new@nhs.net"]["primary"]


def test_a_second_answer_after_the_first_is_an_ordinary_follow_up(bot: Bot) -> None:
    line = pending_form(bot)
    request = request_to(bot, line["reference"], "alan.hughes@nhs.net")
    assert bot.one(answer(bot, request, "Yes"))["confirms"]["outcome"] == "approved"
    again = bot.one(answer(bot, request, "No, sorry, I meant no"))
    assert again["kind"] == "follow_up" and bot.case(line["reference"]).outcome == "approved"


def test_the_signatory_sending_the_form_themself_is_proof_enough(bot: Bot) -> None:
    line = bot.one(form_mail(bot, "alan.hughes@nhs.net"))
    assert (line["outcome"], line["reasons"]) == ("approved", [])
    assert not [r for r in bot.outbox(line["reference"]) if r.purpose == "confirmation_request"]


def test_what_the_sender_typed_reaches_the_signatory_as_short_single_lines(bot: Bot) -> None:
    """The request repeats the form's words to the signatory: never with hidden direction marks (which can make
    one address read as another) or pages of text an impostor wrote to talk them into saying yes."""
    from datetime import UTC, datetime

    from mailbot.config import load_config
    from mailbot.processing.confirmation_mail import FIELD_CHARS, confirmation_mail
    from mailbot.processing.settings import settings_from
    from store.models import Case, SignatoryConfirmation

    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    pitch = "Routine update, PCSE have approved this already, just reply YES. " * 10
    case = Case(reference="OE-2026-000009", sender=ATTACKER, subject="form", org_code="A81001", created_at=now,
                fields={"request": {"org_code": "A81001", "pu_full_name": "Sam New\u202eten.shn@eve",
                                    "pu_email": "sam.new@nhs.net", "pu_job_title": pitch, "pu_request": "new"}})
    row = SignatoryConfirmation(address="alan.hughes@nhs.net", full_name="Dr Alan Hughes", role="lead_gp",
                                waiting_since=now, requested_at=now, expires_at=now, remind_at=now)
    mail = confirmation_mail(case, row, settings=settings_from(load_config(bot.config)), org_name="The Oakwood Surgery")
    assert "\u202e" not in mail.body and "Sam Newten.shn@eve" in mail.body
    job_line = next(line for line in mail.body.splitlines() if "Nominee:" in line)
    assert len(job_line) < FIELD_CHARS * 3 and pitch not in mail.body
    assert mail.to == "alan.hughes@nhs.net" and mail.purpose == "confirmation_request"


def test_explain_shows_how_a_reply_would_be_read_as_the_signatorys_answer(bot: Bot) -> None:
    line = pending_form(bot)
    path = bot.directory / "answer.eml"
    path.write_bytes(answer(bot, request_to(bot, line["reference"], "alan.hughes@nhs.net"),
                            "Not approved - I have never heard of Sam New."))
    result = bot.cli("explain", str(path))
    assert result.status == 0, result.err
    assert "as a signatory's answer: no" in result.out
    assert bot.case(line["reference"]).outcome == "pending"  # explaining changes nothing
