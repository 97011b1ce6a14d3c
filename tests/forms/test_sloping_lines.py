"""A photo squared up from a page found a little off leaves its lines a few degrees askew, more at the top than at
the bottom (bench_form_accuracy's photo seed 23: a value at the right of the page a line's height lower than its
label at the left). Lines are found along the slope the page's own words make, so each label keeps its value."""

from __future__ import annotations

from difflib import SequenceMatcher

import cv2
import numpy as np

from parsers.forms.labelled_words import labels_in_lines, values_of_labels
from parsers.forms.ocr_words import AUTO, ocr_words
from parsers.forms.word_lines import Word, lines_of, slopes_of
from tests.support import scanned_forms as sf
from tests.support.foreign_forms import foreign_form


def _falling(page: np.ndarray, top: float, bottom: float) -> np.ndarray:
    """PAGE with its lines falling TOP (dy/dx) at the top, easing to BOTTOM at the foot: a keystone, as a photo
    squared up a little wrong leaves it."""
    h, w = page.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    slope = top + (bottom - top) * ys / h
    return cv2.remap(page, xs, ys - slope * xs, cv2.INTER_LINEAR, borderValue=255)


def test_values_at_the_right_of_a_page_whose_lines_fall_keep_their_labels() -> None:
    form = foreign_form("table", "a4", seed=5)
    page = _falling(sf.rendered(form.pdf, 200), 0.07, 0.04)
    labels = labels_in_lines(lines_of(ocr_words(page, 200, psm=AUTO)))
    # Each label's value words are its value, however well OCR read them through the slanted rules that cross them.
    beside = {label.field: " ".join(w.text for w in label.value_words) for label in labels if label.field}
    like = {name for name, text in beside.items()
            if SequenceMatcher(None, text.lower(), form.values[name].lower()).ratio() >= 0.75}
    assert len(like) >= 9, beside
    reads = {name: read.value for name, read in values_of_labels(labels).items() if read.value}
    assert not {name: value for name, value in reads.items() if value != form.values[name]}, reads


def test_a_straight_pages_lines_are_not_levelled() -> None:
    words = [Word(text, x, 100.0 + (i % 2) * 0.5, x + 30, 110.0 + (i % 2) * 0.5, 95.0)
             for i, (text, x) in enumerate((("a", 50), ("b", 85), ("c", 120), ("d", 155)) * 1)]
    words += [Word(f"w{i}", 50 + 35 * i, 200.0, 80 + 35 * i, 210.0, 95.0) for i in range(10)]
    slope_at = slopes_of(words)
    assert slope_at(100.0) == 0.0 and slope_at(200.0) == 0.0
