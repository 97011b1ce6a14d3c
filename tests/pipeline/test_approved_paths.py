"""For each kind, the approved path and the store after it, on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from mailbot.outbox.replies import PASSWORD_SLOT
from store.db import make_engine, sessions
from store.models import AuditEvent, User
from tests.pipeline.conftest import SYSTEM, Bot
from tests.pipeline.messages import GOOD_GP_FORM, form_mail, notice_mail, permission_mail
from tests.support.forms_fixtures import filled_form


def users(bot: Bot, code: str) -> dict[str, dict]:
    return {u["email"]: u for u in bot.org(code)["users"]}


def stored_user(bot: Bot, email: str) -> User:
    engine = make_engine(bot.store_url)
    try:
        with sessions(engine)() as session:
            user = session.scalars(select(User).where(User.email == email)).one()
            session.expunge(user)
            return user
    finally:
        engine.dispose()


def audit_actions(bot: Bot) -> list[str]:
    engine = make_engine(bot.store_url)
    try:
        with sessions(engine)() as session:
            return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    finally:
        engine.dispose()


def test_new_primary_user_for_a_gp_practice(bot_on_each_store: Bot) -> None:
    bot = bot_on_each_store
    line = bot.one(form_mail(bot))
    assert (line["kind"], line["outcome"], line["reasons"]) == ("primary_user_request", "approved", [])
    nominee = users(bot, "A81001")["sam.new@nhs.net"]
    assert nominee["primary"] and nominee["status"] == "active"
    assert nominee["applications"] == ["Organisation Maintenance"]
    assert users(bot, "A81001")["jane.smith@nhs.net"]["primary"]  # two Primary Users now: within the limit
    rows = bot.outbox(line["reference"])
    assert {(r.purpose, r.recipient) for r in rows} == {
        ("reply", "alan.hughes@nhs.net"), ("temporary_password", "sam.new@nhs.net")}
    password_mail = next(r for r in rows if r.purpose == "temporary_password")
    assert PASSWORD_SLOT in password_mail.body  # the password itself is made only when the mail is sent
    assert stored_user(bot, "sam.new@nhs.net").temp_password_hash is None
    assert line["reference"] in rows[0].subject and rows[0].headers["Auto-Submitted"] == "auto-replied"
    assert "user.created" in audit_actions(bot)


def test_replacement_demotes_the_named_primary_user(bot_on_each_store: Bot) -> None:
    bot = bot_on_each_store
    line = bot.one(form_mail(bot, "omar.said@nhs.net", org_code="A81002", org_name="Riverside Medical Centre",
                             sig_full_name="Dr Omar Said", sig_email="omar.said@nhs.net",
                             pu_request="replacement", pu_replaces="dev.patel1@nhs.net"))
    assert line["outcome"] == "approved", line
    after = users(bot, "A81002")
    assert after["sam.new@nhs.net"]["primary"]
    assert not after["dev.patel1@nhs.net"]["primary"]
    assert "Organisation Maintenance" not in after["dev.patel1@nhs.net"]["applications"]
    assert after["dev.patel1@nhs.net"]["applications"] == ["Screening History"]
    assert sum(u["primary"] and u["status"] == "active" for u in after.values()) == 2


def test_other_organisation_signed_by_its_caldicott_guardian(bot: Bot) -> None:
    line = bot.one(form_mail(bot, "grace.lee@nhs.net", form_type="other"))
    assert line["outcome"] == "approved", line
    assert users(bot, "RX1")["kim.hale@nhs.net"]["primary"]


def test_permission_request_grants_the_applications(bot_on_each_store: Bot) -> None:
    bot = bot_on_each_store
    line = bot.one(permission_mail(bot, applications="Prior Notification List, Cervical Screening Results"))
    assert (line["kind"], line["outcome"]) == ("permission_request", "approved"), line
    apps = users(bot, "A81001")["paul.brown2@nhs.net"]["applications"]
    assert apps == ["Cervical Screening Results", "Prior Notification List"]
    assert {r["to"] for r in line["replies"]} == {"priya.shah@nhs.net", "paul.brown2@nhs.net"}


def test_new_user_notice_activates_the_user(bot_on_each_store: Bot) -> None:
    bot = bot_on_each_store
    line = bot.one(notice_mail(bot))
    assert (line["kind"], line["outcome"]) == ("new_user_notification", "approved"), line
    user = users(bot, "A81001")["alex.grey@nhs.net"]
    assert user["status"] == "active" and not user["primary"]
    assert user["applications"] == ["Cervical Screening Results", "Prior Notification List"]
    rows = bot.outbox(line["reference"])
    assert {(r.purpose, r.recipient) for r in rows} >= {("temporary_password", "alex.grey@nhs.net")}
    assert SYSTEM not in {r.recipient for r in rows}  # Open Exeter's robot is never written to
    creator = [r for r in rows if r.recipient == "jane.smith@nhs.net"]
    assert creator and PASSWORD_SLOT not in creator[0].body


def test_guidance_question_is_answered(bot: Bot) -> None:
    line = bot.one(bot.mail("kate.doe@nhs.net", "Who is our Primary User?",
                            "Hello, how do I find out who the Primary User for our practice is?"))
    assert (line["kind"], line["outcome"], line["reasons"]) == ("guidance", "answered", [])
    assert line["replies"][0]["to"] == "kate.doe@nhs.net"


def test_follow_up_goes_back_on_its_case(bot: Bot) -> None:
    first = bot.one(form_mail(bot, "nora.bell@nhs.net", sig_full_name="Dr Nora Bell", sig_email="nora.bell@nhs.net"))
    assert first["outcome"] == "flagged"
    reply = bot.outbox(first["reference"])[0]
    follow = bot.one(bot.mail("nora.bell@nhs.net", reply.subject, "I am the new partner, since October.",
                              headers={"In-Reply-To": reply.message_id, "References": reply.message_id}))
    assert (follow["kind"], follow["outcome"]) == ("follow_up", "flagged"), follow
    listed = bot.cli("review", "list", "--json")
    assert first["reference"] in listed.out


def test_out_of_office_is_ignored_and_changes_nothing(bot: Bot) -> None:
    before = bot.org("A81001")
    line = bot.one(bot.mail("jane.smith@nhs.net", "Out of Office: Open Exeter", "Back on Monday.",
                            headers={"Auto-Submitted": "auto-replied", "Precedence": "bulk"}))
    assert (line["kind"], line["outcome"], line["replies"]) == ("automatic", "ignored", [])
    assert bot.org("A81001") == before


def test_dry_run_changes_nothing(bot: Bot) -> None:
    before = bot.org("A81001")
    line = bot.process(form_mail(bot), dry_run=True)[0]
    assert line["outcome"] == "approved"
    assert bot.org("A81001") == before and bot.outbox() == []


def test_a_dry_run_sees_its_own_earlier_files_and_keeps_none_of_them(bot: Bot) -> None:
    raw = form_mail(bot)
    first, again = bot.process(raw, raw, dry_run=True)
    assert first["outcome"] == "approved"
    assert "message.duplicate" in again["reasons"]  # the second file sees the first one's case
    assert bot.one(raw)["outcome"] == "approved"  # and nothing was kept: a real run meets the message afresh


def test_each_form_of_one_message_is_its_own_case_decided_on_its_own(bot: Bot) -> None:
    """SPEC 5: "One message may carry several forms: each becomes its own case" (a JSON line each, SPEC 15)."""
    riverside = {**GOOD_GP_FORM, "org_code": "A81002", "org_name": "Riverside Medical Centre",
                 "sig_full_name": "Dr Omar Said", "sig_email": "omar.said@nhs.net"}
    replacement = filled_form("gp_practice", {**riverside, "pu_request": "replacement",
                                              "pu_replaces": "mary.jones4@nhs.net", "pu_email": "nia.one@nhs.net",
                                              "pu_full_name": "Nia One"}, signature="ink")
    incomplete = filled_form("gp_practice", {**riverside, "pu_email": "nia.two@nhs.net", "pu_full_name": "Nia Two",
                                             "pu_job_title": ""}, signature="ink")
    first, second = bot.process(bot.mail("omar.said@nhs.net", "Two forms", "Both attached.", attachments=(
        ("one.pdf", replacement, "application/pdf"), ("two.pdf", incomplete, "application/pdf"))))
    assert first["message_id"] == second["message_id"] and first["reference"] != second["reference"]
    assert (first["outcome"], first["reasons"]) == ("approved", [])
    assert "MJONES4: no longer a Primary User; Organisation Maintenance removed" in first["changes"]
    assert sorted(r["to"] for r in first["replies"]) == ["mary.jones4@nhs.net", "nia.one@nhs.net",
                                                         "omar.said@nhs.net"]
    # Decided on the register as the first left it: two Primary Users again, and a field to fill in.
    assert (second["outcome"], second["reasons"], second["changes"]) == (
        "rejected", ["form.incomplete", "org.primary_user_limit"], [])
    assert [r["to"] for r in second["replies"]] == ["omar.said@nhs.net"]
    assert second["replies"][0]["subject"] == f"Re: Two forms [{second['reference']}]"
