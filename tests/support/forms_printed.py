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


def _spaced(value: str) -> str:
    spaced = value.replace("@", " @ ").replace("/", " / ").replace(" ", "  ")
    if value.isalnum() and len(value) > 3:  # an ODS code: "A81 001"
        spaced = f"{value[:3]} {value[3:]}"
    return spaced
