"""Forms as a practice sends them, for the demo: our blank form filled in, and signed with pen strokes over the
signature box (as a PDF editor saves a drawn signature), or left unsigned."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from mailbot.admin.form_builder import build_form
from mailbot.demo.form_filling import fill_form
from parsers.form_template import PAGE_HEIGHT, PAGE_WIDTH, SIGNATURE_BOX, TYPED_BOX


def _pen_strokes() -> bytes:
    """A one-page overlay with a scrawled signature inside the signature box, above the typed-name line."""
    left, _, right, top = SIGNATURE_BOX
    bottom = TYPED_BOX[3] + 8
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1)
    path = canvas.beginPath()
    x0, x1, y = left + 20, min(right - 20, left + 200), bottom + 8
    path.moveTo(x0, y)
    for i in range(1, 17):
        path.curveTo(x0 + (i - 0.6) * (x1 - x0) / 16, y + 22, x0 + (i - 0.3) * (x1 - x0) / 16, y - 4,
                     x0 + i * (x1 - x0) / 16, y + (10 if i % 3 else 2))
    canvas.setLineWidth(1.8)
    canvas.setStrokeColorRGB(0.05, 0.1, 0.45)
    canvas.drawPath(path, stroke=1, fill=0)
    canvas.save()
    return out.getvalue()


def sample_form(form_type: str, values: dict[str, str], *, signed: bool) -> bytes:
    pdf = fill_form(build_form(form_type), values)
    if not signed:
        return pdf
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.pages[0].merge_page(PdfReader(io.BytesIO(_pen_strokes())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_sample_form(form_type: str, values: dict[str, str], *, dpi: int = 300) -> bytes:
    """The form filled in, printed, signed by hand in the box and scanned back to a PDF of page images, as an
    office scanner sends it: a slight turn, grey paper, JPEG pages, no text layer (read by OCR, SPEC 9)."""
    import cv2
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    document = pdfium.PdfDocument(sample_form(form_type, values, signed=False))
    try:
        document.init_forms()
        pages = [np.asarray(document[i].render(scale=dpi / 72, may_draw_forms=True).to_pil().convert("L")).copy()
                 for i in range(len(document))]
    finally:
        document.close()
    scale = dpi / 72
    left, bottom, right, top = SIGNATURE_BOX
    x0, base = (left + 30) * scale, (PAGE_HEIGHT - bottom - 0.55 * (top - bottom)) * scale
    width, amplitude = 190 * scale, 16 * scale
    pen = np.array([(x0 + width * t / 160 + 0.4 * amplitude * np.sin(t / 160 * 14 * np.pi),
                     base - amplitude * np.sin(t / 160 * 11 * np.pi) * (1 - t / 320)) for t in range(161)],
                   dtype=np.int32)
    cv2.polylines(pages[0], [pen], False, 25, max(2, round(dpi / 90)), cv2.LINE_AA)
    noise = np.random.default_rng(7)
    scanned = []
    for page in pages:
        h, w = page.shape
        turned = cv2.warpAffine(page.astype(np.float32) * 0.92 + 15, cv2.getRotationMatrix2D((w / 2, h / 2), 0.7, 1),
                                (w, h), borderValue=250.0)
        scanned.append(Image.fromarray(np.clip(turned + noise.normal(0, 4, turned.shape), 0, 255).astype(np.uint8)))
    out = io.BytesIO()
    scanned[0].save(out, "PDF", resolution=float(dpi), save_all=True, append_images=scanned[1:], quality=75)
    return out.getvalue()
