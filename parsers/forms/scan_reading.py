"""A scanned or photographed form read by OCR (SPEC 9): the page made ready (scan_image.py), its words read by
Tesseract into the Word objects a PDF's text gives (ocr_words.py), and then the one reader of labels and values
(labelled_words.py) and of the signature box (signature_box.py) that serves printed text too.

OCR slips are made safe, never guessed through: each value is read a second time from its own crop, at a larger
scale, one line at a time; a value is kept only when both reads agree, every word is read with confidence and it is
a value of its field's kind (an ODS code, an email address, a date...). Otherwise the field is left empty and
marked unsure, for staff to read (the case names it).

Signed means ink in the signature box found on the page: dark strokes inside it, without its outline and ruled
lines, without dust, and without printed words, as a share of the box's area."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import cv2
import numpy as np

from parsers.form_template import FIELD_NAMES
from parsers.forms.label_wordings import is_instruction, letters
from parsers.forms.labelled_words import (
    FoundLabel,
    ReadValue,
    Word,
    form_type_in_lines,
    labels_in_lines,
    lines_of,
    signature_label_of,
    values_of_labels,
)
from parsers.forms.layout_fit import fit_template
from parsers.forms.normalise import EMAIL_FIELDS, normalise_fields, normalise_value
from parsers.forms.ocr_words import AUTO, ONE_LINE, ocr_words
from parsers.forms.options import MIN_INK_SQ_INCH as MIN_INK_SQ_INCH  # noqa: PLC0414 - still importable from here
from parsers.forms.options import ScanOptions
from parsers.forms.page_objects import Drawn
from parsers.forms.page_view import Box
from parsers.forms.result import FormReading, unreadable
from parsers.forms.scan_image import PagePicture
from parsers.forms.signature_box import box_from_label, template_box

# A page is the form when its title names it, or this many of our labels are on it.
LABEL_QUORUM = 6
# Pages looked at for the form (a covering letter may come first).
MAX_FORM_PAGES = 3
# The value's crop read again as one line at this scale (the page is at 300 dpi already: larger makes Tesseract
# less sure, not more), and at the second scale too when the first reading was unsure.
REREAD_SCALE = 1.0
SECOND_SCALE = 1.35
# Words printed in the box (help, a typed name) are read with at least this confidence; a scrawl is not.
PRINTED_CONFIDENCE = 75.0
# Words in the box read at least this sure are print, not ink (a scrawl is read as garbage, far less sure).
PRINT_IN_BOX_CONFIDENCE = 50.0
# ...and no taller than this (points): a form's print is 8-20 points; a signature's loops read as "LIS" at 53% were
# half an inch tall, taken out as print, and the signed box called unsigned.
PRINT_MAX_HEIGHT = 24.0
# Ink: a dark blot smaller than this (square inches) is dust; ruled lines are at least this long (inches).
DUST_SQ_INCH = 0.0006
RULE_INCHES = 0.5
# A ruled line left askew by squaring up a photo: within this many degrees of level or upright, this many pixels wide
# at READ_DPI (a printed rule is 1-3 pixels; what the camera's blur adds round it).
RULE_SLANT = 5.0
RULE_WIDTH = 7
RULE_GREY = 200  # a pixel this dark may be part of a rule
RULE_FRINGE = 11  # pixels across a rule taken out with it (its core, the scan's blur each side)

_EMAIL = re.compile(r"^[a-z0-9][a-z0-9._%+'-]*@[a-z0-9-]+(\.[a-z0-9-]+)+$")
_ODS = re.compile(r"^[A-Z0-9]{3,6}$")
_PHONE = re.compile(r"^\+?[\d ()-]{10,20}$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z .'’-]*$")
_TEXT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .,'’&()/-]*$")


@dataclass
class _OcrPage:
    index: int
    picture: PagePicture
    words: list[Word]
    lines: list[list[Word]]
    labels: list[FoundLabel]
    form_type: str | None


def read_scanned_form(page_count: int, page_at: Callable[[int], PagePicture],
                      options: ScanOptions | None = None) -> FormReading:
    """The form on the first of PAGE_COUNT page pictures (PAGE_AT gives each) that holds one."""
    options = options or ScanOptions()
    if not options.enabled:
        return unreadable("the form is a scan or a photo, and reading them is turned off ([forms] ocr = false): a "
                          "person must read it")
    page = None
    for index in range(min(page_count, MAX_FORM_PAGES)):
        candidate = _ocr_page(index, page_at(index))
        if candidate.form_type is not None or sum(label.field is not None for label in candidate.labels) >= \
                LABEL_QUORUM:
            page = candidate
            break
    if page is None:
        return unreadable("no form could be read on the scanned pages (OCR found no form's title or labels): a "
                          "person must read it")
    reads = {name: replace(read, how="ocr")  # an empty value too: it was looked for by OCR
             for name, read in values_of_labels(page.labels, min_confidence=options.min_confidence).items()}
    reads = {name: read if name == "sig_typed" else _beside_empty_label(read, page) for name, read in reads.items()}
    if options.reread:
        reads = {name: _checked(name, read, page, options.min_confidence) for name, read in reads.items()}
    else:
        reads = {name: _valid_or_unsure(name, read) for name, read in reads.items()}
    fields = normalise_fields({name: reads[name].value if name in reads else "" for name in FIELD_NAMES})
    if not any(fields.values()) and not any(read.unsure for read in reads.values()):
        return unreadable("no field values could be read from the scanned form: a person must read it")
    size = page.picture.size_points
    label = signature_label_of(page.labels)
    if label is not None:
        printed = [w for w in page.words  # not a scrawl read as "/|" or "\\"
                   if (w.confidence or 0) >= PRINTED_CONFIDENCE and _printed(w)]
        box, source = box_from_label(label, printed, _ruled_boxes(page.picture), size), "label"
    else:
        box, source = template_box(fit_template(page.labels), size), "template"
    ink = ink_in_box(page.picture, box, page.words, _print_of_labels(page))
    clear = options.photo_min_ink_sq_inch if page.picture.photo else options.min_ink_sq_inch
    signed = ink >= clear
    unsure = not signed and ink >= options.unsure_ink_sq_inch
    box_area = max((box[2] - box[0]) * (box[3] - box[1]) / (72 * 72), 1e-6)
    typed = _typed_in_box(page, box)
    return FormReading(
        status="read", form_type=page.form_type, fields=fields, method="ocr",
        mark_over_box=signed, mark_how="ink" if signed else "", mark_unsure=unsure,
        typed_name=normalise_value("sig_typed", typed), box_ink_ratio=round(ink / box_area, 4), field_reads=reads,
        signature_page=page.index, signature_box=_rounded(box), signature_box_from=source,
        page_size=(round(size[0], 2), round(size[1], 2)))


def _ocr_page(index: int, picture: PagePicture) -> _OcrPage:
    words = ocr_words(picture.text, picture.dpi, psm=AUTO)
    lines = lines_of(words)
    labels = labels_in_lines(lines)
    return _OcrPage(index, picture, words, lines, labels, form_type_in_lines(lines))


def _rounded(box: Box) -> Box:
    return (round(box[0], 2), round(box[1], 2), round(box[2], 2), round(box[3], 2))


# --- values -------------------------------------------------------------------------------------------------------

# Tesseract's language model takes a digit ending a word for a letter (patel1@ read as patell@, jones5@ as
# joness@), and its readings agree: an address ending in such a character is left to staff rather than risk the
# wrong mailbox.
_AMBIGUOUS_BEFORE_AT = "l1i|"


def valid_for(name: str, value: str) -> bool:
    """Whether VALUE (normalised) could be a value of field NAME: what an OCR slip usually is not, and not one
    that OCR is known to confuse with another valid value."""
    if not value:
        return True
    if name in EMAIL_FIELDS:
        local = value.split("@", 1)[0]
        return _EMAIL.match(value) is not None and local[-1:] not in _AMBIGUOUS_BEFORE_AT
    if name == "org_code":
        return _ODS.match(value) is not None
    if name == "sig_date":
        return _real_date(value)
    if name == "pu_phone":
        return _PHONE.match(value) is not None and sum(c.isdigit() for c in value) >= 10
    if name == "pu_request":
        return value in ("new", "additional", "replacement")
    if name in ("pu_full_name", "sig_full_name"):
        return _NAME.match(value) is not None
    return _TEXT.match(value) is not None


def _real_date(value: str) -> bool:
    match = re.match(r"^(\d{2})/(\d{2})/(\d{4})$", value)
    if match is None:
        return False
    try:
        date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return False
    return True


def _unsure(read: ReadValue, confidence: float | None = None) -> ReadValue:
    return replace(read, value="", unsure=True, confidence=read.confidence if confidence is None else confidence)


def _valid_or_unsure(name: str, read: ReadValue) -> ReadValue:
    if read.value and not valid_for(name, normalise_value(name, read.value)):
        return _unsure(read)
    return read


def _checked(name: str, read: ReadValue, page: _OcrPage, min_confidence: float) -> ReadValue:
    """READ kept only when a second reading agrees and the value is of its field's kind; a value first read unsure
    is kept when two more readings at different scales agree, with confidence. The second reading is of the whole
    space the value may fill (from its label to the next label or the page's margin), so a value the page's OCR
    read only part of ("s Lead" of "Operations Lead") disagrees with it."""
    if read.value_box is None or (not read.value and not read.unsure):
        return read
    first = _ocr_cleaned(name, read.value) if read.value else None
    scales = (REREAD_SCALE,) if first is not None else (REREAD_SCALE, SECOND_SCALE)
    region = _own_area(read.value_box, read.label_box)
    readings = [_read_region(page.picture, region, scale) for scale in scales]
    texts = {_ocr_cleaned(name, text) for text, _ in readings}
    # Readings that agree vouch for each other: the surest of them must be sure.
    best = max([c for _, c in readings] + ([read.confidence] if read.confidence is not None and first else []))
    if first is not None:
        texts.add(first)
    value = next(iter(texts)) if len(texts) == 1 else ""
    if not value or best < min_confidence or not valid_for(name, value):
        return _unsure(read, round(min(best, read.confidence or best), 1))
    return replace(read, value=value, unsure=False, confidence=round(best, 1))


def _beside_empty_label(read: ReadValue, page: _OcrPage) -> ReadValue:
    """A label the page's OCR found nothing beside: what is written right of it, up to the next label on its line,
    looked for again (a value in a box set a little lower than its label, or missed in the page's noise). What is
    found there is only a first reading: _checked reads it twice more before it is kept."""
    if read.value or read.unsure or read.label_box is None:
        return read
    x0, y0, x1, y1 = read.label_box
    height = y1 - y0
    width = page.picture.size_points[0]
    ends = [label.box[0] for label in page.labels
            if label.box[0] > x1 and label.box[1] < y1 + 0.5 * height and label.box[3] > y0 - 0.5 * height]
    region = (x1 + 0.5 * height, y0 - 0.45 * height, min(ends, default=width - 0.3 * 72) - 0.5 * height,
              y1 + 0.7 * height)
    if region[2] - region[0] < 2 * height:
        return read
    text, confidence = _read_region(page.picture, region, REREAD_SCALE)
    if not text or is_instruction(text):
        return read
    return replace(read, value="", unsure=True, confidence=confidence, value_box=region)


def _ocr_cleaned(name: str, text: str) -> str:
    """TEXT normalised for field NAME, without the full stop or comma OCR leaves after a value (a speck read as
    punctuation): no value of ours ends in one."""
    return normalise_value(name, text).rstrip(".,;:'`‘’").strip()


def _own_area(value_box: Box, label_box: Box | None) -> Box:
    """The value's own words' box with a margin (not into the label beside it). Reading the whole space a value may
    fill (_value_area) catches values read in part, but left our own form's dates and addresses unsure: measured,
    not yet used."""
    x0, y0, x1, y1 = value_box
    height = y1 - y0
    left = x0 - 0.6 * height
    if label_box is not None and label_box[2] <= x0 and label_box[1] < y1 and label_box[3] > y0:
        left = max(left, label_box[2] + 1)
    return (left, y0 - 0.35 * height, x1 + 0.6 * height, y1 + 0.35 * height)


def _value_area(value_box: Box, label_box: Box | None, page: _OcrPage) -> Box:
    """Where the value whose words are at VALUE_BOX may be written: from its label (beside it) or the label's
    left (under it) to the next label on its line or the page's right margin, one line high."""
    x0, y0, x1, y1 = value_box
    height = y1 - y0
    beside = label_box is not None and label_box[2] <= x0 + 1 and label_box[1] < y1 and label_box[3] > y0
    if beside and label_box is not None:
        left = label_box[2] + 0.3 * height
    elif label_box is not None:
        left = min(x0, label_box[0]) - 0.6 * height
    else:
        left = x0 - 0.6 * height
    row = (y0, y1) if beside or label_box is None else (label_box[1], label_box[3])  # under: its label's columns
    nexts = [label.box[0] for label in page.labels if label.box[0] > max(x0, left) + 1 and label.box[1] < row[1]
             and label.box[3] > row[0]]
    right = min(nexts + [page.picture.size_points[0] - 0.3 * 72]) - 0.3 * height
    return (left, y0 - 0.35 * height, max(right, x1 + 0.6 * height), y1 + 0.35 * height)


def _read_region(picture: PagePicture, region: Box, scale: float) -> tuple[str, float]:
    """The text in REGION (points) read as one line at SCALE, and its lowest word confidence."""
    to_pixels = picture.dpi / 72
    h, w = picture.pixels.shape
    px0, px1 = max(int(region[0] * to_pixels), 0), min(int(region[2] * to_pixels), w)
    py0, py1 = max(int(region[1] * to_pixels), 0), min(int(region[3] * to_pixels), h)
    if px1 - px0 < 4 or py1 - py0 < 4:
        return "", 0.0
    crop = picture.text[py0:py1, px0:px1]
    crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    crop = cv2.copyMakeBorder(crop, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=255)
    try:
        words = ocr_words(np.asarray(crop), picture.dpi, psm=ONE_LINE, scale=scale)
    except RuntimeError:  # Tesseract found nothing it could lay out as a line
        return "", 0.0
    words = [word for word in words if word.text.strip("_.|:;-—–")]
    if not words:
        return "", 0.0
    return " ".join(word.text for word in words), min(word.confidence or 0.0 for word in words)


# --- the signature box ------------------------------------------------------------------------------------------

def _ruled_boxes(picture: PagePicture) -> list[Drawn]:
    """Rectangles ruled on the page (a signature box's outline, table cells), as drawn paths in points."""
    ink = (picture.pixels < 128).astype(np.uint8) * 255
    length = max(int(picture.dpi * RULE_INCHES), 10)
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length // 2)))
    rules = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(rules, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    to_points = 72 / picture.dpi
    boxes = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if w > 4 * length // 5 and h > length // 3:
            boxes.append(Drawn("path", (x * to_points, y * to_points, (x + w) * to_points, (y + h) * to_points),
                               None))
    return boxes


def ink_in_box(picture: PagePicture, box: Box, words: list[Word], print_boxes: Sequence[Box] = ()) -> float:
    """How much of BOX (points) is covered by ink strokes, in square inches: dark pixels inside it, less ruled
    lines (its outline, a line to sign on), dust, words printed there (read by OCR with confidence), and
    PRINT_BOXES (labels and their values found on the page, however surely OCR read them)."""
    to_pixels = picture.dpi / 72
    h, w = picture.pixels.shape
    x0, y0 = max(int(box[0] * to_pixels), 0), max(int(box[1] * to_pixels), 0)
    x1, y1 = min(int(box[2] * to_pixels), w), min(int(box[3] * to_pixels), h)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return 0.0
    region = picture.pixels[y0:y1, x0:x1]
    ink = (region < 140).astype(np.uint8) * 255
    length = max(int(picture.dpi * RULE_INCHES), 10)
    # A rule's whole thickness is taken out: the level test finds its core, and a scan at 150 dpi scaled up, or
    # a rule a tenth of a degree off level, leaves a fringe of slivers along it that was measured as ink (a blank
    # box called signed). Widened across the rule, not along it, so a stroke crossing it loses little.
    # Rules are found in what is at all dark: a thin rule scanned at 150 dpi is grey, and only its darker dashes
    # are ink (no run long enough to be a rule, each long enough not to be dust).
    faint = (region < RULE_GREY).astype(np.uint8) * 255
    across = cv2.morphologyEx(faint, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    down = cv2.morphologyEx(faint, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length // 2)))
    rules = cv2.bitwise_or(cv2.dilate(across, np.ones((RULE_FRINGE, 5), np.uint8)),
                           cv2.dilate(down, np.ones((5, RULE_FRINGE), np.uint8)))
    rules = cv2.bitwise_or(rules, cv2.dilate(_slanted_rules(faint, length), np.ones((5, 5), np.uint8)))
    ink[rules > 0] = 0
    border = max(int(picture.dpi * 0.03), 2)  # the outline's own edge, whatever its thickness
    ink[:border, :] = 0
    ink[-border:, :] = 0
    ink[:, :border] = 0
    ink[:, -border:] = 0
    for word in words:
        if _printed(word):
            wx0, wy0 = int(word.x0 * to_pixels) - x0 - 2, int(word.y0 * to_pixels) - y0 - 2
            wx1, wy1 = int(word.x1 * to_pixels) - x0 + 2, int(word.y1 * to_pixels) - y0 + 2
            ink[max(wy0, 0):max(wy1, 0), max(wx0, 0):max(wx1, 0)] = 0
    for bx0, by0, bx1, by1 in print_boxes:
        px0, py0 = int(bx0 * to_pixels) - x0 - 2, int(by0 * to_pixels) - y0 - 2
        px1, py1 = int(bx1 * to_pixels) - x0 + 2, int(by1 * to_pixels) - y0 + 2
        ink[max(py0, 0):max(py1, 0), max(px0, 0):max(px1, 0)] = 0
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    dust = DUST_SQ_INCH * picture.dpi * picture.dpi
    inked = sum(int(stats[i, cv2.CC_STAT_AREA]) for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= dust)
    return inked / (picture.dpi * picture.dpi)


def _print_of_labels(page: _OcrPage) -> list[Box]:
    """Where the page's labels and their values are printed: a box found from its label may take in the label
    itself or the line above (a date), which a 150 dpi scan's OCR reads less surely than PRINT_IN_BOX_CONFIDENCE, and
    their print was measured as ink (a blank box called signed). Not what was read as the signature label's value:
    that may be the signature."""
    return [label.box for label in page.labels] + [
        word.box for label in page.labels if not label.signature and label.field is not None
        for word in label.value_words]


def _slanted_rules(ink: np.ndarray, length: int) -> np.ndarray:
    """Ruled lines in INK (a box's outline, a line to sign on) that are not quite level or upright: a photo squared
    up from a page found a little off leaves them a degree or three askew, and no level kernel fits them; their
    pixels are ink to a level test, and a blank box was called signed. Straight runs at least LENGTH pixels long
    within RULE_SLANT degrees of level or upright, drawn as thick as the ink along them."""
    found = np.zeros_like(ink)
    segments = cv2.HoughLinesP(ink, 1, np.pi / 720, threshold=max(length // 2, 10), minLineLength=length,
                               maxLineGap=3)
    for x0, y0, x1, y1 in ([] if segments is None else segments.reshape(-1, 4)):
        angle = abs(np.degrees(np.arctan2(y1 - y0, x1 - x0))) % 180
        if min(angle, 180 - angle, abs(90 - angle)) <= RULE_SLANT:
            cv2.line(found, (int(x0), int(y0)), (int(x1), int(y1)), 255, RULE_WIDTH)
    return cv2.bitwise_and(found, ink)


def _printed(word: Word) -> bool:
    """Whether WORD is print (help text, a value) rather than a scrawl OCR made letters of: read with some
    confidence, and mostly letters and digits. A photo's print is read less surely than a scan's."""
    text = word.text
    wordlike = sum(c.isalnum() for c in text) >= max(2, 0.7 * len(text))
    return wordlike and (word.confidence or 0) >= PRINT_IN_BOX_CONFIDENCE and word.y1 - word.y0 <= PRINT_MAX_HEIGHT


def _typed_in_box(page: _OcrPage, box: Box) -> str:
    """A name printed in the box and read with confidence, unless it is printed help."""
    claimed = [label.box for label in page.labels] + [w.box for label in page.labels for w in label.value_words]
    inside = [w for w in page.words
              if box[0] <= (w.x0 + w.x1) / 2 <= box[2] and box[1] <= w.cy <= box[3]
              and (w.confidence or 0) >= PRINTED_CONFIDENCE and letters(w.text)
              and not any(_overlaps(w.box, b) for b in claimed)]
    text = " ".join(w.text for w in sorted(inside, key=lambda w: (round(w.cy), w.x0)))
    return "" if is_instruction(text) else text


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
