"""Staff see what waits for a signatory (issue 12, deliverable 9) and act on it from the command line: `review list`
("waiting for the signatory since", reminder sent), `review show`, `review resend`, or deciding the case themselves.
Every action audited. And no staff action mails an address that only the form gave."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from store.db import make_engine, sessions
from store.models import AuditEvent
from tests.pipeline.conftest import Bot
from tests.pipeline.messages import form_mail, permission_mail
from tests.pipeline.test_signatory_expiry import expire_at
from tests.pipeline.test_signatory_proof import answer, pending_form, request_to, users

STAFF = "Sam Reviewer"


def audit(bot: Bot) -> list[tuple[str, str, dict]]:
    engine = make_engine(bot.store_url)
    try:
        with sessions(engine)() as session:
            return [(e.actor, e.action, e.detail) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    finally:
        engine.dispose()


def listed(bot: Bot, *filters: str) -> list[dict]:
    result = bot.cli("review", "list", "--json", *filters)
    assert result.status == 0, result.err
    return [json.loads(line) for line in result.out.splitlines()]


def test_review_list_shows_what_waits_for_the_signatory_since_when_and_the_reminder(
        bot_on_each_store: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    bot = bot_on_each_store
    asked = datetime.now(UTC)
    ref = pending_form(bot)["reference"]
    text = bot.cli("review", "list").out
    assert "0 case(s) waiting" in text  # nothing for staff to do yet...
    assert "1 case(s) waiting for the signatory" in text  # ...but they see what waits
    line = next(x for x in text.splitlines() if x.startswith(ref))
    assert "waiting for the signatory since" in line and "alan.hughes@nhs.net" in line and "no reminder yet" in line
    [row] = listed(bot)
    assert (row["reference"], row["outcome"], row["confirmation"]["status"]) == (ref, "pending", "waiting")
    assert row["confirmation"]["reminder_sent_at"] is None
    assert [r["reference"] for r in listed(bot, "--reason", "signatory.confirmation_requested")] == [ref]
    assert listed(bot, "--reason", "signatory.unverified") == [] and listed(bot, "--org", "RX1") == []
    expire_at(bot, monkeypatch, asked + timedelta(days=4))
    assert listed(bot)[0]["confirmation"]["reminder_sent_at"] is not None
    assert "reminder sent" in next(x for x in bot.cli("review", "list").out.splitlines() if x.startswith(ref))


def test_review_show_gives_the_state_of_the_confirmation(bot: Bot) -> None:
    ref = pending_form(bot)["reference"]
    doc = json.loads(bot.cli("review", "show", ref, "--json").out)
    c = doc["confirmation"]
    assert (c["status"], c["address"], c["full_name"], c["requests"]) == ("waiting", "alan.hughes@nhs.net",
                                                                          "Dr Alan Hughes", 1)
    assert "signatory confirmation: waiting" in bot.cli("review", "show", ref).out
    request = request_to(bot, ref, "alan.hughes@nhs.net")
    confirmed = bot.one(answer(bot, request, "Yes"))
    c = json.loads(bot.cli("review", "show", ref, "--json").out)["confirmation"]
    assert (c["status"], c["answer_case"]) == ("confirmed", confirmed["reference"])


def test_staff_can_send_the_request_again_and_the_wait_starts_again(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = datetime.now(UTC)
    ref = pending_form(bot)["reference"]
    expire_at(bot, monkeypatch, asked + timedelta(days=4))
    expire_at(bot, monkeypatch, asked + timedelta(days=8))
    assert bot.case(ref).reasons == ["signatory.unconfirmed"]  # ran out of time; the signatory was on leave
    result = bot.cli("review", "resend", ref, "--by", STAFF)
    assert result.status == 0, result.err
    assert "sent again to alan.hughes@nhs.net" in result.out
    case = bot.case(ref)
    assert (case.outcome, case.reasons, case.needs_review) == ("pending", ["signatory.confirmation_requested"], False)
    requests = [r for r in bot.outbox(ref) if r.purpose == "confirmation_request"]
    assert [r.recipient for r in requests] == ["alan.hughes@nhs.net", "alan.hughes@nhs.net"]
    assert (STAFF, "review.confirmation_resent") in [(a, b) for a, b, _ in audit(bot)]
    confirmed = bot.one(answer(bot, requests[-1], "Yes, I confirm"))
    assert confirmed["confirms"]["outcome"] == "approved"


def test_resend_is_refused_for_a_case_that_waits_for_nobody(bot: Bot) -> None:
    line = bot.one(form_mail(bot))  # sent by the signatory himself: approved
    result = bot.cli("review", "resend", line["reference"], "--by", STAFF)
    assert result.status == 2 and "not waiting for a signatory" in result.err


def test_staff_can_decide_a_pending_case_themselves(bot_on_each_store: Bot) -> None:
    bot = bot_on_each_store
    ref = pending_form(bot)["reference"]
    request = request_to(bot, ref, "alan.hughes@nhs.net")
    result = bot.cli("review", "approve", ref, "--by", STAFF)
    assert result.status == 0, result.err
    assert "signatory.confirmation_requested" in result.out  # the preview says what the decision stands in for
    assert users(bot, "A81001")["sam.new@nhs.net"]["primary"]
    approved = [d for a, action, d in audit(bot) if action == "review.approved"]
    assert approved and approved[0]["overridden"] == ["signatory.confirmation_requested"]
    doc = json.loads(bot.cli("review", "show", ref, "--json").out)
    assert (doc["outcome"], doc["confirmation"]["status"], doc["confirmation"]["closed_by"]) == ("approved", "closed",
                                                                                                 STAFF)
    late = bot.one(answer(bot, request, "Yes"))
    assert late["kind"] == "follow_up"  # nothing left to confirm: an ordinary follow-up


def test_staff_rejecting_a_pending_case_stops_the_wait_and_answers_the_sender(bot: Bot) -> None:
    ref = pending_form(bot)["reference"]
    result = bot.cli("review", "reject", ref, "--reason", "Please ask Dr Hughes to send it himself.", "--by", STAFF)
    assert result.status == 0 and "reply to kate.doe@nhs.net" in result.out
    assert json.loads(bot.cli("review", "show", ref, "--json").out)["confirmation"]["status"] == "closed"


def test_staff_approval_over_an_unverified_signatory_mails_no_address_taken_from_the_form(bot: Bot) -> None:
    """Dr Kofi Mensah is on record without an email: after staff check by phone and approve, the signatory's
    notice cannot go to the address the form typed (SPEC 5): nobody on record has it."""
    line = bot.one(form_mail(bot, "ruth.evans@nhs.net", org_code="B82010", org_name="Harbour Lane Practice",
                             pu_full_name="Lily Moss", pu_email="lily.moss@nhs.net", sig_full_name="Dr Kofi Mensah",
                             sig_role="Lead GP", sig_email="kofi.mensah.gp@nhs.net"))
    assert line["reasons"] == ["signatory.unverified"]
    result = bot.cli("review", "approve", line["reference"], "--by", STAFF)
    assert result.status == 0, result.err
    recipients = {r.recipient for r in bot.outbox(line["reference"])}
    assert "kofi.mensah.gp@nhs.net" not in recipients
    assert recipients == {"ruth.evans@nhs.net", "lily.moss@nhs.net"}


def test_a_permission_request_is_never_matched_to_a_signatory_by_name(bot: Bot) -> None:
    """The permission route already matches the authenticated sender's address only (kept so: a regression guard):
    Dr Kofi Mensah is on record with no address, so a mail from any address in his name proves nothing."""
    line = bot.one(permission_mail(bot, "kofi.mensah@nhs.net", org="B82010", user="tom.white1@nhs.net",
                                   role="Lead GP"))
    assert (line["outcome"], line["reasons"]) == ("flagged", ["signatory.unverified"])
    assert "Prior Notification List" in users(bot, "B82010")["tom.white1@nhs.net"]["applications"]
    assert len(users(bot, "B82010")["tom.white1@nhs.net"]["applications"]) == 1
