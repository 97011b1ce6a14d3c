"""The words of a PDF page's text (PDFium), in reading coordinates: what labelled_words.py reads fields from.

PDFium's text page holds the text drawn anywhere on the page, inside Form XObjects too (a flattened form's values
are drawn there), at page positions; invisible text (a scanner's OCR layer) included. Each character's "loose"
box (the font's full height, not the glyph's ink) keeps words of one line at one height."""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.forms.page_view import PageView
from parsers.forms.word_lines import Word

# A one-page form has a few thousand characters; past this the page is not one (and reading it costs time).
MAX_CHARS = 30_000
# Characters further apart than this share of their height are separate words even without a space.
WORD_GAP = 0.3


def _characters(textpage: pdfium.PdfTextPage, count: int) -> str:
    """The page's characters, one per character index (PDFium counts a character outside the BMP once, UTF-16
    twice: then each is asked for on its own)."""
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium_c.FPDFText_GetText(textpage, 0, count, buffer)
    text = bytes(buffer)[:max(written - 1, 0) * 2].decode("utf-16-le", errors="replace")
    if len(text) == count:
        return text
    codes = (pdfium_c.FPDFText_GetUnicode(textpage, i) for i in range(count))
    return "".join(chr(c) if c < 0xD800 or 0xDFFF < c < 0x110000 else "\ufffd" for c in codes)


def page_words(textpage: pdfium.PdfTextPage, view: PageView) -> list[Word]:
    """The page's words: runs of characters between spaces and line breaks (PDFium puts those in where the text
    has gaps), each boxed from its first and last characters' boxes."""
    count = max(min(pdfium_c.FPDFText_CountChars(textpage), MAX_CHARS), 0)
    # PDFium marks a hyphen that ends a line (\x02, given out as \ufffe): a hyphen all the same ("Asante-" wrapped
    # before "Boateng").
    characters = _without_letter_spacing_breaks(textpage, _characters(textpage, count).translate(_LINE_END_HYPHEN)) \
        if count else ""
    a, b, c, d, e, f = view.coefficients()
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    loose_box = pdfium_c.FPDFText_GetLooseCharBox

    def box(index: int) -> tuple[float, float, float, float] | None:
        if not loose_box(textpage, index, rect_ref):
            return None
        left, bottom, right, top = rect.left, rect.bottom, rect.right, rect.top
        ax, bx = a * left + b * bottom + c, a * right + b * top + c
        ay, by = d * left + e * bottom + f, d * right + e * top + f
        return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))

    words: list[Word] = []
    for match in _TOKEN.finditer(characters):
        first = box(match.start())
        last = first if match.end() - match.start() == 1 else box(match.end() - 1)
        if first is None or last is None:
            continue
        x0, y0, x1, y1 = min(first[0], last[0]), min(first[1], last[1]), max(first[2], last[2]), max(first[3],
                                                                                                     last[3])
        if y1 - y0 <= 0 or x1 <= x0:
            continue
        char_height = max(first[3] - first[1], last[3] - last[1])
        if abs(first[1] + first[3] - last[1] - last[3]) > char_height:  # the run wraps onto another line: split
            words.extend(_split_run(match.group(), match.start(), box))
            continue
        words.append(Word(match.group().replace(JOINED, ""), x0, y0, x1, y1))
    return _touching_joined(words)


# Pieces of one word touch: the next starts within this share of the height of where the last ends.
TOUCHING = 0.03


def _touching_joined(words: list[Word]) -> list[Word]:
    """Pieces of one word that PDFium gave apart, touching end to start on one line, joined again: a page turned by
    /Rotate made PDFium take a word's first letter ("O" of "Organisation", Chromium's) out of its run."""
    ordered = sorted(words, key=lambda w: (round(w.cy), w.x0))
    joined: list[Word] = []
    for word in ordered:
        last = joined[-1] if joined else None
        if last is not None and abs(word.y0 - last.y0) <= TOUCHING * word.height and \
                abs(word.y1 - last.y1) <= TOUCHING * word.height and abs(word.x0 - last.x1) <= TOUCHING * word.height:
            joined[-1] = Word(last.text + word.text, last.x0, min(last.y0, word.y0), word.x1, max(last.y1, word.y1))
        else:
            joined.append(word)
    return joined


_LINE_END_HYPHEN = str.maketrans({"\x02": "-", "\ufffe": "-"})
_TOKEN = re.compile(r"[^\s\x00-\x1f\ufffe\uffff]+")
# A space PDFium made up is a word break only when its gap is wider than the letters' own spacing by this share of
# their height (a word space is about a quarter of it).
MADE_UP_SPACE_MARGIN = 0.12
# How many characters each side tell a line's letter spacing.
SPACING_SAMPLE = 4
JOINED = "\u200b"  # a made-up space taken back out: a zero-width space, inside a token, dropped from its word


def _without_letter_spacing_breaks(textpage: pdfium.PdfTextPage, characters: str) -> str:
    """CHARACTERS with the spaces PDFium made up inside letter-spaced words taken out again. PDFium puts a space
    where the gap between two characters looks wide for their font; in text set with wide character spacing
    (LibreOffice's, a justified line's) it did so inside words ("Valle y", "Comm uni ty"). A made-up space is kept
    only where its gap is wider than the gaps between the letters around it."""
    spaces = [i for i, char in enumerate(characters) if char == " " and 0 < i < len(characters) - 1
              and pdfium_c.FPDFText_IsGenerated(textpage, i) == 1]
    if not spaces:
        return characters
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    # Each space looks at up to eight letters around it, and neighbouring spaces at the same ones: asked once each.
    boxes: dict[int, tuple[float, float, float, float] | None] = {}

    def loose(index: int) -> tuple[float, float, float, float] | None:
        if index not in boxes:
            boxes[index] = (rect.left, rect.bottom, rect.right, rect.top) \
                if pdfium_c.FPDFText_GetLooseCharBox(textpage, index, rect_ref) else None
        return boxes[index]

    joined = list(characters)
    for i in spaces:
        before, after = loose(i - 1), loose(i + 1)
        if before is None or after is None or characters[i - 1].isspace() or characters[i + 1].isspace():
            continue
        height = max(before[3] - before[1], after[3] - after[1])
        if abs((before[1] + before[3]) - (after[1] + after[3])) > height * 0.5 or after[0] < before[2] - height:
            continue  # another line
        spacing = _letter_spacing(characters, loose, i, height)
        if spacing is not None and after[0] - before[2] <= spacing + MADE_UP_SPACE_MARGIN * height:
            joined[i] = JOINED
    return "".join(joined)


def _letter_spacing(characters: str, loose: Callable[[int], tuple[float, float, float, float] | None], space: int,
                    height: float) -> float | None:
    """The median gap between neighbouring letters of one word around SPACE (None when too few to tell): the
    spacing the text is set with."""
    gaps = []
    for start, step in ((space - 1, -1), (space + 1, 1)):
        index, taken = start, 0
        while taken < SPACING_SAMPLE and 0 <= index + step < len(characters):
            a, b = sorted((index, index + step))
            if characters[a].isspace() or characters[b].isspace() or characters[a] == JOINED:
                break
            left, right = loose(a), loose(b)
            if left is None or right is None or abs((left[1] + left[3]) - (right[1] + right[3])) > height * 0.5:
                break
            gaps.append(right[0] - left[2])
            index += step
            taken += 1
    if len(gaps) < 2:
        return None
    gaps.sort()
    return gaps[len(gaps) // 2]


def _split_run(text: str, start: int, box: Callable[[int], tuple[float, float, float, float] | None]) -> list[Word]:
    """A run of characters with no space between them that PDFium did not break: boxed character by character,
    cut where the next character is not beside the last."""
    words: list[Word] = []
    current = ""
    x0 = y0 = x1 = y1 = 0.0
    for offset, char in enumerate(text):
        found = box(start + offset)
        if found is None:
            continue
        if current:
            scale = max(found[3] - found[1], y1 - y0)
            if abs(found[1] + found[3] - y0 - y1) >= scale or found[0] - x1 > WORD_GAP * scale or found[2] < x0:
                words.append(Word(current, x0, y0, x1, y1))
                current = ""
        if current:
            x0, y0, x1, y1 = min(x0, found[0]), min(y0, found[1]), max(x1, found[2]), max(y1, found[3])
        else:
            x0, y0, x1, y1 = found
        current += char
    if current:
        words.append(Word(current, x0, y0, x1, y1))
    return [Word(w.text.replace(JOINED, ""), w.x0, w.y0, w.x1, w.y1) for w in words if w.text.replace(JOINED, "")]
