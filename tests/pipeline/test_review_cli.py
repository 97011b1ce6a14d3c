"""Review from the command line (SPEC 13): the queue, one case, and every staff action, each audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from store.db import make_engine, sessions
from store.models import AuditEvent, Signatory
from tests.pipeline.conftest import Bot, make_bot
from tests.pipeline.messages import form_mail, permission_mail
from tests.support.signed_mail import SigningKey


def audit(bot: Bot) -> list[tuple[str, str]]:
    engine = make_engine(bot.store_url)
    try:
        with sessions(engine)() as session:
            return [(e.actor, e.action) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    finally:
        engine.dispose()


def queue(bot: Bot, *filters: str) -> list[dict]:
    result = bot.cli("review", "list", "--json", *filters)
    assert result.status == 0, result.err
    return [json.loads(line) for line in result.out.splitlines()]


def unverified_case(bot: Bot) -> str:
    line = bot.one(form_mail(bot, "nora.bell@nhs.net", sig_full_name="Dr Nora Bell", sig_email="nora.bell@nhs.net"))
    assert line["reasons"] == ["signatory.unverified"], line
    return line["reference"]


def test_queue_filters_by_reason_kind_and_organisation(bot: Bot) -> None:
    ref = unverified_case(bot)
    unsigned = bot.one(permission_mail(bot, sign=False))["reference"]
    assert [c["reference"] for c in queue(bot)] == [ref, unsigned]
    assert [c["reference"] for c in queue(bot, "--reason", "sender.unauthenticated")] == [unsigned]
    assert [c["reference"] for c in queue(bot, "--kind", "primary_user_request")] == [ref]
    assert [c["reference"] for c in queue(bot, "--org", "A81001")] == [ref, unsigned]
    assert queue(bot, "--org", "RX1") == []
    text = bot.cli("review", "list").out
    assert "2 case(s) waiting" in text and "Signatory not on record (signatory.unverified): 1" in text


def test_queue_filters_by_age_oldest_first(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 13: the flagged cases filtered by age (`review list --older-than DAYS`), as of the command's now."""
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    monkeypatch.setenv("MAILBOT_CLOCK", start.isoformat())
    old = bot.one(bot.mail("someone@nhs.net", "Hello", "Please call me.", date=start))["reference"]
    later = start + timedelta(days=5)
    monkeypatch.setenv("MAILBOT_CLOCK", later.isoformat())
    new = bot.one(bot.mail("someone.else@nhs.net", "Hello", "Please call me too.", date=later))["reference"]
    monkeypatch.setenv("MAILBOT_CLOCK", (later + timedelta(hours=1)).isoformat())
    assert [c["reference"] for c in queue(bot)] == [old, new]
    assert [c["reference"] for c in queue(bot, "--older-than", "3")] == [old]
    assert [c["reference"] for c in queue(bot, "--older-than", "6")] == []
    assert [c["reference"] for c in queue(bot, "--older-than", "3", "--reason", "request.unclear")] == [old]


def test_show_has_everything_on_one_screen(bot: Bot) -> None:
    ref = unverified_case(bot)
    doc = json.loads(bot.cli("review", "show", ref, "--json").out)
    assert doc["reference"] == ref
    text = bot.cli("review", "show", ref).out
    for expected in ("signatory.unverified", "Dr Nora Bell", "primary-user-request.pdf", "Sam New"):
        assert expected in text, expected


def test_list_and_show_put_codes_in_words_and_keep_each_code_in_brackets(bot: Bot) -> None:
    """Staff read `review list` and `review show` in words; the code follows in brackets, to search by (the --json
    output keeps the bare codes: it is the contract)."""
    ref = unverified_case(bot)
    [row] = [line for line in bot.cli("review", "list").out.splitlines() if line.startswith(ref)]
    assert "Primary User request (form)" in row and "Signatory not on record (signatory.unverified)" in row, row
    assert "primary_user_request" not in row
    text = bot.cli("review", "show", ref).out
    header = text.splitlines()[0]
    assert header.startswith(f"{ref}  Primary User request (form) (primary_user_request)  Needs a person (flagged)"), \
        header
    assert "reason: Signatory not on record (signatory.unverified): " in text
    assert "FAIL Signatory on record in that role (signatory.verified): " in text, text
    assert "[Signatory not on record (signatory.unverified)]" in text
    assert "  Signatory: full name: Dr Nora Bell" in text and "  Form type: GP practice" in text, text
    assert "Decided by the mailbot (case.decided)" in text
    assert json.loads(bot.cli("review", "show", ref, "--json").out)["outcome"] == "flagged"
    assert queue(bot)[0]["kind"] == "primary_user_request"


def test_approving_over_an_unverified_signatory_records_them_only_when_staff_say_how(bot: Bot) -> None:
    ref = unverified_case(bot)
    preview = bot.cli("review", "approve", ref, "--preview", "--by", "Pat Reviewer")
    assert "not recorded as a verified signatory: nora.bell@nhs.net (use --verified HOW)" in preview.out
    made_up = bot.cli("review", "approve", ref, "--verified", "trust_me", "--by", "Pat Reviewer")
    assert made_up.status == 2 and "phoned_record" in made_up.err
    result = bot.cli("review", "approve", ref, "--verified", "phoned_record", "--by", "Pat Reviewer")
    assert result.status == 0, result.err + result.out
    assert "approved by Pat Reviewer" in result.out
    assert "change: Add Dr Nora Bell (nora.bell@nhs.net) to the signatory register of A81001" in result.out
    users = {u["email"]: u for u in bot.org("A81001")["users"]}
    assert users["sam.new@nhs.net"]["primary"]
    engine = make_engine(bot.store_url)
    with sessions(engine)() as session:
        nora = session.scalars(select(Signatory).where(Signatory.email == "nora.bell@nhs.net")).one()
        assert "Pat Reviewer" in nora.verified_how and nora.verified_how.startswith("Phoned the organisation")
    engine.dispose()
    assert ("Pat Reviewer", "review.approved") in audit(bot)
    assert ref not in [c["reference"] for c in queue(bot)]
    assert {r.purpose for r in bot.outbox(ref)} >= {"temporary_password"}


def test_approving_a_photographed_form_with_the_fields_the_reviewer_read(bot: Bot) -> None:
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300)
    line = bot.one(bot.mail("alan.hughes@nhs.net", "Primary User request form", "A photo of our signed form.",
                            attachments=(("IMG_0042.jpg", photo, "image/jpeg"),)))
    assert (line["outcome"], line["reasons"]) == ("flagged", ["form.unreadable"])
    ref = line["reference"]
    read = ["--set", "form_type=gp_practice", "--set", "org_code=A81001", "--set", "org_name=The Oakwood Surgery",
            "--set", "pu_full_name=Tara Quinn", "--set", "pu_job_title=Practice Manager", "--set", "pu_request=new",
            "--set", "sig_full_name=Dr Alan Hughes", "--set", "sig_role=Lead GP",
            "--set", "sig_email=alan.hughes@nhs.net", "--set", "sig_date=20/11/2026", "--set", "pu_phone=01392 1"]
    preview = bot.cli("review", "approve", ref, *read, "--set", "pu_email=tara.quinn@nhs.net", "--preview",
                      "--by", "Pat")
    assert preview.status == 0 and "would be approved" in preview.out, preview.out + preview.err
    assert "tara.quinn@nhs.net" not in json.dumps(bot.org("A81001"))  # a preview changes nothing
    bad = bot.cli("review", "approve", ref, *read, "--set", "pu_email=tara.quinn@gmail.com", "--by", "Pat")
    assert bad.status == 2 and "user.email_not_nhs" in bad.err  # the checks re-ran on the corrected fields
    good = bot.cli("review", "approve", ref, *read, "--set", "pu_email=tara.quinn@nhs.net", "--by", "Pat")
    assert good.status == 0, good.out + good.err
    assert {u["email"] for u in bot.org("A81001")["users"] if u["primary"]} >= {"tara.quinn@nhs.net"}


def test_unknown_field_is_a_usage_error(bot: Bot) -> None:
    ref = unverified_case(bot)
    result = bot.cli("review", "approve", ref, "--set", "favourite_colour=blue", "--by", "Pat")
    assert result.status == 2 and "favourite_colour" in result.err


def test_reject_replies_with_the_reason(bot: Bot) -> None:
    ref = unverified_case(bot)
    result = bot.cli("review", "reject", ref, "--reason", "Dr Bell is not a partner of this practice.",
                     "--by", "Pat Reviewer")
    assert result.status == 0, result.err
    replies = [r for r in bot.outbox(ref) if "Dr Bell is not a partner" in r.body]
    assert [r.recipient for r in replies] == ["nora.bell@nhs.net"]
    assert ("Pat Reviewer", "review.rejected") in audit(bot)
    assert queue(bot) == []


def test_reject_of_an_unauthenticated_sender_sends_nothing(bot: Bot) -> None:
    ref = bot.one(permission_mail(bot, sign=False))["reference"]
    result = bot.cli("review", "reject", ref, "--reason", "Not from the practice.", "--by", "Pat")
    assert result.status == 0 and "no reply" in result.out
    assert bot.outbox(ref) == []


def test_close_and_note_are_audited(bot: Bot) -> None:
    ref = unverified_case(bot)
    assert bot.cli("review", "note", ref, "Phoned the practice; waiting to hear.", "--by", "Pat").status == 0
    before = len(bot.outbox(ref))
    assert bot.cli("review", "close", ref, "--by", "Pat").status == 0
    assert len(bot.outbox(ref)) == before
    assert [a for a in audit(bot) if a[0] == "Pat"] == [("Pat", "review.note"), ("Pat", "review.closed")]
    assert queue(bot) == []


def test_a_follow_up_puts_a_closed_case_back_in_the_queue(bot: Bot) -> None:
    ref = unverified_case(bot)
    assert bot.cli("review", "close", ref, "--by", "Pat").status == 0
    follow = bot.one(bot.mail("nora.bell@nhs.net", f"Re: Primary User request form [{ref}]", "Any news?"))
    assert follow["kind"] == "follow_up"
    assert ref in [c["reference"] for c in queue(bot)]


def test_acting_on_an_unknown_case_is_a_usage_error(bot: Bot) -> None:
    result = bot.cli("review", "close", "OE-2026-999999", "--by", "Pat")
    assert result.status == 2 and "OE-2026-999999" in result.err


def test_approving_without_saying_how_leaves_the_signatory_register_alone(bot: Bot) -> None:
    ref = unverified_case(bot)
    assert bot.cli("review", "approve", ref, "--by", "Pat").status == 0
    engine = make_engine(bot.store_url)
    with sessions(engine)() as session:
        assert session.scalars(select(Signatory).where(Signatory.email == "nora.bell@nhs.net")).all() == []
    engine.dispose()


def test_a_closed_case_says_who_closed_it_and_why_and_can_be_reopened(bot: Bot) -> None:
    ref = unverified_case(bot)
    assert bot.cli("review", "close", ref, "--reason", "Duplicate of a phoned request", "--by", "Pat").status == 0
    refused = bot.cli("review", "reject", ref, "--reason", "No.", "--by", "Kim")
    assert refused.status == 2 and f"{ref} was closed by Pat" in refused.err
    assert "(Duplicate of a phoned request)" in refused.err and "Reopen it first" in refused.err
    assert bot.cli("review", "reopen", ref, "--by", "Kim").status == 0
    assert ref in [c["reference"] for c in queue(bot)]
    assert bot.cli("review", "reopen", ref, "--by", "Kim").status == 2  # not closed now
    assert [a for a in audit(bot) if a[1] in ("review.closed", "review.reopened")] == [
        ("Pat", "review.closed"), ("Kim", "review.reopened")]


def test_with_the_second_person_setting_the_command_line_needs_two_names(tmp_path: Path,
                                                                        signing_key: SigningKey) -> None:
    two = make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key, "[review]\nsecond_person = true\n")
    ref = unverified_case(two)
    first = two.cli("review", "approve", ref, "--verified", "phoned_record", "--by", "Pat")
    assert first.status == 0 and "a second member of staff must approve it too" in first.out, first.out + first.err
    assert not any(u["email"] == "sam.new@nhs.net" for u in two.org("A81001")["users"])
    same = two.cli("review", "approve", ref, "--by", "Pat")
    assert same.status == 2 and "a different member of staff must confirm it" in same.err
    second = two.cli("review", "approve", ref, "--by", "Kim")
    assert second.status == 0 and "approved by Kim" in second.out, second.out + second.err
    assert any(u["email"] == "sam.new@nhs.net" and u["primary"] for u in two.org("A81001")["users"])
