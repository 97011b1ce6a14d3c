"""A scanned or photographed page made ready to read (OpenCV): decoded, its page found and squared up (a photo's
perspective), its light evened out (a photo darker on one side), and straightened (a scan turned up to a few
degrees). Pure: pixels in, pixels out.

Pictures are greyscale numpy arrays (uint8, white paper high). Each page carries its resolution (pixels an inch),
so what is found on it can be given in points like a PDF's text."""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps, ImageSequence

A4_INCHES = (8.27, 11.69)
# Resolution the page is read at: Tesseract reads 10-point type best with capitals about 30 pixels high.
READ_DPI = 300
MAX_TURN = 3.5  # degrees a scan is straightened by, at most
# A photo's page: a quadrilateral covering at least this share of the picture, and not all of it.
PAGE_MIN_SHARE = 0.25
PAGE_MAX_SHARE = 0.97
MAX_PAGES = 6


cv2.setNumThreads(1)  # one thread: form readers run side by side in child processes (mailbot/processing/sandbox.py)


class NotAPicture(Exception):
    """The bytes are no picture we can read (a damaged file, a format we do not take)."""


@dataclass(frozen=True)
class PagePicture:
    pixels: np.ndarray  # greyscale, upright, straightened, light evened out
    dpi: float
    text: np.ndarray  # the same without ruled lines (boxes round values, lines to write on): what OCR reads
    photo: bool = False  # a photo's page, squared up from the edges found (a scan is the page already)

    @property
    def size_points(self) -> tuple[float, float]:
        h, w = self.pixels.shape
        return (w * 72 / self.dpi, h * 72 / self.dpi)


def ocr_crop(picture: PagePicture, region: tuple[float, float, float, float], scale: float,
             binarised: bool = False) -> np.ndarray | None:
    """REGION (points: x0, y0, x1, y1) of the page's text scaled by SCALE, with a white border: what a second
    reading of a value reads; BINARISED, black and white at the threshold that parts its ink from its paper best
    (Otsu's). None when the region is (almost) off the page."""
    to_pixels = picture.dpi / 72
    h, w = picture.pixels.shape
    px0, px1 = max(int(region[0] * to_pixels), 0), min(int(region[2] * to_pixels), w)
    py0, py1 = max(int(region[1] * to_pixels), 0), min(int(region[3] * to_pixels), h)
    if px1 - px0 < 4 or py1 - py0 < 4:
        return None
    crop = cv2.resize(picture.text[py0:py1, px0:px1], None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    if binarised:
        crop = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    return np.asarray(cv2.copyMakeBorder(crop, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=255))


def decode_pictures(data: bytes, max_pixels: int) -> list[tuple[np.ndarray, float | None]]:
    """The pages of a JPEG/PNG/TIFF file (a TIFF may hold several), greyscale, turned as its EXIF says (a phone
    photo), each with the resolution the file records (None when it records none)."""
    try:
        picture = Image.open(io.BytesIO(data))
        pages: list[tuple[np.ndarray, float | None]] = []
        for frame in ImageSequence.Iterator(picture):
            if len(pages) == MAX_PAGES:
                break
            if frame.width * frame.height > max_pixels:
                raise NotAPicture(f"a picture of {frame.width}x{frame.height} pixels, more than we read")
            dpi = frame.info.get("dpi")
            upright = ImageOps.exif_transpose(frame) or frame
            grey = np.asarray(upright.convert("L")).copy()
            resolution = float(dpi[0]) if dpi and 50 <= float(dpi[0]) <= 1200 else None
            pages.append((grey, resolution))
    except NotAPicture:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise NotAPicture(f"the picture is damaged or of a kind we cannot read ({type(error).__name__})") from error
    if not pages:
        raise NotAPicture("the picture has no pages")
    return pages


def prepared(grey: np.ndarray, dpi: float | None) -> PagePicture:
    """GREY made ready to read: the page cut out and squared up when it is a photo, light evened out, straightened,
    and scaled to READ_DPI."""
    page = _squared_page(grey)
    photo = page is not None
    if page is not None:
        grey, dpi = page, None  # a photo's resolution says nothing about the paper
    if dpi is None:
        dpi = grey.shape[1] / A4_INCHES[0]  # the page's width is A4's (Letter is within a few per cent)
    scale = READ_DPI / dpi
    if abs(scale - 1) > 0.05:
        grey = cv2.resize(grey, None, fx=scale, fy=scale,
                          interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA)
    grey = _even_light(grey)
    grey = _straightened(grey)
    clean = _despeckled(grey)
    del grey
    return PagePicture(clean, READ_DPI, without_rules(clean, READ_DPI), photo)


# Ruled lines are at least this long (inches): longer than any letter is tall or a word is wide without a gap.
RULE_ACROSS = 0.45
RULE_DOWN = 0.2
FAINT = 200  # a pixel this dark may be print or a rule (paper is 255 once the light is evened out)
# A piece of a rule: at most this thick (inches; print's strokes are thicker or shorter: a hyphen is ~0.045 long)...
RULE_PIECE_THICK = 0.015
RULE_PIECE_LONG = 0.06  # ...and at least this long
# Dust: a blot of at most this many pixels at 300 dpi (a full stop is 16 or more; a 150 dpi scan's speck is ~4).
DUST_PIXELS_300 = 6


def without_rules(grey: np.ndarray, dpi: float) -> np.ndarray:
    """GREY with its ruled lines painted out, and what is left of them: a box drawn round a value makes OCR read
    its edge as an "l" or "|", and the dashes a thin rule breaks into (grey at 150 dpi, only its darker stretches
    below the ink threshold) were read into the value's line, which then came out unsure or empty."""
    ink = (grey < FAINT).astype(np.uint8) * 255  # a thin rule scanned at 150 dpi is grey, not black
    across = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                             (int(dpi * RULE_ACROSS), 1)))
    down = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                           (1, int(dpi * RULE_DOWN))))
    rules = cv2.dilate(cv2.bitwise_or(across, down), np.ones((3, 3), np.uint8))
    del ink, across, down
    out = grey.copy()
    out[rules > 0] = 255
    del rules
    # What is left: pieces of rules (too short for the kernels above, too thin and long for print) and dust.
    labels, stats = _blots(out < FAINT)
    wide, tall = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    level = (tall <= dpi * RULE_PIECE_THICK) & (wide >= dpi * RULE_PIECE_LONG) & (wide >= 4 * tall)
    upright = (wide <= dpi * RULE_PIECE_THICK) & (tall >= dpi * RULE_DOWN)
    dust = stats[:, cv2.CC_STAT_AREA] <= DUST_PIXELS_300 * (dpi / 300) ** 2
    gone = level | upright | dust
    gone[0] = False  # the paper
    out[gone[labels]] = 255
    return out


def _blots(dark: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DARK's connected blots: each pixel's blot number (0: none) and each blot's box and area (OpenCV's stats).
    Numbered in 16 bits when they fit (a page's labels then take 17 MB at 300 dpi, not 35)."""
    mask = dark.astype(np.uint8)
    try:
        _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=cv2.CV_16U)
    except cv2.error:  # more than 65,535 blots: a page of noise
        _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=cv2.CV_32S)
    return labels, stats


def _despeckled(grey: np.ndarray) -> np.ndarray:
    """GREY without a scanner's dust (dots a pixel or two wide; a full stop is several) and with paper pure white:
    Tesseract reads such a page faster and surer."""
    cleaned = np.asarray(cv2.medianBlur(grey, 3), dtype=np.uint8)
    cleaned[cleaned > 200] = 255
    return cleaned


def _even_light(grey: np.ndarray) -> np.ndarray:
    """GREY divided by its background (the paper's brightness, from a wide blur of the image with the ink closed
    over): a page lit from one side, or grey paper, comes out white."""
    small = cv2.resize(grey, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    background = cv2.GaussianBlur(background, (0, 0), 6)
    background = cv2.resize(background, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)
    evened = cv2.divide(grey, np.maximum(background, 1), scale=255)
    return np.asarray(evened, dtype=np.uint8)


def _straightened(grey: np.ndarray) -> np.ndarray:
    angle = skew_angle(grey)
    if abs(angle) < 0.1:
        return grey
    h, w = grey.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return np.asarray(cv2.warpAffine(grey, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255))


def skew_angle(grey: np.ndarray) -> float:
    """The turn (degrees, counter-clockwise positive as OpenCV's) that makes the text lines level: the angle whose
    row profile of dark pixels is sharpest, searched within MAX_TURN on a small copy."""
    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.float32)
    h, w = ink.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rows = cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_NEAREST).sum(axis=1)
        return float(np.var(rows))

    best = max(np.arange(-MAX_TURN, MAX_TURN + 0.01, 0.5), key=sharpness)
    fine = max(np.arange(best - 0.45, best + 0.46, 0.1), key=sharpness)
    return float(fine)


def _squared_page(grey: np.ndarray) -> np.ndarray | None:
    """A photo's page cut out along its four edges and squared up to A4's shape; None when the picture is the page
    already (a scan)."""
    h, w = grey.shape
    factor = PAGE_SEARCH_PIXELS / max(h, w)
    small = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    # Print and ruled lines closed over: what is left is paper and what is round it.
    small = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
    small = cv2.GaussianBlur(small, (5, 5), 0)
    quad = None
    for found in (_paper_grown(small), _paper_thresholded(small)):
        quad = _page_corners(found)
        if quad is not None:
            break
    if quad is None:
        return None
    corners = _ordered(quad / factor)
    # Touching the picture's edges all round: the scan's own border, not a photographed page.
    inset = min(corners[:, 0].min(), corners[:, 1].min(), w - corners[:, 0].max(), h - corners[:, 1].max())
    if inset < 0.01 * min(w, h):
        return None
    top = np.linalg.norm(corners[1] - corners[0])
    bottom = np.linalg.norm(corners[2] - corners[3])
    width = max(top, bottom)
    height = width * A4_INCHES[1] / A4_INCHES[0]
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    return np.asarray(cv2.warpPerspective(grey, matrix, (int(width), int(height)), flags=cv2.INTER_CUBIC,
                                          borderValue=255))


PAGE_SEARCH_PIXELS = 800  # the page's edges are looked for on a copy this many pixels on its longer side
# Paper grown from the picture's middle takes in a neighbour differing by at most this much (grey levels): light
# falling off across the page changes slowly, its edge against the desk is a step.
PAPER_STEP = 3
PAGE_SOLIDITY = 0.92  # share of its convex hull a page's region fills (less: it took in part of the desk)


def _paper_grown(small: np.ndarray) -> np.ndarray:
    """The paper as the region grown from the picture's middle over slowly changing light (a page lit unevenly,
    on a desk brighter in places than the page's shaded side, where no single threshold parts them)."""
    h, w = small.shape
    best = np.zeros((h + 2, w + 2), np.uint8)
    # The page's edge where it is clear is a wall the region stops at even where the step is faint nearby.
    edges = cv2.copyMakeBorder(cv2.dilate(cv2.Canny(small, 20, 60), np.ones((3, 3), np.uint8)), 1, 1, 1, 1,
                               cv2.BORDER_CONSTANT, value=0)
    for fx, fy in ((0.5, 0.5), (0.5, 0.35), (0.5, 0.65)):
        mask = edges.copy()
        cv2.floodFill(small.copy(), mask, (int(w * fx), int(h * fy)), 0, PAPER_STEP, PAPER_STEP,
                      4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8))
        mask[edges > 0] = 0
        if int(mask.sum()) > int(best.sum()):
            best = mask
        if best[1:-1, 1:-1].mean() > 255 * PAGE_MIN_SHARE:
            break
    return best[1:-1, 1:-1]


def _paper_thresholded(small: np.ndarray) -> np.ndarray:
    _, paper = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return paper


def _page_corners(paper: np.ndarray) -> np.ndarray | None:
    """The four corners of the page in PAPER (a mask), each where lines fitted to two of its edges meet; None when
    the largest region is no page-sized quadrilateral."""
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    largest = max(contours, key=cv2.contourArea)
    share = cv2.contourArea(largest) / float(paper.shape[0] * paper.shape[1])
    if not PAGE_MIN_SHARE <= share <= PAGE_MAX_SHARE:
        return None
    hull = cv2.convexHull(largest)
    if cv2.contourArea(largest) < PAGE_SOLIDITY * cv2.contourArea(hull):
        return None  # no quadrilateral: grown into the desk somewhere
    polygon = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2).astype(np.float32)
    if not 4 <= len(polygon) <= 6:
        return None
    # The page's four sides are the polygon's four longest (a corner in shadow, cut off, adds a short one).
    lengths = [float(np.linalg.norm(polygon[(i + 1) % len(polygon)] - polygon[i])) for i in range(len(polygon))]
    sides = sorted(sorted(range(len(polygon)), key=lambda i: -lengths[i])[:4])
    lines = [_side_line(polygon[i], polygon[(i + 1) % len(polygon)], largest.reshape(-1, 2).astype(np.float32))
             for i in sides]
    corners = [_meeting(lines[i - 1], lines[i]) for i in range(4)]
    if any(corner is None for corner in corners):
        return None
    quad = np.array(corners, dtype=np.float32)
    if not cv2.isContourConvex(quad.reshape(4, 1, 2)) or \
            abs(cv2.contourArea(quad) / cv2.contourArea(hull) - 1) > 1 - PAGE_SOLIDITY:
        return None
    return quad


Line = tuple[np.ndarray, np.ndarray]  # a point and a direction


def _side_line(a: np.ndarray, b: np.ndarray, outline: np.ndarray) -> Line:
    """The line along the page's side from A to B, fitted to the OUTLINE's points near it away from its ends
    (which a shadow or the blur rounds): the corners then come exact where two sides meet."""
    along = b - a
    length = max(float(np.linalg.norm(along)), 1.0)
    unit = along / length
    relative = outline - a
    t = relative @ unit
    off = np.abs(relative @ np.array([-unit[1], unit[0]], dtype=np.float32))
    near = outline[(off < max(3.0, 0.02 * length)) & (t > 0.1 * length) & (t < 0.9 * length)]
    if len(near) < 10:
        return a, unit
    vx, vy, x0, y0 = cv2.fitLine(near, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return np.array([x0, y0], dtype=np.float32), np.array([vx, vy], dtype=np.float32)


def _meeting(first: Line, second: Line) -> np.ndarray | None:
    (p, d), (q, e) = first, second
    matrix = np.array([d, -e]).T
    if abs(np.linalg.det(matrix)) < 0.2:  # nearly parallel: no corner
        return None
    s, _ = np.linalg.solve(matrix, q - p)
    return p + s * d


def _ordered(points: np.ndarray) -> np.ndarray:
    """Four corners as top-left, top-right, bottom-right, bottom-left."""
    total = points.sum(axis=1)
    difference = np.diff(points, axis=1).ravel()
    return np.array([points[np.argmin(total)], points[np.argmin(difference)], points[np.argmax(total)],
                     points[np.argmax(difference)]], dtype=np.float32)
