"""The words of a PDF page's text (PDFium), in reading coordinates: what labelled_words.py reads fields from.

PDFium's text page holds the text drawn anywhere on the page, inside Form XObjects too (a flattened form's values
are drawn there), at page positions; invisible text (a scanner's OCR layer) included. Each character's "loose"
box (the font's full height, not the glyph's ink) keeps words of one line at one height."""

from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.forms.labelled_words import Word
from parsers.forms.page_view import PageView

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
    count = max(min(pdfium_c.FPDFText_CountChars(textpage), MAX_CHARS), 0)
    characters = _characters(textpage, count) if count else ""
    a, b, c, d, e, f = view.coefficients()
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    words: list[Word] = []
    text: list[str] = []
    x0 = y0 = x1 = y1 = 0.0
    for index, char in enumerate(characters):
        if char.isspace() or not char.isprintable() or char in "\ufffe\uffff":
            if text:
                words.append(Word("".join(text), x0, y0, x1, y1))
                text = []
            continue
        if not loose_box(textpage, index, rect_ref):
            continue
        left, bottom, right, top = rect.left, rect.bottom, rect.right, rect.top
        ax, bx = a * left + b * bottom + c, a * right + b * top + c
        ay, by = d * left + e * bottom + f, d * right + e * top + f
        cx0, cx1 = (ax, bx) if ax <= bx else (bx, ax)
        cy0, cy1 = (ay, by) if ay <= by else (by, ay)
        height = cy1 - cy0
        if height <= 0:
            continue
        if text:
            scale = max(height, y1 - y0)
            if (abs(cy0 + cy1 - y0 - y1) >= scale or cx0 - x1 > WORD_GAP * scale or cx1 < x0):
                words.append(Word("".join(text), x0, y0, x1, y1))
                text = []
        if text:
            x0, y0, x1, y1 = min(x0, cx0), min(y0, cy0), max(x1, cx1), max(y1, cy1)
        else:
            x0, y0, x1, y1 = cx0, cy0, cx1, cy1
        text.append(char)
    if text:
        words.append(Word("".join(text), x0, y0, x1, y1))
    return words
