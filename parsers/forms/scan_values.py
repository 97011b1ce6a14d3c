"""A value read by OCR, checked before it is kept: OCR slips are made safe, never guessed through. Each value is
read a second time from its own crop, at a larger scale, one line at a time; a value is kept only when both reads
agree, every word is read with confidence and it is a value of its field's kind (value_kinds.py). Otherwise the
field is left empty and marked unsure, for staff to read (the case names it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from parsers.forms.before_at import shown_before_at
from parsers.forms.email_endings import vouched_by_name
from parsers.forms.label_wordings import is_instruction
from parsers.forms.labelled_words import FoundLabel, ReadValue
from parsers.forms.normalise import normalise_value
from parsers.forms.ocr_words import ONE_LINE, ocr_words
from parsers.forms.scan_image import PagePicture, ocr_crop
from parsers.forms.value_kinds import case_slip, valid_for
from parsers.forms.word_lines import Box

# The value's crop read again as one line at this scale (the page is at 300 dpi already: larger makes Tesseract
# less sure, not more), and at the second scale too when the first reading was unsure.
REREAD_SCALE = 1.0
SECOND_SCALE = 1.35
THIRD_SCALE = 2.0
# On a photo, every agreeing reading of a value at least this sure (measured over the bench's 60 photos: no value
# read wrong, against two, for 81.5% read exactly against 85%).
PHOTO_LEAST_CONFIDENCE = 60.0
# A value's words have no ink beside them on their line (in the middle EDGE_ROWS of its height, from CLEAR_OF_VALUE
# to NEAR_VALUE times its height away: a scan's word space measured up to 0.9; a column's gap is over 2.2): at
# least STRIP_INK_PIXELS pixels darker than INK_GREY there are a word (a speck of dust is a few).
EDGE_ROWS = 0.5
CLEAR_OF_VALUE = 0.1
NEAR_VALUE = 1.2
STRIP_INK_PIXELS = 12
INK_GREY = 128
_STRAIGHT_QUOTES = str.maketrans("‘’`´", "''''")


def _unsure(read: ReadValue, confidence: float | None = None) -> ReadValue:
    return replace(read, value="", unsure=True, confidence=read.confidence if confidence is None else confidence)


def valid_or_unsure(name: str, read: ReadValue) -> ReadValue:
    if read.value and (not valid_for(name, normalise_value(name, read.value)) or case_slip(name, read.value)):
        return _unsure(read)
    return read


def checked(name: str, read: ReadValue, picture: PagePicture, min_confidence: float, person: str = "") -> ReadValue:
    """READ kept only when another reading of its own words agrees with it, the value is of its field's kind and no
    reading shows a slip; a value first read unsure is kept when two more readings at different scales agree, with
    confidence. Where the page's reading and the first re-reading differ (a box's edge read as "(" or "i"), a third
    reading at another scale may agree with the page's. Readings that agree, none of them sure, are kept when one more
    (larger, in black and white) agrees and is sure. No ink may be a space beside its words on their line: they are
    part of a value ("s Lead" of "Operations Lead", "tt Gu" of "Caldicott Guardian"), left to staff. PERSON is the
    name read surely for the person whose address NAME is ("" if none): it may vouch for the address's ending."""
    if read.value_box is None or (not read.value and not read.unsure):
        return read
    region = _own_area(read.value_box, read.label_box)
    if _ink_beside(picture, read.value_box, read.label_box):
        return _unsure(read)
    first = _ocr_cleaned(name, read.value) if read.value else None
    readings = [_read_region(picture, region, REREAD_SCALE)]
    if first is None or _ocr_cleaned(name, readings[0][0]) != first:
        readings.append(_read_region(picture, region, SECOND_SCALE))
    raw = [text for text, _ in readings] + ([read.value] if first is not None else [])
    if any(case_slip(name, text) for text in raw):
        return _unsure(read)
    if first is not None:
        agreeing = [confidence for text, confidence in readings if _ocr_cleaned(name, text) == first]
        value = first if agreeing else ""
        agreeing += [read.confidence] if read.confidence is not None else []
    else:
        texts = {_ocr_cleaned(name, text) for text, _ in readings}
        value = next(iter(texts)) if len(texts) == 1 else ""
        agreeing = [confidence for _, confidence in readings]
    # Readings that agree vouch for each other: the surest of them must be sure.
    best = max(agreeing or [confidence for _, confidence in readings])
    # A photo's readings agree on a letter misread ("thiannon" for "rhiannon", read at 0.4 and 77): there, each of
    # them must be fairly sure.
    doubted = picture.photo and min(agreeing or [0.0]) < PHOTO_LEAST_CONFIDENCE
    if value and best < min_confidence and not doubted:
        # Readings that agree, none of them sure: one more, larger and in black and white (Tesseract's own
        # threshold left a scan's grey strokes faint), that agrees and is sure vouches for them.
        text, confidence = _read_region(picture, region, THIRD_SCALE, binarised=True)
        if _ocr_cleaned(name, text) == value and not case_slip(name, text):
            best = max(best, confidence)
    if not value or best < min_confidence or doubted or not _of_its_kind(name, value, picture, region, person):
        return _unsure(read, round(min(best, read.confidence or best), 1))
    return replace(read, value=value, unsure=False, confidence=round(best, 1))


def _of_its_kind(name: str, value: str, picture: PagePicture, region: Box, person: str) -> bool:
    """Whether VALUE, read from REGION, is a value of field NAME's kind: an email address ending in a character the
    language model confuses with a digit only when the PERSON's name vouches for it (email_endings.py) or its glyph
    shows which it is (before_at.py)."""
    if valid_for(name, value):
        return True
    return valid_for(name, value, ending_shown=True) and (
        bool(person) and vouched_by_name(value, person) or shown_before_at(picture, region, value))


def beside_empty_label(read: ReadValue, picture: PagePicture, labels: Sequence[FoundLabel]) -> ReadValue:
    """A label the page's OCR found nothing beside: what is written right of it, up to the next label on its line,
    looked for again (a value in a box set a little lower than its label, or missed in the page's noise). What is
    found there is only a first reading: checked reads it twice more before it is kept."""
    if read.value or read.unsure or read.label_box is None:
        return read
    x0, y0, x1, y1 = read.label_box
    height = y1 - y0
    width = picture.size_points[0]
    ends = [label.box[0] for label in labels
            if label.box[0] > x1 and label.box[1] < y1 + 0.5 * height and label.box[3] > y0 - 0.5 * height]
    region = (x1 + 0.5 * height, y0 - 0.45 * height, min(ends, default=width - 0.3 * 72) - 0.5 * height,
              y1 + 0.7 * height)
    if region[2] - region[0] < 2 * height:
        return read
    text, confidence = _read_region(picture, region, REREAD_SCALE)
    if not text or is_instruction(text):
        return read
    return replace(read, value="", unsure=True, confidence=confidence, value_box=region)


def _ocr_cleaned(name: str, text: str) -> str:
    """TEXT normalised for field NAME, its curly apostrophes straight (O’Brien and O'Brien are one name), without the
    full stop or comma OCR leaves after a value (a speck read as punctuation) nor a bracket or quote mark before or
    after it (the edge of the box it was written in): no value of ours starts or ends with one."""
    text = text.translate(_STRAIGHT_QUOTES)
    return normalise_value(name, text).rstrip(".,;:'\"|)]}").lstrip("'\"|([{").strip()


def _ink_beside(picture: PagePicture, value_box: Box, label_box: Box | None) -> bool:
    """Whether there is ink on the middle of the value's line within NEAR_VALUE of its words' box, left or right
    (not in the label beside it): a word a space from the value that the page's OCR did not read, so what it read is
    part of a longer value ("Practice Manager" of "Deputy Practice Manager"), or runs up to something else."""
    to_pixels = picture.dpi / 72
    h, w = picture.text.shape
    x0, y0, x1, y1 = value_box
    height = y1 - y0
    middle, half = (y0 + y1) / 2 * to_pixels, height * EDGE_ROWS / 2 * to_pixels
    rows = picture.text[max(round(middle - half), 0):min(round(middle + half) + 1, h)]
    left = x0 - NEAR_VALUE * height
    if label_box is not None and label_box[2] <= x0 and label_box[1] < y1 and label_box[3] > y0:
        left = max(left, label_box[2] + 0.1 * height)  # the label beside it on its line is not the value's
    strips = ((left, x0 - CLEAR_OF_VALUE * height), (x1 + CLEAR_OF_VALUE * height, x1 + NEAR_VALUE * height))
    for a, b in strips:
        strip = rows[:, max(round(a * to_pixels), 0):min(round(b * to_pixels), w)]
        if strip.size and int((strip < INK_GREY).sum()) >= STRIP_INK_PIXELS:
            return True
    return False


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


def _value_area(value_box: Box, label_box: Box | None, picture: PagePicture, labels: Sequence[FoundLabel]) -> Box:
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
    nexts = [label.box[0] for label in labels if label.box[0] > max(x0, left) + 1 and label.box[1] < row[1]
             and label.box[3] > row[0]]
    right = min(nexts + [picture.size_points[0] - 0.3 * 72]) - 0.3 * height
    return (left, y0 - 0.35 * height, max(right, x1 + 0.6 * height), y1 + 0.35 * height)


def _read_region(picture: PagePicture, region: Box, scale: float, binarised: bool = False) -> tuple[str, float]:
    """The text in REGION (points) read as one line at SCALE (BINARISED: in black and white), and its lowest word
    confidence."""
    crop = ocr_crop(picture, region, scale, binarised)
    if crop is None:
        return "", 0.0
    try:
        words = ocr_words(crop, picture.dpi, psm=ONE_LINE, scale=scale)
    except RuntimeError:  # Tesseract found nothing it could lay out as a line
        return "", 0.0
    words = [word for word in words if word.text.strip("_.|:;-—–")]
    if not words:
        return "", 0.0
    return " ".join(word.text for word in words), min(word.confidence or 0.0 for word in words)
