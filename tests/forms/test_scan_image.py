"""Making a scanned or photographed page ready to read (parsers/forms/scan_image.py), on pictures whose every
detail is known: where a photographed page's corners land once squared up, what is painted out before OCR."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from parsers.forms.scan_image import prepared, without_rules
from tests.support import scanned_forms as sf

A4_AT_200 = (2339, 1654)  # pixels high, wide
MARKS = ((150, 150), (1504, 150), (1504, 2189), (150, 2189))  # x, y of a dot near each corner, at 200 dpi


@pytest.mark.parametrize("seed", [32, 40, 47])
def test_a_real_looking_photo_is_squared_up_with_its_corners_where_they_were(seed: int) -> None:
    """A page photographed at a desk (grained wood brighter in places than the page's shaded side, the phone's
    shadow over a corner, vignetting): the page is found and squared up, each corner's dot within 1% of the
    page's width of where it was printed. No single threshold parts this page from its desk."""
    page = np.full(A4_AT_200, 255, np.uint8)
    for x, y in MARKS:
        cv2.circle(page, (x, y), 14, 0, -1)
    photo = sf.photographed(page, seed=seed, jpeg_quality=80, harsh=True)
    picture = prepared(photo, None)
    assert picture.photo
    scale = picture.pixels.shape[1] / A4_AT_200[1]
    dark = (picture.pixels < 100).astype(np.uint8)
    count, _, stats, centres = cv2.connectedComponentsWithStats(dark)
    dots = [centres[i] for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] > 150 * scale * scale]
    assert len(dots) == 4, len(dots)
    for x, y in MARKS:
        nearest = min(float(np.hypot(dx - x * scale, dy - y * scale)) for dx, dy in dots)
        assert nearest < 0.01 * picture.pixels.shape[1], ((x, y), nearest)


def test_a_thin_rule_broken_into_grey_dashes_is_painted_out_and_print_kept() -> None:
    """A thin rule scanned at 150 dpi comes out grey, in dashes: pieces too short to be found as a rule, which
    OCR read into the value's line above it. Its pieces go; a word's letters, a hyphen and a full stop stay."""
    dpi = 300
    image = np.full((200, 1200), 255, np.uint8)
    cv2.putText(image, "Oak-tree Lane.", (60, 110), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 0, 3)
    for x in range(40, 1160, 60):  # dashes 40 px long, 3 px thick, grey
        image[130:133, x:x + 40] = 170
    image[60:62, 900:1000] = 190  # a faint level stroke of a rule's edge
    image[20:22, 20:22] = 120  # a speck of dust
    cleaned = without_rules(image, dpi)
    assert (cleaned[128:135, :] == 255).all()
    assert (cleaned[60:62, 900:1000] == 255).all()
    assert cleaned[20:22, 20:22].min() == 255
    assert int((cleaned[60:120, :] < 128).sum()) == int((image[60:120, :] < 128).sum())  # the words untouched
