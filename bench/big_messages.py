"""Big messages as people send them: a signed Primary User form made big by what scanners and PDF editors put in
(here an embedded file), and another big attachment that is not a form (a zip of photographs, say), DKIM-signed by
a registered signatory, or not signed at all. Shared by bench/bench_big_messages.py and the tests."""

from __future__ import annotations

import io
import random

from tests.support.real_mail import MAILBOX
from tests.support.signed_mail import SigningKey, compose

MB = 1024 * 1024


def padded_pdf(pdf: bytes, size: int) -> bytes:
    """PDF (a form) grown to about SIZE bytes by an embedded file of random bytes: still the same form."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    missing = max(0, size - len(pdf))
    if missing:
        writer.add_attachment("scan-notes.bin", random.Random(size).randbytes(missing))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def big_form_message(total: int, *, form_pdf: bytes, key: SigningKey | None,
                     sender: str = "alan.hughes@nhs.net") -> bytes:
    """A message of about TOTAL bytes: the form padded to ~37% of it and a zip of ~33%, the rest base64's cost.
    Signed by KEY for nhs.net, or unsigned when KEY is None."""
    pdf_size = max(len(form_pdf), int(total * 0.37))
    other_size = max(1000, int(total * 0.33))
    pdf = padded_pdf(form_pdf, pdf_size)
    other = b"PK\x03\x04" + random.Random(total).randbytes(other_size - 4)
    raw = compose(sender=sender, to=MAILBOX, subject="Primary User request form",
                  body="Please find our signed form attached, and the photographs of the practice.\n\nThanks",
                  attachments=(("primary-user-request.pdf", pdf, "application/pdf"),
                               ("photographs.zip", other, "application/zip")))
    return key.sign(raw, "nhs.net") if key is not None else raw
