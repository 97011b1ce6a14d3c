"""The character before an email address's @, where Tesseract's language model takes a digit for a letter (patel1@
read as patell@, kowalski1@ as kowalskii@) and its readings agree: such an address is kept only when the character
is shown to be what was read by something other than the language model. An "i" by its shape (a dot above a short
stroke, two blots no digit has); a "1" when read alone, out of the word that makes the model expect a letter,
surely and at two scales. An "l" never: read alone, a "1" in Courier was read "l" (at 69.5 and 75.9), and an "l"
and a "1" are one stroke alike in many faces. What is not shown so is left to staff."""

from __future__ import annotations

import cv2
import numpy as np

from parsers.forms.ocr_words import ONE_LINE, ocr_words
from parsers.forms.scan_image import PagePicture, ocr_crop
from parsers.forms.word_lines import Box

# The scales the "1" is read alone at, and how sure each reading must be (measured: a "1" read alone 86.7 and 96.7;
# a Courier "1" read alone as "l" 69.5 and 75.9).
ALONE_SCALES = (1.0, 2.0)
ALONE_CONFIDENCE = 85.0
# An @ is at most this much wider than tall (Helvetica's ~1.2, Courier's ~0.8): a wider blot is the @ with the
# character before it run into it, and what seems to be before it is the one before that.
AT_MOST_WIDE = 1.35
SPECK = 6  # blots of fewer pixels are dust


def shown_before_at(picture: PagePicture, region: Box, value: str) -> bool:
    """Whether the character before the @ of VALUE (an email address read from REGION of PICTURE, points) is shown
    to be the one read, by the glyph itself (see the module's comment)."""
    local = value.split("@", 1)[0]
    wanted = local[-1:]
    if wanted not in ("i", "1"):
        return False
    glyph = _glyph_before_at(picture, region, wanted)
    if glyph is None:
        return False
    crop, blots = glyph
    if wanted == "i":
        return _dotted_stroke(blots)
    return len(blots) == 1 and all(_read_alone(crop, picture.dpi, scale) == "1" for scale in ALONE_SCALES)


Blot = tuple[int, int, int, int, int]  # x, y, width, height, pixels (OpenCV's connected component statistics)


def _glyph_before_at(picture: PagePicture, region: Box, wanted: str) -> tuple[np.ndarray, list[Blot]] | None:
    """The blots of the glyph right of which the @ is (its dot too), and the glyph alone on white; None when the
    line's reading does not put WANTED right before one @, or the @ is not where its reading says."""
    crop = ocr_crop(picture, region, 1.0)
    if crop is None:
        return None
    try:
        characters = ocr_words(crop, picture.dpi, psm=ONE_LINE, characters=True)
    except RuntimeError:
        return None
    ats = [i for i, c in enumerate(characters) if c.text == "@"]
    if len(ats) != 1 or ats[0] == 0 or characters[ats[0] - 1].text != wanted:
        return None
    to_pixels = picture.dpi / 72
    sign = characters[ats[0]]
    _, ink = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    blots: dict[int, Blot] = {i: (int(x), int(y), int(w), int(h), int(area))
                              for i, (x, y, w, h, area) in enumerate(stats) if i and area >= SPECK}
    sx0, sx1 = sign.x0 * to_pixels, sign.x1 * to_pixels
    holding = [i for i, b in blots.items() if min(b[0] + b[2], sx1) - max(b[0], sx0) > 0.5 * (sx1 - sx0)]
    if not holding:
        return None
    at = blots[max(holding, key=lambda i: blots[i][4])]
    if at[2] > AT_MOST_WIDE * at[3]:
        return None
    left = {i: b for i, b in blots.items() if b[0] + b[2] <= at[0]}
    if not left:
        return None
    last = max(left.values(), key=lambda b: b[0] + b[2])
    parts = [i for i, b in left.items() if b[0] < last[0] + last[2] and b[0] + b[2] > last[0]]
    x0, x1 = min(blots[i][0] for i in parts), max(blots[i][0] + blots[i][2] for i in parts)
    y0 = min([at[1]] + [blots[i][1] for i in parts])
    y1 = max([at[1] + at[3]] + [blots[i][1] + blots[i][3] for i in parts])
    alone = np.full((y1 - y0, x1 - x0), 255, np.uint8)
    mine = np.isin(labels[y0:y1, x0:x1], parts)
    alone[mine] = crop[y0:y1, x0:x1][mine]
    return alone, [blots[i] for i in parts]


def _dotted_stroke(blots: list[Blot]) -> bool:
    """An "i": a small dot clear above a stroke, over it."""
    if len(blots) != 2:
        return False
    dot, stroke = sorted(blots, key=lambda b: b[1])
    above = dot[1] + dot[3] < stroke[1]
    small = dot[3] <= 0.6 * stroke[3] and dot[2] <= 2 * stroke[2]
    centre = dot[0] + dot[2] / 2
    over = stroke[0] - 1 <= centre <= stroke[0] + stroke[2] + 1
    return above and small and over


def _read_alone(glyph: np.ndarray, dpi: float, scale: float) -> str:
    """GLYPH read on its own, as one line at SCALE, when Tesseract is sure of it ("" when not)."""
    pixels = cv2.resize(glyph, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC) if scale != 1 else glyph
    pixels = cv2.copyMakeBorder(pixels, 20, 20, 30, 30, cv2.BORDER_CONSTANT, value=255)
    try:
        words = ocr_words(np.asarray(pixels), dpi, psm=ONE_LINE, scale=scale)
    except RuntimeError:
        return ""
    if len(words) != 1 or (words[0].confidence or 0.0) < ALONE_CONFIDENCE:
        return ""
    return words[0].text
