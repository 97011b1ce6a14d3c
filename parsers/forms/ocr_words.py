"""Words on a page picture by OCR (Tesseract, in-process through tesserocr), as the same Word objects a PDF's text
gives (labelled_words.py reads both): text, box in points (origin top-left) and Tesseract's confidence (0-100).

One Tesseract engine per process, made on first use (loading the English model takes a fraction of a second);
tesserocr bundles the engine, Debian's tesseract-ocr-eng brings the model (TESSDATA, or TESSDATA_PREFIX)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from parsers.forms.word_lines import Word

TESSDATA_FOLDERS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                    "/usr/share/tessdata")


class NoOcr(Exception):
    """Tesseract's language data is not installed: scans cannot be read on this machine."""


def tessdata() -> str:
    for folder in (os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_FOLDERS):
        if folder and (Path(folder) / "eng.traineddata").is_file():
            return folder
    raise NoOcr("Tesseract's English model (eng.traineddata) is not installed: run scripts/lib/setup.sh's "
                "ensure_tesseract")


@cache
def _engine(psm: int) -> object:
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one thread a child: the pool runs children side by side
    import tesserocr

    return tesserocr.PyTessBaseAPI(path=tessdata(), lang="eng", psm=psm)


# Page segmentation modes (Tesseract's): a page of scattered text, and one line.
SPARSE = 11
AUTO = 3
ONE_LINE = 7


def ocr_words(pixels: np.ndarray, dpi: float, psm: int = AUTO, origin: tuple[float, float] = (0.0, 0.0),
              scale: float = 1.0, characters: bool = False) -> list[Word]:
    """The words Tesseract reads in PIXELS (greyscale), with boxes in points: PIXELS is SCALE times the page's
    resolution DPI, and its top-left corner sits at ORIGIN (pixels of the page at DPI). With CHARACTERS, each
    character it reads instead, as a Word of one character (its box is the network's estimate, not the glyph's)."""
    import tesserocr

    api = _engine(psm)
    api.SetImage(Image.fromarray(pixels))  # type: ignore[attr-defined]
    api.SetSourceResolution(int(dpi * scale))  # type: ignore[attr-defined]
    try:
        api.Recognize()  # type: ignore[attr-defined]
    except RuntimeError:  # nothing Tesseract could lay out as text (a blank page or crop)
        api.Clear()  # type: ignore[attr-defined]
        return []
    words: list[Word] = []
    iterator = api.GetIterator()  # type: ignore[attr-defined]
    level = tesserocr.RIL.SYMBOL if characters else tesserocr.RIL.WORD
    to_points = 72 / dpi
    for item in tesserocr.iterate_level(iterator, level) if iterator is not None else ():
        try:
            text = item.GetUTF8Text(level)
        except RuntimeError:  # an empty page: tesserocr says so by raising
            break
        box = item.BoundingBox(level)
        if not text or not text.strip() or box is None:
            continue
        x0, y0, x1, y1 = box
        words.append(Word(text.strip(), (origin[0] + x0 / scale) * to_points, (origin[1] + y0 / scale) * to_points,
                          (origin[0] + x1 / scale) * to_points, (origin[1] + y1 / scale) * to_points,
                          round(float(item.Confidence(level)), 1)))
    api.Clear()  # type: ignore[attr-defined]
    return words
