"""The form filled in Word or LibreOffice and sent as a .docx or .odt (SPEC 9 asks for the PDF): the sender is told
exactly what to send, instead of the case going to staff as a message nobody understood."""

from __future__ import annotations

import pytest

from tests.pipeline.conftest import Bot
from tests.support.word_files import FORM_PARAGRAPHS, docx, odt

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize(("name", "data", "declared"), [
    ("Primary User request.docx", docx(FORM_PARAGRAPHS), DOCX_TYPE),
    ("pu-form.odt", odt(FORM_PARAGRAPHS), "application/vnd.oasis.opendocument.text"),
    ("form.pdf", docx(FORM_PARAGRAPHS), "application/pdf"),  # named and declared a PDF: its bytes say Word
])
def test_the_form_as_a_word_file_gets_a_reply_saying_to_send_the_signed_pdf(bot: Bot, name: str, data: bytes,
                                                                            declared: str) -> None:
    raw = bot.mail("alan.hughes@nhs.net", "Open Exeter", "Please see attached.", attachments=((name, data, declared),))
    line = bot.one(raw)
    assert (line["kind"], line["outcome"], line["reasons"]) == ("primary_user_request", "rejected", ["form.missing"])
    [reply] = bot.outbox(line["reference"])
    body = " ".join(reply.body.split())
    assert f"sent as a word-processor file ({name})" in body
    assert "as a PDF, signed by the authorised signatory in the signature box at the bottom of page 1" in body
    assert "send us the signed PDF" in body
    assert "No Primary User request form was attached" not in body  # it was: in the wrong format
    checks = {c["name"]: c for c in bot.case(line["reference"]).checks}
    assert "word-processor file" in checks["form.present"]["explanation"]


def test_a_pdf_form_beside_a_word_copy_is_read_as_the_form(bot: Bot) -> None:
    from tests.pipeline.messages import GOOD_GP_FORM
    from tests.support.forms_fixtures import filled_form

    pdf = filled_form("gp_practice", GOOD_GP_FORM, signature="ink")
    raw = bot.mail("alan.hughes@nhs.net", "Primary User request form", "Our form, and a Word copy.",
                   attachments=(("form.pdf", pdf, "application/pdf"), ("copy.docx", docx(FORM_PARAGRAPHS), DOCX_TYPE)))
    line = bot.one(raw)
    assert line["kind"] == "primary_user_request" and "form.missing" not in line["reasons"]
    assert "form.unreadable" not in line["reasons"]
