"""Scanned forms through the whole mailbot (`mailbot process`, the forms sandbox, the checks): read by OCR and
decided like any other form (SPEC 9). On main before OCR, every one of these was `form.unreadable`."""

from __future__ import annotations

from pathlib import Path

from tests.pipeline.conftest import Bot, make_bot
from tests.pipeline.messages import GOOD_GP_FORM, form_mail
from tests.support import scanned_forms as sf
from tests.support.signed_mail import SigningKey


def _mail(bot: Bot, name: str, data: bytes, mime: str) -> bytes:
    return bot.mail("alan.hughes@nhs.net", "Primary User request form", "Our signed form, scanned.\n\nThanks",
                    attachments=((name, data, mime),))


def test_a_scanned_hand_signed_form_is_read_by_ocr_and_approved(bot: Bot) -> None:
    line = bot.one(_mail(bot, "scan.pdf", sf.scanned_form("gp_practice", GOOD_GP_FORM, dpi=300), "application/pdf"))
    assert (line["outcome"], line["reasons"]) == ("approved", []), line
    request = bot.case(line["reference"]).fields["request"]
    assert (request["org_code"], request["pu_email"], request["signature_how"]) == ("A81001", "sam.new@nhs.net",
                                                                                   "ink signature")
    how = request["how_read"]
    assert {f["how"] for f in how["fields"].values()} == {"ocr"}
    assert how["signature_box"]["from"] == "label"
    shown = bot.cli("review", "show", line["reference"]).out
    assert "How the form was read" in shown and "ODS code: OCR, confidence " in shown
    assert "signature box: page 1, found from the printed label" in shown


def test_a_form_sent_as_a_png_picture_is_read_and_an_unsigned_one_rejected(bot: Bot) -> None:
    pdf = sf.scanned_form("gp_practice", GOOD_GP_FORM, dpi=300, signed=False)
    page = sf.rendered(pdf, 300)
    line = bot.one(_mail(bot, "form.png", sf.as_picture(page, "PNG", dpi=300), "image/png"))
    assert (line["outcome"], line["reasons"]) == ("rejected", ["form.unsigned"]), line


def test_with_ocr_off_a_scan_is_flagged_unreadable_for_staff_and_a_fillable_form_is_still_read(
        tmp_path: Path, signing_key: SigningKey) -> None:
    """SPEC 15: `[forms] ocr = false` flags scans and photos for staff (`form.unreadable`, SPEC 3's "image-only")
    rather than reading them; a form with fields or a text layer needs no OCR and is decided as usual."""
    bot = make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key, "[forms]\nocr = false\n")
    scan = sf.scanned_form("gp_practice", GOOD_GP_FORM, dpi=300)
    line = bot.one(_mail(bot, "scan.pdf", scan, "application/pdf"))
    assert (line["outcome"], line["reasons"], line["changes"]) == ("flagged", ["form.unreadable"], []), line
    assert "ocr = false" in bot.cli("review", "show", line["reference"]).out
    page = sf.as_picture(sf.rendered(scan, 300), "PNG", dpi=300)
    line = bot.one(_mail(bot, "form.png", page, "image/png"))
    assert (line["outcome"], line["reasons"]) == ("flagged", ["form.unreadable"]), line
    assert bot.one(form_mail(bot))["outcome"] == "approved"
