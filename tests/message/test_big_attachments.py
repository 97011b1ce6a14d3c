"""Memory bounded by design (issue 19): a big attachment stays a place in the raw message, typed from its first
bytes and sized without decoding; decoded only when asked, and then exactly as the MIME parser would have."""

from __future__ import annotations

import base64
import email
import quopri
import random
import tracemalloc

import pytest

from parsers.message import MessageLimits, parse_message
from parsers.sniff import PDF, ZIP
from tests.support.signed_mail import compose

ZIP_BYTES = b"PK\x03\x04" + random.Random(3).randbytes(3_000_000)
PDF_BYTES = b"%PDF-1.7\n" + random.Random(4).randbytes(1_500_000) + b"\n%%EOF\n"


def big_mail(*attachments: tuple[str, bytes, str]) -> bytes:
    return compose(sender="alan.hughes@nhs.net", to="pcse.openexeter@nhs.net", subject="Forms",
                   body="Our form and the photographs.\n", attachments=attachments)


def test_a_big_attachment_that_is_no_form_is_never_decoded() -> None:
    """On main every attachment was decoded at parse time and held with the message (3 MB here)."""
    raw = big_mail(("photographs.zip", ZIP_BYTES, "application/zip"))
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    parsed = parse_message(raw)
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    (zip_file,) = parsed.attachments
    assert (zip_file.sniffed_type, zip_file.size, zip_file.filename) == (ZIP, len(ZIP_BYTES), "photographs.zip")
    assert after - before < 500_000, f"the parsed message holds {after - before:,} bytes besides the raw message"
    assert zip_file.payload.source is raw  # a place in the message as received, not a copy of it
    assert zip_file.data == ZIP_BYTES  # and decoded right when a person asks for it


@pytest.mark.parametrize("line_end", [b"\r\n", b"\n"])
def test_a_big_form_decodes_to_exactly_what_was_attached(line_end: bytes) -> None:
    raw = big_mail(("form.pdf", PDF_BYTES, "application/pdf"), ("photographs.zip", ZIP_BYTES, "application/zip"))
    raw = raw.replace(b"\r\n", b"\n").replace(b"\n", line_end)
    parsed = parse_message(raw)
    pdf, zip_file = parsed.attachments
    assert (pdf.sniffed_type, pdf.size, zip_file.size) == (PDF, len(PDF_BYTES), len(ZIP_BYTES))
    assert pdf.data == PDF_BYTES and zip_file.data == ZIP_BYTES
    assert pdf.payload.head().startswith(b"%PDF-1.7")


def test_damaged_and_quoted_printable_big_parts_decode_as_the_stdlib_reads_them() -> None:
    data = random.Random(5).randbytes(400_000)
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    damaged = encoded[:1000] + b"!!**\r\n" + encoded[1000:]  # junk a mailer left in: skipped, as before
    qp = quopri.encodestring(bytes(range(256)) * 2000).replace(b"\n", b"\r\n")
    raw = (b"From: a@nhs.net\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
           b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
           b"Content-Disposition: attachment; filename=x.bin\r\n\r\n" + damaged +
           b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: quoted-printable\r\n"
           b"Content-Disposition: attachment; filename=y.bin\r\n\r\n" + qp + b"\r\n--b--\r\n")
    parsed = parse_message(raw)
    first, second = parsed.attachments
    assert first.data == data and first.size == len(data)
    assert any("damaged base64" in d for d in parsed.defects)
    stdlib = email.message_from_bytes(raw).get_payload()[2].get_payload(decode=True)
    assert second.data == stdlib and second.size == len(stdlib) > 500_000


def test_parts_past_the_decoding_cap_are_not_read_and_say_so() -> None:
    raw = big_mail(("notes.txt", b"x" * 150_000, "text/plain"))  # small enough to be decoded at once
    parsed = parse_message(raw, MessageLimits(max_decoded_bytes=100_000))
    assert parsed.attachments == ()
    assert any("max_decoded_bytes" in d for d in parsed.defects), parsed.defects
    assert parsed.body_text.startswith("Our form")  # the text came first, within the cap
