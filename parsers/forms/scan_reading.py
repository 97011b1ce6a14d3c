"""A scanned or photographed form read by OCR (SPEC 9): the page made ready (scan_image.py), its words read by
Tesseract into the Word objects a PDF's text gives (ocr_words.py), and then the one reader of labels and values
(labelled_words.py) and of the signature box (signature_box.py) that serves printed text too.

OCR slips are made safe, never guessed through: each value is checked by reading it again (scan_values.py).

Signed means ink in the signature box found on the page: dark strokes inside it, without its outline and ruled
lines, without dust, and without printed words, as a share of the box's area."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from parsers.form_template import FIELD_NAMES
from parsers.forms.email_endings import PERSON_OF, person_named
from parsers.forms.label_wordings import is_instruction, letters
from parsers.forms.labelled_words import (
    FoundLabel,
    form_type_in_lines,
    labels_in_lines,
    signature_label_of,
    values_of_labels,
)
from parsers.forms.layout_fit import fit_template
from parsers.forms.normalise import normalise_fields, normalise_value
from parsers.forms.ocr_words import AUTO, ocr_words
from parsers.forms.options import MIN_INK_SQ_INCH as MIN_INK_SQ_INCH  # noqa: PLC0414 - still importable from here
from parsers.forms.options import ScanOptions
from parsers.forms.page_objects import Drawn
from parsers.forms.page_view import Box
from parsers.forms.result import FormReading, unreadable
from parsers.forms.scan_image import PagePicture
from parsers.forms.scan_values import beside_empty_label, checked, valid_or_unsure
from parsers.forms.signature_box import box_from_label, template_box
from parsers.forms.word_lines import Word, lines_of

# A page is the form when its title names it, or this many of our labels are on it.
LABEL_QUORUM = 6
# Pages looked at for the form (a covering letter may come first).
MAX_FORM_PAGES = 3
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
    reads = {name: read if name == "sig_typed" else beside_empty_label(read, page.picture, page.labels)
             for name, read in reads.items()}
    if options.reread:
        # The people's names first: a name read surely may vouch for the ending of that person's address.
        names = {name: checked(name, read, page.picture, options.min_confidence)
                 for name, read in reads.items() if name not in PERSON_OF}
        reads = {name: names[name] if name in names else
                 checked(name, read, page.picture, options.min_confidence, person_named(names, name))
                 for name, read in reads.items()}
    else:
        reads = {name: valid_or_unsure(name, read) for name, read in reads.items()}
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
