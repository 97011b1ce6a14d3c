"""Forms as a practice sends them, for the demo: our blank form filled in, and signed with pen strokes over the
signature box (as a PDF editor saves a drawn signature), or left unsigned."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from mailbot.form_builder import build_form
from mailbot.form_filling import fill_form
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
