"""Follow-ups and staff actions (SPEC 13): only the case's own people (sender, signatory on record, nominee),
authenticated, put a case back in the queue; a change is never applied twice; no staff action mails a sender who
could not be authenticated, or an empty address. Real signatures, real store, the command line."""

from __future__ import annotations

import json

from sqlalchemy import select

from store.db import make_engine, sessions
from store.models import AuditEvent
from tests.pipeline.conftest import Bot
from tests.pipeline.messages import form_mail, permission_mail


def queue(bot: Bot) -> list[str]:
    result = bot.cli("review", "list", "--json")
    assert result.status == 0, result.err
    return [json.loads(line)["reference"] for line in result.out.splitlines()]


def shown(bot: Bot, reference: str) -> dict:
    result = bot.cli("review", "show", reference, "--json")
    assert result.status == 0, result.err
    return json.loads(result.out)


def audit_actions(bot: Bot) -> list[str]:
    engine = make_engine(bot.store_url)
    try:
        with sessions(engine)() as session:
            return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    finally:
        engine.dispose()


def follow_up(bot: Bot, sender: str, reference: str, text: str = "Any news?", **kw: object) -> dict:
    return bot.one(bot.mail(sender, f"Re: Open Exeter permission request [{reference}]", text, **kw))


def test_a_strangers_mail_quoting_a_reference_is_its_own_case_and_leaves_an_approved_case_alone(bot: Bot) -> None:
    approved = bot.one(permission_mail(bot))
    assert approved["outcome"] == "approved"
    stranger = follow_up(bot, "kate.doe@nhs.net", approved["reference"], "Please look at this again.")
    assert (stranger["kind"], stranger["outcome"]) == ("follow_up", "flagged"), stranger
    assert queue(bot) == [stranger["reference"]]  # the approved case stays decided
    assert bot.case(approved["reference"]).needs_review is False
    assert shown(bot, stranger["reference"])["parent"] == approved["reference"]  # linked, for staff
    assert [f["reference"] for f in shown(bot, approved["reference"])["follow_ups"]] == [stranger["reference"]]
    reply = bot.outbox(stranger["reference"])
    assert [r.recipient for r in reply] == ["kate.doe@nhs.net"]
    assert reply[0].subject.endswith(f"[{stranger['reference']}]")  # answered as its own case
    assert "case.linked" in audit_actions(bot) and "case.follow_up" not in audit_actions(bot)


def test_an_unauthenticated_follow_up_in_the_senders_name_does_not_reopen_the_case(bot: Bot) -> None:
    approved = bot.one(permission_mail(bot))
    forged = follow_up(bot, "priya.shah@nhs.net", approved["reference"], sign=False)
    assert forged["outcome"] == "flagged" and "sender.unauthenticated" in forged["reasons"]
    assert queue(bot) == [forged["reference"]] and not bot.case(approved["reference"]).needs_review


def test_the_cases_sender_nominee_and_signatory_on_record_may_follow_up(bot: Bot) -> None:
    approved = bot.one(permission_mail(bot))  # priya.shah for paul.brown2
    nominee = follow_up(bot, "paul.brown2@nhs.net", approved["reference"], "Thank you!")
    assert approved["reference"] in queue(bot)
    assert bot.outbox(nominee["reference"])[0].subject.endswith(f"[{approved['reference']}]")
    # A form sent by a practice manager, signed by the Lead GP on record, missing a field: rejected.
    rejected = bot.one(form_mail(bot, "office.manager@nhs.net", pu_job_title=""))
    assert rejected["outcome"] == "rejected", rejected
    signatory = follow_up(bot, "alan.hughes@nhs.net", rejected["reference"], "I did sign this form.")
    assert rejected["reference"] in queue(bot)
    assert bot.outbox(signatory["reference"])[0].subject.endswith(f"[{rejected['reference']}]")
    # A "signatory" the register does not hold, named on a form by its sender, is nobody's to reopen it for.
    other = bot.one(form_mail(bot, "office.manager@nhs.net", pu_job_title="", sig_full_name="Dr Nora Bell",
                              sig_email="nora.bell@nhs.net"))
    named = follow_up(bot, "nora.bell@nhs.net", other["reference"], "I signed it.")
    assert other["reference"] not in queue(bot) and named["reference"] in queue(bot)


def unverified_case(bot: Bot) -> str:
    line = bot.one(form_mail(bot, "nora.bell@nhs.net", sig_full_name="Dr Nora Bell", sig_email="nora.bell@nhs.net"))
    assert line["reasons"] == ["signatory.unverified"], line
    return line["reference"]


def test_approving_a_case_already_approved_applies_nothing_and_sends_nothing(bot: Bot) -> None:
    ref = unverified_case(bot)
    assert bot.cli("review", "approve", ref, "--by", "Pat").status == 0
    register, mails = bot.org("A81001"), len(bot.outbox())
    follow_up(bot, "nora.bell@nhs.net", ref, "Thanks, but the password has not come.")
    assert ref in queue(bot)  # the sender's follow-up is for staff to read
    again = bot.cli("review", "approve", ref, "--by", "Kim")
    assert again.status == 2 and "already approved by Pat" in again.err, again.out + again.err
    preview = bot.cli("review", "approve", ref, "--preview", "--by", "Kim")
    assert preview.status == 2 and "already approved" in preview.err
    rejected = bot.cli("review", "reject", ref, "--reason", "No.", "--by", "Kim")
    assert rejected.status == 2 and "already approved" in rejected.err
    assert bot.org("A81001") == register and len(bot.outbox()) == mails - 0 + 1  # only the follow-up's reply
    assert audit_actions(bot).count("review.approved") == 1
    assert bot.cli("review", "close", ref, "--by", "Kim").status == 0 and ref not in queue(bot)


def test_approving_a_request_from_an_unauthenticated_sender_does_not_mail_that_sender(bot: Bot) -> None:
    ref = bot.one(permission_mail(bot, sign=False))["reference"]
    result = bot.cli("review", "approve", ref, "--by", "Pat")
    assert result.status == 0, result.err + result.out
    assert "not sent to priya.shah@nhs.net" in result.out
    assert [r.recipient for r in bot.outbox(ref)] == ["paul.brown2@nhs.net"]  # the user, at their address


def test_approving_a_request_from_an_ambiguous_sender_queues_no_mail_without_an_address(bot: Bot) -> None:
    raw = permission_mail(bot, sign=False)
    raw = raw.replace(b"From: priya.shah@nhs.net", b"From: priya.shah@nhs.net\nFrom: someone@example.com", 1)
    line = bot.one(bot.key.sign(raw, "nhs.net"))
    assert line["reasons"][0] == "sender.ambiguous", line
    result = bot.cli("review", "approve", line["reference"], "--by", "Pat")
    assert result.status == 0, result.err + result.out
    recipients = [r.recipient for r in bot.outbox(line["reference"])]
    assert recipients == ["paul.brown2@nhs.net"] and all("@" in r for r in recipients)
