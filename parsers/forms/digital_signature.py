"""Digital signatures (pyHanko): a signature that is intact and covers the whole file signs the form; one whose
file was changed afterwards (an incremental update after signing) is "altered". Who signed is the signatory
register's business, not the certificate's, so the signer's own certificate is trusted for the check and nothing
is fetched (no revocation look-ups: parsers do no I/O)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


@dataclass(frozen=True)
class DigitalSignature:
    state: str  # "none" / "intact" / "altered"
    signer: str = ""
    problems: tuple[str, ...] = ()


def check_digital_signature(pdf: bytes) -> DigitalSignature:
    """The state of the last digital signature in PDF; only call it when a /Sig field has a value."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    signatures = reader.embedded_signatures
    if not signatures:
        return DigitalSignature("none")
    last = signatures[-1]
    cert = last.signer_cert
    context = ValidationContext(trust_roots=[cert], allow_fetching=False)
    status = validate_pdf_signature(last, context, skip_diff=True)
    signer = cert.subject.human_friendly if cert is not None else ""
    if not status.intact or not status.valid:
        return DigitalSignature("altered", signer, ("the digital signature does not match the file",))
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return DigitalSignature("altered", signer, ("the file was changed after it was digitally signed",))
    return DigitalSignature("intact", signer)
