"""The two published blank forms (SPEC 9), drawn with reportlab from parsers/form_template.py, with the /Sig
signature field added by pypdf (reportlab makes no signature fields)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject
from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor, white
from reportlab.pdfgen.canvas import Canvas

from parsers.form_template import (
    BOX_RIGHT,
    MARGIN_LEFT,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    SECTIONS,
    SIGNATURE_LABEL,
    TEMPLATES,
    FormTemplate,
    template_for,
)
from parsers.vocabulary.roles import ROLE_DESCRIPTIONS, ROLE_LABELS

NHS_BLUE = HexColor("#005EB8")
DARK = HexColor("#212B32")
GREY = HexColor("#4C6272")
PALE = HexColor("#E8EDEE")
FIELD_FILL = HexColor("#FFFFFF")
FILE_NAMES = {"gp_practice": "primary-user-request-gp-practice.pdf", "other": "primary-user-request-other.pdf"}
VERSION = "Version 1.0"


def build_form(form_type: str, *, ascii85: bool = False) -> bytes:
    """The blank fillable form for "gp" (or "gp_practice") or "other", as PDF bytes (the same bytes every time).

    Its streams are compressed only, not also written as ASCII85 text (reportlab's default, and what the forms
    published before this were): a form filled from it keeps our page content as we wrote it (unless the filling
    tool rewrites its streams), and the reader decodes page 1's content with pypdf before drawing it
    (parsers/forms/pdf_safety.py), whose ASCII85 decoding is Python's base64.a85decode, a loop over every character
    (1.9 million instructions of a filled form's 70 million, callgrind). ASCII85: the form as published before (for
    the tests that hold the two to the same reading)."""
    with _ascii85(ascii85):
        template = template_for(form_type)
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1)
        canvas.setTitle(template.title)
        canvas.setAuthor("Primary Care Support England")
        canvas.setSubject("Open Exeter Primary User request")
        _page_one(canvas, template)
        canvas.showPage()
        _page_two(canvas, template)
        canvas.showPage()
        canvas.save()
    return _with_signature_field(buffer.getvalue(), template)


@contextmanager
def _ascii85(used: bool) -> Iterator[None]:
    """reportlab's useA85 setting (read as each stream is written) set to USED while a form is drawn, then put back."""
    before = rl_config.useA85
    rl_config.useA85 = int(used)
    try:
        yield
    finally:
        rl_config.useA85 = before


def build_forms(directory: Path) -> list[Path]:
    """Write both blank forms into DIRECTORY (made if missing); the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for form_type in TEMPLATES:
        path = directory / FILE_NAMES[form_type]
        path.write_bytes(build_form(form_type))
        written.append(path)
    return written


def _header(canvas: Canvas, template: FormTemplate, page: int) -> None:
    canvas.setFillColor(NHS_BLUE)
    canvas.rect(0, PAGE_HEIGHT - 72, PAGE_WIDTH, 72, stroke=0, fill=1)
    # The NHS lozenge: white box, blue bold italic letters.
    canvas.setFillColor(white)
    canvas.rect(PAGE_WIDTH - 48 - 70, PAGE_HEIGHT - 54, 70, 30, stroke=0, fill=1)
    canvas.setFillColor(NHS_BLUE)
    canvas.setFont("Helvetica-BoldOblique", 22)
    canvas.drawCentredString(PAGE_WIDTH - 48 - 35, PAGE_HEIGHT - 47, "NHS")
    canvas.setFillColor(white)
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawString(MARGIN_LEFT, PAGE_HEIGHT - 36, "Primary Care Support England")
    canvas.setFont("Helvetica", 9.5)
    canvas.drawString(MARGIN_LEFT, PAGE_HEIGHT - 52, "Open Exeter access")
    canvas.setFillColor(GREY)
    canvas.setFont("Helvetica", 7.5)
    canvas.drawString(MARGIN_LEFT, 30, f"PCSE Open Exeter  |  {template.title}  |  {VERSION}")
    canvas.drawRightString(BOX_RIGHT, 30, f"Page {page} of 2")


def _page_one(canvas: Canvas, template: FormTemplate) -> None:
    _header(canvas, template, 1)
    canvas.setFillColor(DARK)
    canvas.setFont("Helvetica-Bold", 15)
    canvas.drawString(MARGIN_LEFT, PAGE_HEIGHT - 104, template.title)
    canvas.setFont("Helvetica", 8.5)
    canvas.setFillColor(GREY)
    intro = (
        "Use this form to ask for a Primary User for your organisation's Open Exeter account. Complete every field",
        "on this page. An authorised signatory must sign in the box at the bottom of this page (the roles that may",
        "sign are listed on page 2). Email the completed form, as a PDF, to the PCSE Open Exeter mailbox.",
    )
    for i, line in enumerate(intro):
        canvas.drawString(MARGIN_LEFT, PAGE_HEIGHT - 124 - 11 * i, line)
    form = canvas.acroForm
    form.textfield(name="form_type", value=template.form_type, x=PAGE_WIDTH - 60, y=PAGE_HEIGHT - 20, width=10,
                   height=10, fieldFlags="readOnly", annotationFlags="hidden", borderWidth=0, tooltip="form type")
    for section, names in SECTIONS:
        first = template.field(names[0])
        _section_heading(canvas, section, first.rect[3] + 8)
        for name in names:
            f = template.field(name)
            left, bottom, right, top = f.rect
            canvas.setFillColor(DARK)
            canvas.setFont("Helvetica-Bold", 9)
            canvas.drawString(*f.label_origin, f.label)
            if f.hint:
                canvas.setFillColor(GREY)
                canvas.setFont("Helvetica", 6.5)
                canvas.drawString(MARGIN_LEFT, bottom + 1.5, f.hint)
            form.textfield(name=name, tooltip=f"{f.label}" + (f" ({f.hint})" if f.hint else ""), x=left, y=bottom,
                           width=right - left, height=top - bottom, borderStyle="solid", borderWidth=1,
                           borderColor=GREY, fillColor=FIELD_FILL, textColor=DARK, fontName="Helvetica",
                           fontSize=10, forceBorder=True, maxlen=200)
    _signature_box(canvas, template)


def _section_heading(canvas: Canvas, text: str, baseline: float) -> None:
    canvas.setFillColor(PALE)
    canvas.rect(MARGIN_LEFT - 4, baseline - 5, BOX_RIGHT - MARGIN_LEFT + 4, 17, stroke=0, fill=1)
    canvas.setFillColor(NHS_BLUE)
    canvas.setFont("Helvetica-Bold", 10.5)
    canvas.drawString(MARGIN_LEFT, baseline, text)


def _signature_box(canvas: Canvas, template: FormTemplate) -> None:
    left, bottom, right, top = template.signature_box
    canvas.setFillColor(DARK)
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(MARGIN_LEFT, top - 12, SIGNATURE_LABEL)
    canvas.setFillColor(GREY)
    canvas.setFont("Helvetica", 6.5)
    for i, line in enumerate(("Sign inside the box: by hand, with an", "image of your signature, or digitally.")):
        canvas.drawString(MARGIN_LEFT, top - 24 - 8 * i, line)
    canvas.setStrokeColor(NHS_BLUE)
    canvas.setLineWidth(1.5)
    canvas.rect(left, bottom, right - left, top - bottom, stroke=1, fill=0)
    typed = template.typed_box
    canvas.setFillColor(DARK)
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(MARGIN_LEFT, typed[1] + 6.5, "Typed signature")
    canvas.setFillColor(GREY)
    canvas.setFont("Helvetica", 6.5)
    canvas.drawString(MARGIN_LEFT, typed[1] - 3, "(optional: type your full name)")
    canvas.acroForm.textfield(name="sig_typed", tooltip="Typed signature (your full name)", x=typed[0], y=typed[1],
                              width=typed[2] - typed[0], height=typed[3] - typed[1], borderStyle="underlined",
                              borderWidth=0.5, borderColor=Color(0.6, 0.6, 0.6), fillColor=FIELD_FILL,
                              textColor=DARK, fontName="Helvetica-Oblique", fontSize=11, forceBorder=True,
                              maxlen=120)


def _page_two(canvas: Canvas, template: FormTemplate) -> None:
    _header(canvas, template, 2)
    y = PAGE_HEIGHT - 104
    canvas.setFillColor(DARK)
    canvas.setFont("Helvetica-Bold", 15)
    canvas.drawString(MARGIN_LEFT, y, "Guidance")
    y -= 30
    _section_heading(canvas, "Who may sign this form", y)
    y -= 22
    canvas.setFont("Helvetica", 9.5)
    canvas.setFillColor(DARK)
    canvas.drawString(MARGIN_LEFT, y, "The authorised signatory must hold one of these roles in the organisation:")
    y -= 16
    for role in template.allowed_roles:
        text = ROLE_LABELS[role] + (f" ({ROLE_DESCRIPTIONS[role]})" if role in ROLE_DESCRIPTIONS else "")
        canvas.drawString(MARGIN_LEFT + 10, y, "\u2022  " + text)
        y -= 14
    y -= 6
    notes = (
        ("Completing the form", (
            "Everything is filled in on page 1. Write the Signatory role exactly as one of the roles above.",
            "Request: 'new' for a first Primary User, 'additional' for a second one, 'replacement' to replace a",
            "current Primary User (then give the email of the Primary User to be replaced).",
            "An organisation may have at most two Primary Users. The signatory cannot nominate themselves.",
        )),
        ("Signing", (
            "Sign in the box at the bottom of page 1: by hand (print, sign, scan), with an image of your signature,",
            "with a digital signature, or by typing your full name in the typed signature line.",
            "A signature anywhere else, or on this page, does not count. Do not change a digitally signed form.",
        )),
        ("Sending", (
            "Email the completed form as a PDF attachment to the PCSE Open Exeter mailbox, from an NHS email",
            "address. The new Primary User must have a secure (nhs.net) email address.",
            "You will get a reply telling you the outcome, or what needs to be put right.",
        )),
    )
    for heading, lines in notes:
        _section_heading(canvas, heading, y)
        y -= 20
        canvas.setFont("Helvetica", 9)
        canvas.setFillColor(DARK)
        for line in lines:
            canvas.drawString(MARGIN_LEFT, y, line)
            y -= 13
        y -= 10


def _with_signature_field(pdf: bytes, template: FormTemplate) -> bytes:
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # reportlab's doubled /Font key is put right below: no need to warn of it
    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    finally:
        pypdf_log.setLevel(level)
    page = writer.pages[0]
    widget = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Sig"),
        NameObject("/T"): TextStringObject("sig_signature"),
        NameObject("/TU"): TextStringObject(SIGNATURE_LABEL),
        NameObject("/Rect"): ArrayObject(FloatObject(v) for v in template.signature_box),
        NameObject("/F"): NumberObject(4),  # print
        NameObject("/P"): page.indirect_reference,
    })
    ref = writer._add_object(widget)
    page[NameObject("/Annots")].append(ref)  # type: ignore[attr-defined]
    acroform = writer._root_object["/AcroForm"]
    acroform[NameObject("/Fields")].append(ref)  # type: ignore[index]
    acroform[NameObject("/SigFlags")] = NumberObject(0)  # type: ignore[index]
    # reportlab writes /DR /Font twice (Helv, then HeOb) and readers keep only the last: give both fonts again.
    fonts = acroform["/DR"]["/Font"]  # type: ignore[index]
    for name, base in (("/Helv", "/Helvetica"), ("/HeOb", "/Helvetica-Oblique")):
        fonts[NameObject(name)] = writer._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject(base), NameObject("/Encoding"): NameObject("/WinAnsiEncoding")}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
