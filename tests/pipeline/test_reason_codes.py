"""Every reason code of SPEC 3: the message that triggers it, the outcome, and whether a reply goes out.

Each test feeds real signed mail (and forms made by our generator) through `mailbot process --json` on a store with
the sample register. `reply.undeliverable` needs an SMTP server that refuses: it is in tests/daemon.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rules.reasons import CODES
from tests.pipeline.conftest import Bot, make_bot
from tests.pipeline.messages import form_mail, notice_mail, permission_mail
from tests.register.ods_rows import ods_file, ods_row
from tests.support import dkim_signing
from tests.support.signed_mail import SigningKey

COVERED_ELSEWHERE = {"reply.undeliverable": "tests/daemon (a 550 from the SMTP server)",
                     "signatory.declined": "tests/pipeline (test_signatory_proof.py: the signatory answers no)",
                     "signatory.unconfirmed": "tests/pipeline (test_signatory_expiry.py: no answer in time)",
                     "message.unprocessable": "tests/pipeline (test_unprocessable.py: the mailbot fails on a message)"}


def expect(line: dict, outcome: str, code: str, *, replies: int) -> None:
    assert line["outcome"] == outcome, line
    assert code in line["reasons"], line
    assert len(line["replies"]) == replies, line


def test_duplicate_message_is_ignored_without_reply(bot: Bot) -> None:
    raw = permission_mail(bot)
    first, second = bot.process(raw, raw)
    assert first["outcome"] == "approved"
    expect(second, "ignored", "message.duplicate", replies=0)
    assert second["reference"] != first["reference"]


def test_out_of_office_is_automatic(bot: Bot) -> None:
    raw = bot.mail("jane.smith@nhs.net", "Automatic reply: Open Exeter", "I am out of the office until Monday.",
                   headers={"Auto-Submitted": "auto-replied"})
    expect(bot.one(raw), "ignored", "message.automatic", replies=0)


def test_too_large_is_flagged_and_acknowledged(tmp_path: Path, signing_key: SigningKey) -> None:
    bot = make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key,
                   "[limits]\nmax_message_bytes = 4000\n")
    raw = permission_mail(bot, attachments=(("notes.txt", b"x" * 6000, "text/plain"),))
    line = bot.one(raw)
    expect(line, "flagged", "message.too_large", replies=1)
    assert line["replies"][0]["to"] == "priya.shah@nhs.net"
    assert "sender.unauthenticated" not in line["reasons"]  # its signature was checked over the whole body


def test_too_large_from_an_unauthenticated_sender_gets_no_reply(tmp_path: Path, signing_key: SigningKey) -> None:
    """SPEC 4 and 12: anyone can write olive.oak@nhs.net in From; a message too large to read is no exception,
    or the mailbot would mail any address on a stranger's say-so (backscatter)."""
    bot = make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key,
                   "[limits]\nmax_message_bytes = 4000\n")
    big = (("notes.txt", b"x" * 6000, "text/plain"),)
    unsigned = permission_mail(bot, "olive.oak@nhs.net", sign=False, attachments=big)
    line = bot.one(unsigned)
    expect(line, "flagged", "message.too_large", replies=0)
    assert "sender.unauthenticated" in line["reasons"]
    # Signed, then a byte of the big attachment changed: the body hash no longer matches, so no reply either.
    signed = permission_mail(bot, "olive.oak@nhs.net", attachments=big)
    tampered = signed[:-200] + signed[-200:].replace(b"eHh4", b"eXh4", 1)
    assert tampered != signed
    line = bot.one(tampered)
    expect(line, "flagged", "message.too_large", replies=0)
    assert "sender.unauthenticated" in line["reasons"]


def test_stale_date_is_flagged(bot: Bot) -> None:
    raw = permission_mail(bot, date=datetime.now(UTC) - timedelta(days=45))
    expect(bot.one(raw), "flagged", "message.stale", replies=1)


def test_a_date_more_than_a_day_ahead_is_stale_and_the_limits_are_the_configs(
        tmp_path: Path, signing_key: SigningKey) -> None:
    """SPEC 3: `message.stale` past `[limits] max_age_days` or more than a day in the future, whatever the kind."""
    bot = make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key, "[limits]\nmax_age_days = 7\n")
    now = datetime.now(UTC)
    for apps, date in (("Screening History", now + timedelta(days=2)), ("Sender Reports", now - timedelta(days=8))):
        line = bot.one(permission_mail(bot, applications=apps, date=date))
        assert (line["outcome"], line["reasons"], line["changes"]) == ("flagged", ["message.stale"], []), line
    for apps, date in (("Screening History", now + timedelta(hours=20)), ("Sender Reports", now - timedelta(days=6))):
        assert bot.one(permission_mail(bot, applications=apps, date=date))["outcome"] == "approved"
    question = bot.mail("kate.doe@nhs.net", "Password reset", "How do I reset my Open Exeter password?",
                        date=now - timedelta(days=8))
    expect(bot.one(question), "flagged", "message.stale", replies=1)


def test_a_signature_that_leaves_out_message_id_is_replay_unsafe(bot: Bot) -> None:
    raw = dkim_signing.sign(permission_mail(bot, sign=False), bot.key.key, "nhs.net", bot.key.selector,
                            headers=("from", "to", "subject", "date"))
    expect(bot.one(raw), "flagged", "message.replay_unsafe", replies=1)


def test_a_request_sent_to_someone_else_is_not_addressed(bot: Bot) -> None:
    raw = permission_mail(bot, sign=False).replace(b"To: pcse.openexeter@nhs.net", b"To: colleague@nhs.net", 1)
    expect(bot.one(bot.key.sign(raw, "nhs.net")), "flagged", "message.not_addressed", replies=1)


def test_more_forms_than_the_limit_are_none_of_them_read(bot: Bot) -> None:
    from tests.pipeline.messages import GOOD_GP_FORM
    from tests.support.forms_fixtures import filled_form

    pdf = filled_form("gp_practice", GOOD_GP_FORM)
    raw = bot.mail("alan.hughes@nhs.net", "Primary User request forms", "Six forms attached.",
                   attachments=tuple((f"form-{n}.pdf", pdf, "application/pdf") for n in range(6)))
    line = bot.one(raw)
    expect(line, "flagged", "message.too_many_forms", replies=1)
    assert line["reasons"] == ["message.too_many_forms"]


def test_two_from_headers_are_ambiguous_and_never_answered(bot: Bot) -> None:
    raw = permission_mail(bot, sign=False)
    raw = raw.replace(b"From: priya.shah@nhs.net", b"From: priya.shah@nhs.net\nFrom: someone@example.com", 1)
    expect(bot.one(bot.key.sign(raw, "nhs.net")), "flagged", "sender.ambiguous", replies=0)


def test_permission_request_from_outside_the_nhs_is_rejected(tmp_path: Path, signing_key: SigningKey) -> None:
    bot = make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key)
    signing_key.write_key_file(bot.directory / "test-keys.txt", ("nhs.net", "example.com"))
    line = bot.one(permission_mail(bot, "priya.shah@example.com"))
    expect(line, "rejected", "sender.not_nhs", replies=1)


def test_unsigned_mail_is_unauthenticated_and_never_answered(bot: Bot) -> None:
    expect(bot.one(permission_mail(bot, sign=False)), "flagged", "sender.unauthenticated", replies=0)


def test_primary_user_request_without_a_form(bot: Bot) -> None:
    raw = bot.mail("alan.hughes@nhs.net", "Primary User request", "We would like Sam New to be our Primary User.")
    expect(bot.one(raw), "rejected", "form.missing", replies=1)


def test_corrupt_pdf_is_unreadable(bot: Bot) -> None:
    raw = bot.mail("alan.hughes@nhs.net", "Primary User request form", "Form attached.",
                   attachments=(("form.pdf", b"%PDF-1.7\n1 0 obj <<<< broken", "application/pdf"),))
    expect(bot.one(raw), "flagged", "form.unreadable", replies=1)


def test_form_with_an_empty_required_field(bot: Bot) -> None:
    line = bot.one(form_mail(bot, pu_email=""))
    expect(line, "rejected", "form.incomplete", replies=1)
    assert "pu_email" not in bot.outbox(line["reference"])[0].body  # people read labels, not field names
    assert "Email" in bot.outbox(line["reference"])[0].body


def test_a_scanned_form_with_a_smudged_value_is_flagged_for_staff_to_read_it(bot: Bot) -> None:
    from tests.pipeline.messages import GOOD_GP_FORM
    from tests.support.scanned_forms import scanned_form

    pdf = scanned_form("gp_practice", GOOD_GP_FORM, dpi=300, smudge="org_code")
    line = bot.one(bot.mail("alan.hughes@nhs.net", "Primary User request form", "Scanned form attached.",
                            attachments=(("scan.pdf", pdf, "application/pdf"),)))
    expect(line, "flagged", "form.uncertain", replies=1)
    assert "form.incomplete" not in line["reasons"]  # not read is not left empty: the sender is not asked again
    shown = bot.cli("review", "show", line["reference"]).out
    assert "ODS code: OCR, confidence" in shown and "not read with confidence: left empty" in shown


def test_unsigned_form(bot: Bot) -> None:
    expect(bot.one(form_mail(bot, signature="none")), "rejected", "form.unsigned", replies=1)


def test_a_typed_signature_counts_only_as_the_signatorys_name_and_only_while_the_config_accepts_it(
        tmp_path: Path, signing_key: SigningKey) -> None:
    """SPEC 9: signed by `sig_typed` when `[forms] accept_typed_signature = true` (the default) and it holds the
    signatory's name; SPEC 15's key turns that off."""
    (tmp_path / "typed").mkdir()
    (tmp_path / "strict").mkdir()
    bot = make_bot(tmp_path / "typed", f"sqlite:///{tmp_path / 'typed.db'}", signing_key)
    other = bot.one(form_mail(bot, signature="typed", sig_typed="Sam New"))
    assert (other["outcome"], other["reasons"]) == ("rejected", ["form.unsigned"]), other
    own = bot.one(form_mail(bot, signature="typed"))
    assert (own["outcome"], own["reasons"]) == ("approved", []), own
    strict = make_bot(tmp_path / "strict", f"sqlite:///{tmp_path / 'strict.db'}", signing_key,
                      "[forms]\naccept_typed_signature = false\n")
    line = strict.one(form_mail(strict, signature="typed"))
    assert (line["outcome"], line["reasons"], line["changes"]) == ("rejected", ["form.unsigned"], []), line


def test_other_organisation_form_for_a_gp_practice(bot: Bot) -> None:
    line = bot.one(form_mail(bot, form_type="other", org_code="A81001", org_name="The Oakwood Surgery",
                             sig_full_name="Helen Ward", sig_role="Caldicott Guardian",
                             sig_email="helen.ward@nhs.net", sender="helen.ward@nhs.net"))
    expect(line, "rejected", "form.type_mismatch", replies=1)


def test_digitally_signed_form_edited_afterwards(bot: Bot) -> None:
    from tests.pipeline.messages import GOOD_GP_FORM
    from tests.support.forms_fixtures import digitally_signed, edited_after_signing, filled_form

    pdf = edited_after_signing(digitally_signed(filled_form("gp_practice", GOOD_GP_FORM)))
    raw = bot.mail("alan.hughes@nhs.net", "Primary User request form", "Signed digitally.",
                   attachments=(("form.pdf", pdf, "application/pdf"),))
    expect(bot.one(raw), "flagged", "form.altered", replies=1)


def test_unknown_organisation(bot: Bot) -> None:
    expect(bot.one(form_mail(bot, org_code="Z99999")), "flagged", "org.unknown", replies=1)


def mark_in_ods(bot: Bot, code: str, name: str, status: str) -> None:
    """Import an ODS practice extract (epraccur.csv) saying CODE's status; nothing else about it changes."""
    extract = bot.directory / "epraccur.csv"
    extract.write_bytes(ods_file([ods_row(code, name, status=status,
                                          close_date="20260101" if status == "C" else "")]))
    result = bot.cli("import", "ods", str(extract))
    assert result.status == 0, result.err


def test_a_good_form_for_a_closed_practice_goes_to_a_person(bot: Bot) -> None:
    mark_in_ods(bot, "A81001", "The Oakwood Surgery", "C")
    line = bot.one(form_mail(bot))
    expect(line, "flagged", "org.closed", replies=1)
    assert line["changes"] == [] and line["reasons"] == ["org.closed"]


def test_a_dormant_practice_is_treated_as_closed(bot: Bot) -> None:
    mark_in_ods(bot, "A81001", "The Oakwood Surgery", "D")
    expect(bot.one(permission_mail(bot)), "flagged", "org.closed", replies=1)
    line = bot.one(notice_mail(bot))
    assert (line["outcome"], line["reasons"], line["changes"]) == ("flagged", ["org.closed"], [])


def test_a_request_for_a_proposed_practice_goes_to_a_person(bot: Bot) -> None:
    mark_in_ods(bot, "A81001", "The Oakwood Surgery", "P")
    line = bot.one(permission_mail(bot))
    expect(line, "flagged", "org.proposed", replies=1)
    assert line["changes"] == []


def test_an_active_practice_in_the_ods_extract_is_approved_as_before(bot: Bot) -> None:
    mark_in_ods(bot, "A81001", "The Oakwood Surgery", "A")
    assert bot.one(permission_mail(bot))["outcome"] == "approved"


def test_third_primary_user_without_a_replacement(bot: Bot) -> None:
    line = bot.one(form_mail(bot, "omar.said@nhs.net", org_code="A81002", org_name="Riverside Medical Centre",
                             sig_full_name="Dr Omar Said", sig_email="omar.said@nhs.net"))
    expect(line, "rejected", "org.primary_user_limit", replies=1)


def test_role_not_allowed_lists_the_roles_and_the_caldicott_route(bot: Bot) -> None:
    line = bot.one(form_mail(bot, "ian.ford@nhs.net", form_type="other", sig_role="Lead GP",
                             sig_full_name="Ian Ford", sig_email="ian.ford@nhs.net"))
    expect(line, "rejected", "signatory.role_not_allowed", replies=1)
    body = bot.outbox(line["reference"])[0].body
    assert "Caldicott Guardian" in body and "Member of the Board of Directors" in body


def test_signatory_appointing_themselves(bot: Bot) -> None:
    line = bot.one(form_mail(bot, pu_full_name="Dr Alan Hughes", pu_email="alan.hughes@nhs.net"))
    expect(line, "rejected", "signatory.self_authorised", replies=1)


def test_signatory_not_on_record(bot: Bot) -> None:
    line = bot.one(form_mail(bot, "nora.bell@nhs.net", sig_full_name="Dr Nora Bell", sig_email="nora.bell@nhs.net"))
    expect(line, "flagged", "signatory.unverified", replies=1)


def test_form_sent_by_someone_other_than_its_signatory_waits_for_them(bot: Bot) -> None:
    line = bot.one(form_mail(bot, "kate.doe@nhs.net"))  # the practice manager sends what Dr Hughes signed
    expect(line, "pending", "signatory.confirmation_requested", replies=2)
    assert [r["to"] for r in line["replies"]] == ["kate.doe@nhs.net", "alan.hughes@nhs.net"]


def test_permission_for_a_user_who_is_not_there(bot: Bot) -> None:
    expect(bot.one(permission_mail(bot, user="nobody@nhs.net")), "rejected", "user.unknown", replies=1)


def test_nominee_with_an_insecure_address(bot: Bot) -> None:
    expect(bot.one(form_mail(bot, pu_email="sam.new@gmail.com")), "rejected", "user.email_not_nhs", replies=1)


def test_notice_for_a_user_with_an_insecure_address_is_flagged(bot: Bot) -> None:
    line = bot.one(notice_mail(bot, email="alex.grey@gmail.com"))
    expect(line, "flagged", "user.email_not_nhs", replies=0)  # Open Exeter gets no acknowledgement


def test_nominee_already_primary_is_approved_without_change(bot: Bot) -> None:
    line = bot.one(form_mail(bot, pu_full_name="Jane Smith", pu_email="jane.smith@nhs.net"))
    expect(line, "approved", "user.already_primary", replies=1)  # the sender is the signatory: one mail
    assert line["changes"] == []


def test_unknown_application(bot: Bot) -> None:
    line = bot.one(permission_mail(bot, applications="Prior Notification List; Flying Lessons"))
    expect(line, "rejected", "permission.unknown", replies=1)
    assert "Cervical Screening Results" in bot.outbox(line["reference"])[0].body  # the valid names are listed


@pytest.mark.parametrize("raw", [
    lambda bot: permission_mail(bot, applications="Organisation Maintenance; Sender Reports"),
    lambda bot: bot.mail("priya.shah@nhs.net", "Open Exeter", "Hi, please could you give Paul Brown "
                         "(paul.brown2@nhs.net) Organisation Maintenance and Sender Reports at A81001.\n\nThanks\n"
                         "Priya Shah\nGP Partner"),
], ids=["template", "prose"])
def test_organisation_maintenance_only_through_the_primary_user_form(bot: Bot, raw: Callable[[Bot], bytes]) -> None:
    """A signatory on record asks for the Primary User's application by email: nothing at all is granted."""
    line = bot.one(raw(bot))
    expect(line, "rejected", "permission.primary_user_only", replies=1)
    assert line["reasons"] == ["permission.primary_user_only"] and line["changes"] == []
    paul = next(u for u in bot.org("A81001")["users"] if u["username"] == "PBROWN2")
    assert paul["applications"] == ["Cervical Screening Results"] and not paul["primary"]
    body = bot.outbox(line["reference"])[0].body
    assert "Primary User request form" in body and "Open Exeter Primary User Request - GP Practice" in body
    assert "Sender Reports" in body and "Nothing has been changed on Open Exeter." in body


def test_notice_from_a_creator_who_is_not_primary(bot: Bot) -> None:
    line = bot.one(notice_mail(bot, created_by="paul.brown2@nhs.net"))
    expect(line, "flagged", "notification.creator_not_primary", replies=0)


def test_notice_naming_a_user_who_exists(bot: Bot) -> None:
    line = bot.one(notice_mail(bot, username="PBROWN2", name="Paul Brown", email="paul.brown.new@nhs.net"))
    expect(line, "flagged", "notification.user_exists", replies=0)


@pytest.mark.parametrize("applications", ["Organisation Maintenance", "Cervical Screening Results; organisation  "
                                                                            "maintenance"])
def test_notice_giving_organisation_maintenance_is_flagged_not_applied(bot: Bot, applications: str) -> None:
    """A Primary User creating a user who holds Organisation Maintenance would make a third Primary User in all but
    name, with no form, no signatory and no limit: staff decide, and nothing is applied or mailed meanwhile."""
    line = bot.one(notice_mail(bot, applications=applications))
    expect(line, "flagged", "notification.primary_user_only", replies=0)
    assert line["changes"] == []
    assert not any(u["username"] == "AGREY1" for u in bot.org("A81001")["users"])


def test_unclear_message(bot: Bot) -> None:
    raw = bot.mail("someone@nhs.net", "Hello", "Could you give me a call about the thing we discussed?")
    expect(bot.one(raw), "flagged", "request.unclear", replies=1)


def test_replies_per_sender_are_limited(tmp_path: Path, signing_key: SigningKey) -> None:
    bot = make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key,
                   "[limits]\nreplies_per_sender_per_day = 1\n")
    question = "How do I reset my Open Exeter password?"
    first = bot.one(bot.mail("kate.doe@nhs.net", "Password reset", question))
    second = bot.one(bot.mail("kate.doe@nhs.net", "Password reset again", question))
    assert first["outcome"] == "answered" and len(first["replies"]) == 1
    expect(second, "flagged", "reply.rate_limited", replies=0)


def test_every_reason_code_has_a_test_here_or_elsewhere() -> None:
    """Every code of SPEC 3 is expected by a test above, or named as tested elsewhere (and that file says so)."""
    source = Path(__file__).read_text()
    missing = [c for c in CODES if f'"{c}", replies=' not in source and c not in COVERED_ELSEWHERE]
    assert not missing, missing
    root = Path(__file__).resolve().parents[1]
    for code, where in COVERED_ELSEWHERE.items():
        folder = root / where.split(" ")[0].removeprefix("tests/")
        assert any(code in f.read_text() for f in folder.glob("test_*.py")), f"{code}: no test in {folder}"
