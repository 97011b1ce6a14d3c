"""Forms printed through other tools: the values survive as page text only, laid out differently or with spaces
crept in, and any signature is whatever was drawn or pasted."""

from __future__ import annotations

import io
import random

from reportlab.pdfgen.canvas import Canvas

from parsers.form_template import BOX_LEFT, LABELS, MARGIN_LEFT, PAGE_HEIGHT, PAGE_WIDTH, template_for
from tests.support.forms_drawing import signature_image


def printed_as_lines(form_type: str, values: dict[str, str], signed_with_image: bool = False, seed: int = 4) -> bytes:
    """One page a word processor might print: the title, then `Label: value` lines in a shuffled order, labels in
    other cases, and (optionally) a signature image pasted near the bottom of the page."""
    template = template_for(form_type)
    names = [n for n in LABELS if values.get(n)]
    random.Random(seed).shuffle(names)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1)
    canvas.setFont("Times-Bold", 14)
    canvas.drawString(60, 780, template.title)
    canvas.setFont("Times-Roman", 11)
    y = 740.0
    for i, name in enumerate(names):
        label = LABELS[name].upper() if i % 3 == 0 else LABELS[name].lower() if i % 3 == 1 else LABELS[name]
        canvas.drawString(60, y, f"{label}:   {values[name]}")
        y -= 22
    if signed_with_image:
        canvas.drawImage(signature_image(), 320, 120, 180, 60)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def reprinted_with_spaces(form_type: str, values: dict[str, str]) -> bytes:
    """Our page 1 as a "print to PDF" driver re-sets it: labels and values where our form has them, but with spaces
    crept into the values (around @ and /, between groups of letters and digits, doubled between words)."""
    template = template_for(form_type)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1)
    canvas.setFont("Helvetica-Bold", 15)
    canvas.drawString(MARGIN_LEFT, PAGE_HEIGHT - 104, template.title)
    for field in template.fields:
        left, bottom, right, top = field.rect
        canvas.setFont("Helvetica-Bold", 9)
        if field.name in LABELS:
            canvas.drawString(MARGIN_LEFT, bottom + 6.5, field.label)
        canvas.rect(left, bottom, right - left, top - bottom)
        value = values.get(field.name, "")
        if value:
            canvas.setFont("Helvetica", 10)
            canvas.drawString(BOX_LEFT + 3, bottom + 6, _spaced(value))
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def fitted_to_letter(pdf: bytes, scale: float = 0.9) -> bytes:
    """PDF's pages printed "fit to page" onto US Letter paper: the content scaled by SCALE and centred (annotations
    and fields are not carried over, as printing flattens them)."""
    import io as _io

    from pypdf import PdfReader, PdfWriter, Transformation
    from pypdf.generic import RectangleObject

    letter = (612.0, 792.0)
    writer = PdfWriter(clone_from=PdfReader(_io.BytesIO(pdf)))
    for page in writer.pages:
        dx, dy = (letter[0] - PAGE_WIDTH * scale) / 2, (letter[1] - PAGE_HEIGHT * scale) / 2
        page.add_transformation(Transformation().scale(scale).translate(dx, dy))
        page.mediabox = RectangleObject([0, 0, *letter])
        page.cropbox = RectangleObject([0, 0, *letter])
    out = _io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _spaced(value: str) -> str:
    spaced = value.replace("@", " @ ").replace("/", " / ").replace(" ", "  ")
    if value.isalnum() and len(value) > 3:  # an ODS code: "A81 001"
        spaced = f"{value[:3]} {value[3:]}"
    return spaced


def scanned_with_text_layer(scanned_page_png: bytes, form_type: str, values: dict[str, str]) -> bytes:
    """A scan whose scanner added an invisible OCR text layer: the page picture, with the labels and values as
    invisible text where they sit on our form."""
    from reportlab.lib.utils import ImageReader

    template = template_for(form_type)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1)
    canvas.drawImage(ImageReader(io.BytesIO(scanned_page_png)), 0, 0, PAGE_WIDTH, PAGE_HEIGHT)
    text = canvas.beginText()
    text.setTextRenderMode(3)  # invisible, as OCR layers are
    text.setFont("Helvetica", 9)
    text.setTextOrigin(MARGIN_LEFT, PAGE_HEIGHT - 104)
    text.textOut(template.title)
    for field in template.fields:
        left, bottom, _, _ = field.rect
        if field.name in LABELS:
            text.setTextOrigin(MARGIN_LEFT, bottom + 6.5)
            text.textOut(field.label)
        if values.get(field.name):
            text.setTextOrigin(left + 3, bottom + 6)
            text.textOut(values[field.name])
    canvas.drawText(text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
