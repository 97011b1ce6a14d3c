"""How a form is read (limits and thresholds), as plain data the daemon can hold and send to the reading child
without importing the PDF libraries: those load only in the child (mailbot.processing.sandbox), which keeps the
daemon small."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from parsers.forms.labelled_words import DEFAULT_MIN_CONFIDENCE

MB = 1_000_000
MEMORY_PROBLEM = "the PDF needs more memory to read than a form should"


@dataclass(frozen=True)
class PdfLimits:
    """pypdf's Configuration limits, tightened for a two-page form (the defaults allow 75 MB a stream)."""

    stream_bytes: int = 8 * MB
    decoding_work_bytes: int = 40 * MB
    page_tree_entries: int = 1_000
    form_fields: int = 2_000


# Signed: at least this much ink (square inches) in the box: a signature's strokes are a few inches long and a
# hundredth of an inch wide; a blank box, once its outline, dust and print are taken out, has none.
MIN_INK_SQ_INCH = 0.015
# A photo's page is squared up from edges found in uneven light, and its strokes are blurred: only this much ink is a
# clear signature there.
PHOTO_MIN_INK_SQ_INCH = 0.02
# Between this much ink and a clear signature the box is neither: a ruled line or a shadow left in it, or a signature
# half outside the box found. Not called signed (the dangerous error) nor unsigned: staff look (form.uncertain).
UNSURE_INK_SQ_INCH = 0.004


@dataclass(frozen=True)
class ScanOptions:
    """How scans and photos are read by OCR (parsers.forms.scan_reading)."""

    enabled: bool = True  # `[forms] ocr`: False leaves every scan and photo to staff (form.unreadable), unread
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    min_ink_sq_inch: float = MIN_INK_SQ_INCH
    photo_min_ink_sq_inch: float = PHOTO_MIN_INK_SQ_INCH
    unsure_ink_sq_inch: float = UNSURE_INK_SQ_INCH
    reread: bool = True


@dataclass(frozen=True)
class FormReadOptions:
    ink_threshold: float = 0.01  # share of dark pixels in the signature box that counts as a signature
    render_scale: float = 2.0  # pixels per point when the box is drawn
    max_image_pixels: int = 25_000_000
    limits: PdfLimits = field(default_factory=PdfLimits)
    ocr: ScanOptions = field(default_factory=ScanOptions)
    # The moment a digital signature is validated as at (pyHanko's validation time): the shell hands in the
    # message's `now`. None: as at the signing time the signature claims (parsers.forms.digital_signature).
    validation_time: datetime | None = None
