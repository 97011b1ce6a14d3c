"""What a sender writes is a claim, judged against our records and never taken on its word: the role a signatory
signs as, the date a form was signed, the applications an Open Exeter notice names. End to end, with real signed
mail through `mailbot process`, on the sample register."""

from __future__ import annotations

from datetime import UTC, datetime

from parsers.forms.normalise import normalise_value
from parsers.forms.value_kinds import real_date
from tests.pipeline.conftest import Bot
from tests.pipeline.messages import form_mail, notice_mail, permission_mail


def granted(bot: Bot, org: str, username: str) -> list[str]:
    return next(u for u in bot.org(org)["users"] if u["username"] == username)["applications"]


def test_a_signatory_signing_as_a_role_they_are_not_on_record_in_goes_to_staff(bot: Bot) -> None:
    """Priya Shah is on record as GP Partner of A81001. Signing as Caldicott Guardian (a role that may authorise,
    but not hers) is a claim the register does not bear out: staff check, nothing is granted."""
    line = bot.one(permission_mail(bot, role="Caldicott Guardian"))
    assert (line["outcome"], line["reasons"]) == ("flagged", ["signatory.unverified"])
    assert "Prior Notification List" not in granted(bot, "A81001", "PBROWN2")


def test_a_signatory_signing_as_a_role_that_may_not_authorise_is_told_which_may(bot: Bot) -> None:
    line = bot.one(permission_mail(bot, role="Practice Manager"))
    assert (line["outcome"], line["reasons"]) == ("rejected", ["signatory.role_not_allowed"])
    assert [r["to"] for r in line["replies"]] == ["priya.shah@nhs.net"]
    assert "Prior Notification List" not in granted(bot, "A81001", "PBROWN2")


def test_the_role_on_record_or_no_role_written_is_approved(bot: Bot) -> None:
    as_recorded = bot.one(permission_mail(bot, role="gp partner"))
    assert (as_recorded["outcome"], as_recorded["reasons"]) == ("approved", [])
    body = "Organisation code: A81001\nUser: paul.brown2@nhs.net\nApplications: Sender Reports\n\nKind regards\nPriya"
    unwritten = bot.one(bot.mail("priya.shah@nhs.net", "Open Exeter permission request", body))
    assert (unwritten["outcome"], unwritten["reasons"]) == ("approved", [])


def test_a_notice_naming_an_application_not_in_the_catalogue_goes_to_staff_and_adds_nothing(bot: Bot) -> None:
    """SPEC 7 is silent; PCSE keeps the catalogue, and a notice's text (whoever wrote it) never grows it."""
    line = bot.one(notice_mail(bot, applications="Prior Notification List; Patient Records Export"))
    assert (line["outcome"], line["reasons"], line["replies"]) == ("flagged", ["permission.unknown"], [])
    assert line["changes"] == []
    assert "AGREY1" not in [u["username"] for u in bot.org("A81001")["users"]]
    case = bot.case(line["reference"])
    failed = next(c for c in case.checks if c.get("reason") == "permission.unknown")
    assert failed["details"]["unknown"] == ["Patient Records Export"]
    # The catalogue did not grow: the name is still unknown to a permission request.
    asked = bot.one(permission_mail(bot, applications="Patient Records Export"))
    assert (asked["outcome"], asked["reasons"]) == ("rejected", ["permission.unknown"])


def test_a_form_date_that_is_no_day_in_dd_mm_yyyy_is_sent_back_not_guessed(bot: Bot) -> None:
    """SPEC 9: the form asks for dd/mm/yyyy. American order, a day that does not exist, words that are no date,
    a day still to come: each is rejected naming the Date field, and nothing is applied."""
    next_year = f"01/06/{datetime.now(UTC).year + 1}"
    written = ("12/31/2026", "31/02/2026", "next Tuesday", next_year)
    lines = bot.process(*(form_mail(bot, sig_date=value) for value in written))
    for value, line in zip(written, lines, strict=True):
        assert (line["outcome"], line["reasons"]) == ("rejected", ["form.incomplete"]), value
        reply = next(r for r in bot.outbox(line["reference"]) if r.recipient == "alan.hughes@nhs.net")
        assert "Date: " in reply.body, value
        assert "(dd/mm/yyyy)" in reply.body or "still to come" in reply.body, value
    assert "sam.new@nhs.net" not in [u["email"] for u in bot.org("A81001")["users"]]


def test_a_form_date_written_another_way_that_names_one_day_is_read(bot: Bot) -> None:
    """Day/month in the form's order with a short year, an ISO date, a month in words: one day each, so read."""
    line = bot.one(form_mail(bot, sig_date="1/12/26"))
    assert (line["outcome"], line["reasons"]) == ("approved", [])
    for written in ("2026-12-01", "1st December 2026", "Dec 1, 2026", "01.12.2026"):
        assert normalise_value("sig_date", written) == "01/12/2026", written
    for written in ("12/31/2026", "31/02/2026", "Decembr 1 2026", "1 Smarch 2026"):
        assert not real_date(normalise_value("sig_date", written)), written


def test_a_job_title_in_the_signature_block_is_no_claim_against_the_register(bot: Bot) -> None:
    """Lead GPs are often partners too: "GP Partner" under Dr Hughes' name is a title in passing, not the template's
    role line, and the register (Lead GP) decides."""
    body = ("Organisation code: A81001\nUser: paul.brown2@nhs.net\nApplications: Sender Reports\n\n"
            "Kind regards\n--\nDr Alan Hughes\nGP Partner\nThe Oakwood Surgery")
    line = bot.one(bot.mail("alan.hughes@nhs.net", "Open Exeter permission request", body))
    assert (line["outcome"], line["reasons"]) == ("approved", [])
