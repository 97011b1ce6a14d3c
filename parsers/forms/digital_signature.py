"""Digital signatures (pyHanko): a signature that is intact and covers the whole file signs the form; one whose
file was changed afterwards (an incremental update after signing) is "altered". Who signed is the signatory
register's business, not the certificate's, so the signer's own certificate is trusted for the check and nothing
is fetched (no revocation look-ups: parsers do no I/O).

pyHanko validates as at a moment, by default the clock's; parsers never read the clock, so the moment is handed in
(the message's `now`, through FormReadOptions.validation_time) or, when none is, it is the signing time the
signature itself claims. The verdict here reads only whether the signature matches the file and covers it, which no
moment changes; the moment is fixed so that nothing pyHanko reports depends on when the code happens to run.

pyHanko is imported where a signature is checked, not with this module: it is a third of a form reader's memory and
start-up, and most forms carry no digital signature (parsers/forms/reading.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyhanko.pdf_utils.decode_limits import DecodeLimits

SIGNATURE_FIELD = "sig_signature"
MIB = 1024 * 1024


@cache
def decode_limits() -> DecodeLimits:
    """pyHanko's limits for untrusted input, tightened for a two-page form (its defaults allow 256 MiB a stream)."""
    from pyhanko.pdf_utils.decode_limits import DecodeLimits, DocumentDecodeBudget, StreamDecodeLimits

    return DecodeLimits(per_stream=StreamDecodeLimits(max_output_size=16 * MIB),
                        document_budget=DocumentDecodeBudget(base_allowance=64 * MIB))


# The moment for a signature that claims no signing time when none is handed in: any fixed one will do (above).
UNDATED = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DigitalSignature:
    state: str  # "none" / "intact" / "altered"
    signer: str = ""
    problems: tuple[str, ...] = ()
    validated_at: datetime | None = None  # the moment pyHanko validated the last signature it checked as at


def check_digital_signature(pdf: bytes, field_name: str = SIGNATURE_FIELD, *,
                            at: datetime | None = None) -> DigitalSignature:
    """The state of PDF's digital signatures, validated as at AT (see above): "altered" when any of them no longer
    matches the file or does not cover all of it; "intact" when the one in FIELD_NAME (the box on page 1) covers
    the whole file; else "none" (a signature elsewhere, say in a field a viewer added on page 2, does not sign the
    box)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf), strict=False, decode_limits=decode_limits())
    found = DigitalSignature("none")
    for embedded in reader.embedded_signatures:
        cert = embedded.signer_cert
        moment = _aware(at or embedded.self_reported_timestamp or UNDATED)
        context = ValidationContext(trust_roots=[cert], allow_fetching=False, moment=moment)
        status = validate_pdf_signature(embedded, context, skip_diff=True)
        signer = cert.subject.human_friendly if cert is not None else ""
        when = status.validation_time
        if not status.intact or not status.valid:
            return DigitalSignature("altered", signer, ("the digital signature does not match the file",), when)
        if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            return DigitalSignature("altered", signer, ("the file was changed after it was digitally signed",),
                                    when)
        if embedded.field_name == field_name:
            found = DigitalSignature("intact", signer, validated_at=when)
        else:
            found = DigitalSignature(found.state, found.signer, (
                *found.problems, f"a digital signature in {embedded.field_name!r}, not in the signature box"), when)
    return found


def _aware(moment: datetime) -> datetime:
    """MOMENT with its zone; a naive one (a store that keeps none) is UTC, as every time the mailbot keeps."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
