"""A PDF page seen upright: PDF user space (origin bottom-left, what char boxes, annotation rectangles and image
bounds are given in) mapped to reading coordinates (points, origin top-left, y downwards, the text upright), and
back. The page's visible area is its CropBox within its MediaBox, so a cropped or shifted page maps right.

Which way is up is what the text says: a page turned with /Rotate shows its text sideways unless its producer
drew the text turned the other way to make up for it, so the majority of the characters' angles decides, not the
/Rotate entry. Rendering is the exception: PDFium draws the page as /Rotate shows it, so crops for rendering are
given in that orientation (display coordinates)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in reading coordinates (top-left origin)
UserRect = tuple[float, float, float, float]  # left, bottom, right, top in PDF user space
# Characters sampled to tell which way the text runs.
ANGLE_SAMPLE = 48


def _to_view(x: float, y: float, bbox: UserRect, rotation: int) -> tuple[float, float]:
    """User space point -> coordinates of the page turned clockwise by ROTATION degrees, origin top-left."""
    left, bottom, right, top = bbox
    if rotation == 90:
        return (y - bottom, x - left)
    if rotation == 180:
        return (right - x, y - bottom)
    if rotation == 270:
        return (top - y, right - x)
    return (x - left, top - y)


def _from_view(vx: float, vy: float, bbox: UserRect, rotation: int) -> tuple[float, float]:
    left, bottom, right, top = bbox
    if rotation == 90:
        return (vy + left, vx + bottom)
    if rotation == 180:
        return (right - vx, vy + bottom)
    if rotation == 270:
        return (right - vy, top - vx)
    return (vx + left, top - vy)


def _rect_to_view(rect: UserRect, bbox: UserRect, rotation: int) -> Box:
    """RECT's two corners through _to_view, as the box they span. Asked for every object on a page (PageView.box):
    _to_view written out here (the same operations in the same order, so the same floats, NaN and signed zeros
    too: tests/forms/test_page_geometry.py), two calls fewer."""
    x0, y0, x1, y1 = rect
    left, bottom, right, top = bbox
    if rotation == 90:
        ax, ay, bx, by = y0 - bottom, x0 - left, y1 - bottom, x1 - left
    elif rotation == 180:
        ax, ay, bx, by = right - x0, y0 - bottom, right - x1, y1 - bottom
    elif rotation == 270:
        ax, ay, bx, by = top - y0, right - x0, top - y1, right - x1
    else:
        ax, ay, bx, by = x0 - left, top - y0, x1 - left, top - y1
    return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))


def _size(bbox: UserRect, rotation: int) -> tuple[float, float]:
    width, height = bbox[2] - bbox[0], bbox[3] - bbox[1]
    return (height, width) if rotation in (90, 270) else (width, height)


@dataclass(frozen=True)
class PageView:
    bbox: UserRect  # the visible area in user space
    reading_rotation: int  # 0/90/180/270: how user space is turned (clockwise) to read the text upright
    display_rotation: int  # the page's /Rotate, as PDFium renders it

    @property
    def size(self) -> tuple[float, float]:
        """Width and height of the page as read (points)."""
        return _size(self.bbox, self.reading_rotation)

    def point(self, x: float, y: float) -> tuple[float, float]:
        return _to_view(x, y, self.bbox, self.reading_rotation)

    def box(self, rect: UserRect) -> Box:
        """A user-space rectangle (any two opposite corners) in reading coordinates."""
        rect = (min(rect[0], rect[2]), min(rect[1], rect[3]), max(rect[0], rect[2]), max(rect[1], rect[3]))
        return _rect_to_view(rect, self.bbox, self.reading_rotation)

    def coefficients(self) -> tuple[float, float, float, float, float, float]:
        """(a, b, c, d, e, f) with reading x = a*x + b*y + c and reading y = d*x + e*y + f: for hot loops."""
        ox, oy = self.point(0.0, 0.0)
        ux, uy = self.point(1.0, 0.0)
        vx, vy = self.point(0.0, 1.0)
        return (ux - ox, vx - ox, ox, uy - oy, vy - oy, oy)

    def user_rect(self, box: Box) -> UserRect:
        (ax, ay), (bx, by) = (_from_view(box[0], box[1], self.bbox, self.reading_rotation),
                              _from_view(box[2], box[3], self.bbox, self.reading_rotation))
        return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))

    def render_crop(self, box: Box) -> tuple[float, float, float, float]:
        """PDFium's render crop (points cut from the left, bottom, right and top of the page as it displays it)
        that leaves BOX (reading coordinates) and nothing else."""
        shown = _rect_to_view(self.user_rect(box), self.bbox, self.display_rotation)
        width, height = _size(self.bbox, self.display_rotation)
        x0, y0, x1, y1 = (max(shown[0], 0.0), max(shown[1], 0.0), min(shown[2], width), min(shown[3], height))
        return (x0, height - y1, width - x1, y0)


def visible_area(page: pdfium.PdfPage) -> UserRect:
    media = page.get_mediabox()
    crop = page.get_cropbox()
    left, bottom = max(media[0], crop[0]), max(media[1], crop[1])
    right, top = min(media[2], crop[2]), min(media[3], crop[3])
    if right - left < 1 or top - bottom < 1:
        return media
    return (left, bottom, right, top)


def text_rotation(textpage: pdfium.PdfTextPage) -> int | None:
    """How far (in quarter turns, as degrees) the page must be turned clockwise for most of its text to read
    upright; None when it has no text."""
    count = pdfium_c.FPDFText_CountChars(textpage)
    step = max(1, count // ANGLE_SAMPLE)
    votes: Counter[int] = Counter()
    for index in range(0, max(count, 0), step):
        if chr(pdfium_c.FPDFText_GetUnicode(textpage, index)).isspace():
            continue
        angle = pdfium_c.FPDFText_GetCharAngle(textpage, index)
        if angle < 0:
            continue
        clockwise = round(math.degrees(angle) / 90) % 4 * 90
        votes[(360 - clockwise) % 360] += 1
    return votes.most_common(1)[0][0] if votes else None


def page_view(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> PageView:
    """PAGE seen with its text upright (a page without text: as /Rotate shows it)."""
    rotation = page.get_rotation() % 360
    reading = text_rotation(textpage)
    return PageView(visible_area(page), rotation if reading is None else reading, rotation)
