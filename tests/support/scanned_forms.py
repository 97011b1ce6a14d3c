"""Forms as a scanner or a phone camera sends them: a PDF form rendered to a picture by PDFium, signed by hand (pen
strokes drawn on the paper), then scanned (a resolution, a slight turn, speckle, JPEG) or photographed (a perspective,
uneven light). Nothing here knows how the reader finds things: the signature box is given by the form's maker.

Pictures are greyscale numpy arrays (uint8); `as_pdf` wraps pages as a PDF of page images, as a scanner without OCR
makes one, and `as_picture` encodes one as a JPEG/PNG/TIFF attachment."""

from __future__ import annotations

import io
import math
import random

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

Rect = tuple[float, float, float, float]  # PDF user space: left, bottom, right, top


def rendered(pdf: bytes, dpi: int, page: int = 0) -> np.ndarray:
    document = pdfium.PdfDocument(pdf)
    try:
        document.init_forms()
        image = document[page].render(scale=dpi / 72, may_draw_forms=True).to_pil().convert("L")
    finally:
        document.close()
    return np.asarray(image).copy()


def page_height(pdf: bytes, page: int = 0) -> float:
    document = pdfium.PdfDocument(pdf)
    try:
        return float(document[page].get_size()[1])
    finally:
        document.close()


def hand_signed(image: np.ndarray, box: Rect, height: float, dpi: int, seed: int = 0) -> np.ndarray:
    """IMAGE with a pen signature written inside BOX (user space of a page HEIGHT points high): a few joined
    loops and a flourish, in dark ink, of varying size and place."""
    rng = random.Random(seed)
    scale = dpi / 72
    left, right = box[0] * scale, box[2] * scale
    top, bottom = (height - box[3]) * scale, (height - box[1]) * scale
    width, tall = right - left, bottom - top
    x = left + width * rng.uniform(0.08, 0.25)
    end = left + width * rng.uniform(0.55, 0.85)
    base = top + tall * rng.uniform(0.5, 0.7)
    amplitude = tall * rng.uniform(0.15, 0.3)
    points = []
    steps = 120
    loops = rng.uniform(4, 9)
    for i in range(steps + 1):
        t = i / steps
        px = x + (end - x) * t + amplitude * 0.4 * math.sin(t * loops * 2 * math.pi)
        py = base - amplitude * math.sin(t * loops * math.pi * 1.7) * (1 - 0.5 * t)
        points.append((px, py))
    out = image.copy()
    thickness = max(2, round(dpi / 90))
    ink = rng.randint(10, 60)
    cv2.polylines(out, [np.array(points, dtype=np.int32)], False, ink, thickness, cv2.LINE_AA)
    cv2.line(out, (int(x), int(base + amplitude * 0.6)), (int(end + width * 0.05), int(base + amplitude * 0.3)),
             ink, thickness, cv2.LINE_AA)
    return out


def scanned(image: np.ndarray, seed: int = 0, angle: float = 0.0, speckle: float = 0.0,
            jpeg_quality: int | None = None) -> np.ndarray:
    """IMAGE as a flatbed scanner gives it back: turned by ANGLE degrees, grey paper, SPECKLE (share of pixels
    flipped to dark dots), and JPEG at JPEG_QUALITY."""
    rng = np.random.default_rng(seed)
    out = image.astype(np.float32) * 0.92 + 255 * 0.06  # paper a little grey, toner not quite black
    if angle:
        h, w = out.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        out = cv2.warpAffine(out, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=240.0)
    out += rng.normal(0, 4, out.shape)
    if speckle:
        dots = rng.random(out.shape) < speckle
        out[dots] = rng.uniform(20, 90, int(dots.sum()))
    result = np.clip(out, 0, 255).astype(np.uint8)
    return _jpeg(result, jpeg_quality) if jpeg_quality else result


def photographed(image: np.ndarray, seed: int = 0, jpeg_quality: int = 85, *, harsh: bool = False) -> np.ndarray:
    """IMAGE as a phone photo of the page on a darker desk: the page a tilted quadrilateral, light falling off
    to one side, a little blur. HARSH makes it look like a real one taken at a desk: a grained wooden desk, the
    phone's soft shadow over a corner of the page, the lens darker at its edges, light falling off further."""
    rng = random.Random(seed)
    h, w = image.shape
    canvas_w, canvas_h = int(w * 1.25), int(h * 1.2)
    jitter = 0.06
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    margin_x, margin_y = (canvas_w - w) / 2, (canvas_h - h) / 2
    target = np.array([[margin_x + rng.uniform(-jitter, jitter) * w, margin_y + rng.uniform(-jitter, jitter) * h],
                       [margin_x + w + rng.uniform(-jitter, jitter) * w, margin_y + rng.uniform(-jitter, jitter) * h],
                       [margin_x + w + rng.uniform(-jitter, jitter) * w,
                        margin_y + h + rng.uniform(-jitter, jitter) * h],
                       [margin_x + rng.uniform(-jitter, jitter) * w, margin_y + h + rng.uniform(-jitter, jitter) * h]],
                      dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    desk = float(rng.randint(50, 100))
    warped = cv2.warpPerspective(image.astype(np.float32), matrix, (canvas_w, canvas_h), flags=cv2.INTER_LINEAR,
                                 borderValue=desk)
    ys, xs = np.mgrid[0:canvas_h, 0:canvas_w].astype(np.float32)
    if harsh:
        paper = cv2.warpPerspective(np.ones((h, w), np.float32), matrix, (canvas_w, canvas_h),
                                    flags=cv2.INTER_LINEAR)
        grain = 1 + 0.15 * np.sin(ys / canvas_h * rng.uniform(40, 80) + 3 * np.sin(xs / canvas_w * 7))
        warped = warped * paper + desk * grain * (1 - paper)
        del paper, grain
    direction = rng.uniform(0, 2 * math.pi)
    ramp = (np.cos(direction) * xs / canvas_w + np.sin(direction) * ys / canvas_h)
    ramp = (ramp - ramp.min()) / max(float(ramp.max() - ramp.min()), 1e-6)
    light = 1.0 - (rng.uniform(0.45, 0.6) if harsh else rng.uniform(0.3, 0.5)) * ramp
    if harsh:
        # The phone's shadow: a soft-edged ellipse over one of the page's corners.
        corner = target[rng.randrange(4)]
        shade = np.zeros((canvas_h, canvas_w), np.float32)
        cv2.ellipse(shade, (int(corner[0]), int(corner[1])), (int(w * 0.35), int(h * 0.22)),
                    rng.uniform(0, 180), 0, 360, 1.0, -1)
        light *= 1 - 0.35 * cv2.GaussianBlur(shade, (0, 0), w * 0.04)
        reach = ((xs / canvas_w - 0.5) ** 2 + (ys / canvas_h - 0.5) ** 2) * 2
        light *= 1 - 0.3 * reach  # vignetting
    out = warped * light
    out = cv2.GaussianBlur(out, (3, 3), 0.8)
    out += np.random.default_rng(seed).normal(0, 3, out.shape)
    return _jpeg(np.clip(out, 0, 255).astype(np.uint8), jpeg_quality)


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)


def as_pdf(pages: list[np.ndarray], dpi: int, jpeg_quality: int = 75) -> bytes:
    """PAGES as a PDF of page images (JPEG-compressed, as scanners make them), DPI pixels an inch."""
    pictures = [Image.fromarray(page) for page in pages]
    out = io.BytesIO()
    pictures[0].save(out, "PDF", resolution=float(dpi), save_all=True, append_images=pictures[1:],
                     quality=jpeg_quality)
    return out.getvalue()


def as_picture(page: np.ndarray, fmt: str, dpi: int = 200, quality: int = 80) -> bytes:
    """PAGE as a JPEG, PNG or TIFF file (an attachment), with its resolution recorded."""
    out = io.BytesIO()
    picture = Image.fromarray(page)
    if fmt == "JPEG":
        picture.save(out, "JPEG", quality=quality, dpi=(dpi, dpi))
    elif fmt == "TIFF":
        picture.save(out, "TIFF", compression="tiff_deflate", dpi=(dpi, dpi))
    else:
        picture.save(out, fmt, dpi=(dpi, dpi))
    return out.getvalue()


def scanned_form(form_type: str, values: dict[str, str], *, signed: bool = True, dpi: int = 200, angle: float = 0.8,
                 seed: int = 0, smudge: str | None = None) -> bytes:
    """Our published form filled in, printed, signed by hand (or not) and scanned to a PDF of page images at DPI,
    turned by ANGLE. SMUDGE names a field whose value is smeared (a wet thumb over the ink): half legible."""
    from parsers.form_template import FIELDS, PAGE_HEIGHT, SIGNATURE_BOX
    from tests.support.forms_fixtures import filled_form

    pdf = filled_form("gp" if form_type == "gp_practice" else "other", values, flatten=True)
    page = rendered(pdf, dpi)
    if signed:
        page = hand_signed(page, SIGNATURE_BOX, PAGE_HEIGHT, dpi, seed)
    if smudge is not None:
        rect = next(f.rect for f in FIELDS if f.name == smudge)
        scale = dpi / 72
        x0, x1 = int(rect[0] * scale), int(rect[2] * scale)
        y0, y1 = int((PAGE_HEIGHT - rect[3]) * scale), int((PAGE_HEIGHT - rect[1]) * scale)
        page = page.copy()
        page[y0:y1, x0:x1] = smeared(page[y0:y1, x0:x1], seed)
    return as_pdf([scanned(page, seed, angle=angle, speckle=0.0005, jpeg_quality=70),
                   scanned(rendered(pdf, dpi, 1), seed + 1, angle=-angle)], dpi)


def smeared(region: np.ndarray, seed: int) -> np.ndarray:
    """REGION with its ink smeared sideways and greyed: a person can guess at it, a reader must not."""
    rng = np.random.default_rng(seed)
    blurred = cv2.blur(region, (11, 6)).astype(np.float32)
    out = blurred * 0.75 + 255 * 0.25 + rng.normal(0, 12, region.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def as_multipage_tiff(pages: list[np.ndarray], dpi: int = 200) -> bytes:
    """PAGES as one TIFF file, a page a frame (as a multi-page scan to TIFF makes)."""
    pictures = [Image.fromarray(page) for page in pages]
    out = io.BytesIO()
    pictures[0].save(out, "TIFF", save_all=True, append_images=pictures[1:], compression="tiff_deflate",
                     dpi=(dpi, dpi))
    return out.getvalue()
