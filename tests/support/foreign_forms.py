"""Primary User request forms as other people and other tools make them: drawn here with reportlab at coordinates
of their own, labels typed as a person would type them, values made up from a seed. Nothing here comes from our
form builder or our template (mailbot/admin/form_builder.py, parsers/form_template.py): a reader that only knew our
layout would fail on every one of these.

Layouts: "table" (labels left, values right, ruled, no colons), "stacked" (labels above values, generic labels
under section headings), "two_columns" (`Label: value` in two columns), "lines" (a word processor's `Label: value`
lines in any order), "fillable" (another tool's fillable form: its own field names, tooltips, and a /Sig field
somewhere else on the page). Letter or A4."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject
from reportlab.pdfgen.canvas import Canvas

PAPERS = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}
LAYOUTS = ("table", "stacked", "two_columns", "lines", "fillable")
# Also "retyped": our form's rows retyped in a word processor as `Label: value`, one row every 27 points with a
# heading between sections, as the printed form has them (not in LAYOUTS: it is one reproduction).
Rect = tuple[float, float, float, float]  # user space: left, bottom, right, top

FIRST = ("Sam", "Priya", "Tomasz", "Aisha", "Gareth", "Mei", "Olu", "Rhiannon", "Kofi", "Niamh")
LAST = ("New", "Patel", "Kowalski", "Rahman", "Evans", "Chen", "Adeyemi", "Jones", "Mensah", "O'Brien")
PLACES = ("Oakwood", "Riverside", "Hill Top", "St Luke's", "Beacon", "Moorland", "Harbour View", "Elm Tree")
KINDS = ("Practice", "Surgery", "Medical Centre", "Health Centre")
JOBS = ("Practice Manager", "Deputy Practice Manager", "Operations Lead", "Reception Manager")
ROLES = ("Lead GP", "GP Partner", "Caldicott Guardian")

TITLES = {"gp_practice": ("Open Exeter Primary User Request - GP Practice",
                          "Open Exeter: Primary User request form (GP practice)"),
          "other": ("Open Exeter Primary User Request - Other Organisation",
                    "Open Exeter: Primary User request form (other organisation)")}
# How people label each field, by layout ("generic" labels take their meaning from the section heading).
WORDS = {
    "table": {"org_name": "Practice name", "org_code": "ODS code", "pu_full_name": "Primary User full name",
              "pu_job_title": "Job role", "pu_email": "Primary User email", "pu_phone": "Telephone number",
              "pu_request": "Type of request", "sig_full_name": "Name of signatory", "sig_role": "Signatory's role",
              "sig_email": "Signatory's email address", "sig_date": "Date signed"},
    "stacked": {"org_name": "Name of organisation", "org_code": "Organisation code", "pu_full_name": "Name",
                "pu_job_title": "Job title", "pu_email": "Email address", "pu_phone": "Phone",
                "pu_request": "Request", "sig_full_name": "Name", "sig_role": "Role", "sig_email": "Email address",
                "sig_date": "Date"},
    "two_columns": {"org_name": "Organisation name", "org_code": "ODS code", "pu_full_name": "Full name",
                    "pu_job_title": "Job title", "pu_email": "Email", "pu_phone": "Telephone",
                    "pu_request": "Request type", "sig_full_name": "Signatory name", "sig_role": "Signatory role",
                    "sig_email": "Signatory email", "sig_date": "Date"},
    "lines": {"org_name": "ORGANISATION NAME", "org_code": "Organisation code (ODS)", "pu_full_name": "Full name",
              "pu_job_title": "job title", "pu_email": "E-mail", "pu_phone": "Tel", "pu_request": "Request",
              "sig_full_name": "Signatory full name", "sig_role": "Signatory role", "sig_email": "Signatory email",
              "sig_date": "Date"},
    "fillable": {"org_name": "Organisation name", "org_code": "Organisation code (ODS)", "pu_full_name": "Full name",
                 "pu_job_title": "Job title", "pu_email": "Email", "pu_phone": "Telephone",
                 "pu_request": "Request (new / additional / replacement)", "sig_full_name": "Signatory full name",
                 "sig_role": "Signatory role", "sig_email": "Signatory email", "sig_date": "Date"},
}
PU_FIELDS = ("pu_full_name", "pu_job_title", "pu_email", "pu_phone", "pu_request")
SIG_FIELDS = ("sig_full_name", "sig_role", "sig_email", "sig_date")
SIGNATURE_LABEL = "Signature of authorised signatory"


@dataclass(frozen=True)
class ForeignForm:
    pdf: bytes
    values: dict[str, str]  # what a reader should find (already in the reader's normal form)
    form_type: str
    box: Rect  # the signature box (user space, page 1): where a signature goes
    layout: str
    paper: str
    widget_names: dict[str, str] = field(default_factory=dict)  # fillable: our name -> theirs


def made_up_values(seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    sig_first, sig_last = rng.choice([f for f in FIRST if f != first]), rng.choice(LAST)
    return {
        "org_name": f"{rng.choice(PLACES)} {rng.choice(KINDS)}",
        "org_code": f"{rng.choice('ABCDEFGHJKLMNPY')}{rng.randint(10000, 99999)}",
        "pu_full_name": f"{first} {last}",
        "pu_job_title": rng.choice(JOBS),
        "pu_email": f"{first}.{last}{rng.randint(1, 9)}@nhs.net".lower().replace("'", ""),
        "pu_phone": f"01{rng.randint(200, 999)} {rng.randint(100000, 999999)}",
        "pu_request": "new",
        "sig_full_name": f"Dr {sig_first} {sig_last}",
        "sig_role": rng.choice(ROLES),
        "sig_email": f"{sig_first}.{sig_last}@nhs.net".lower().replace("'", ""),
        "sig_date": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2026",
    }


def foreign_form(layout: str, paper: str = "a4", seed: int = 1, form_type: str = "gp_practice",
                 fillable_names: str = "tooltips", values: dict[str, str] | None = None,
                 signature_page: int = 0) -> ForeignForm:
    """A filled, unsigned form in LAYOUT on PAPER. FILLABLE_NAMES (for "fillable"): "tooltips" (fields named Text1,
    Text2... with the label as tooltip), "names" (OrganisationName...), "none" (Text1... and no tooltip: matched by
    their place beside the printed label). VALUES replace made-up ones. SIGNATURE_PAGE: the page a fillable form's
    /Sig field is on."""
    values = {**made_up_values(seed), **(values or {})}
    size = PAPERS[paper]
    title = random.Random(seed).choice(TITLES[form_type])
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=size, invariant=1)
    canvas.setTitle("Primary User request")
    canvas.setAuthor("A practice manager")
    draw = {"table": _table, "stacked": _stacked, "two_columns": _two_columns, "lines": _lines,
            "fillable": _fillable_page, "retyped": _retyped}[layout]
    box, names = draw(canvas, size, title, values, seed, fillable_names)
    canvas.showPage()
    canvas.setFont("Helvetica", 10)
    canvas.drawString(60, size[1] - 80, "Notes for the person completing this form: sign on page 1.")
    canvas.showPage()
    canvas.save()
    pdf = out.getvalue()
    if layout == "fillable":
        pdf = _filled(_with_signature_field(pdf, box, signature_page),
                      {names[n]: v for n, v in values.items() if n in names})
    return ForeignForm(pdf, values, form_type, box, layout, paper, names)


# --- layouts (each returns the signature box and, for fillable forms, their field names) -------------------------

def _title(canvas: Canvas, size: tuple[float, float], title: str, x: float = 54, font: str = "Times-Bold") -> float:
    canvas.setFont(font, 15)
    canvas.drawString(x, size[1] - 64, title)
    canvas.setFont("Times-Italic", 9)
    canvas.drawString(x, size[1] - 80, "Please complete in full and email as a PDF to the PCSE mailbox.")
    return size[1] - 116


def _table(canvas: Canvas, size: tuple[float, float], title: str, values: dict[str, str], seed: int,
           _: str) -> tuple[Rect, dict[str, str]]:
    words = WORDS["table"]
    y = _title(canvas, size, title)
    left, middle, right = 50.0, 210.0, size[0] - 50
    canvas.setLineWidth(0.6)
    for name in ("org_name", "org_code", *PU_FIELDS, *SIG_FIELDS):
        canvas.line(left, y + 16, right, y + 16)
        canvas.setFont("Helvetica", 10)
        canvas.drawString(left + 4, y + 2, words[name])
        canvas.setFont("Courier", 10)
        canvas.drawString(middle + 6, y + 2, values[name])
        y -= 22
    canvas.line(left, y + 16, right, y + 16)
    canvas.line(middle, y + 16, middle, y + 16 + 22 * 11)
    # The signature box: a ruled box right of its label, well above where our form has it.
    y -= 30
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(left + 4, y, SIGNATURE_LABEL)
    box = (middle + 20, y - 70, right - 10, y + 14)
    canvas.setLineWidth(1.2)
    canvas.rect(box[0], box[1], box[2] - box[0], box[3] - box[1])
    return box, {}


def _stacked(canvas: Canvas, size: tuple[float, float], title: str, values: dict[str, str], seed: int,
             _: str) -> tuple[Rect, dict[str, str]]:
    words = WORDS["stacked"]
    y = _title(canvas, size, title, x=72, font="Helvetica-Bold")
    sections = (("Your organisation", ("org_name", "org_code")), ("Primary User", PU_FIELDS),
                ("Authorised signatory", SIG_FIELDS))
    for heading, names in sections:
        canvas.setFont("Helvetica-Bold", 12)
        canvas.drawString(72, y, heading)
        y -= 22
        for name in names:
            canvas.setFont("Helvetica", 8)
            canvas.drawString(72, y, words[name])
            canvas.setFont("Times-Roman", 11)
            canvas.drawString(72, y - 13, values[name])
            y -= 32
        y -= 8
    canvas.setFont("Helvetica", 8)
    canvas.drawString(72, y, SIGNATURE_LABEL)
    box = (72, y - 84, 72 + 260, y - 6)
    canvas.setLineWidth(0.8)
    canvas.rect(box[0], box[1], box[2] - box[0], box[3] - box[1])
    return box, {}


def _two_columns(canvas: Canvas, size: tuple[float, float], title: str, values: dict[str, str], seed: int,
                 _: str) -> tuple[Rect, dict[str, str]]:
    words = WORDS["two_columns"]
    y = _title(canvas, size, title, x=40)
    columns = ((40.0, ("org_name", "org_code", *PU_FIELDS)), (size[0] / 2 + 10, SIG_FIELDS))
    for x, names in columns:
        row = y
        for name in names:
            canvas.setFont("Helvetica-Bold", 9)
            label = f"{words[name]}:"
            canvas.drawString(x, row, label)
            canvas.setFont("Helvetica", 9)
            canvas.drawString(x + canvas.stringWidth(label, "Helvetica-Bold", 9) + 6, row, values[name])
            row -= 20
    # The signature: its label in the right column, then a line to sign on (no box drawn).
    x = size[0] / 2 + 10
    row = y - 20 * len(SIG_FIELDS) - 20
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(x, row, SIGNATURE_LABEL + ":")
    canvas.setLineWidth(0.5)
    canvas.line(x, row - 50, size[0] - 40, row - 50)
    return (x, row - 70, size[0] - 40, row - 12), {}


def _lines(canvas: Canvas, size: tuple[float, float], title: str, values: dict[str, str], seed: int,
           _: str) -> tuple[Rect, dict[str, str]]:
    words = WORDS["lines"]
    canvas.setFont("Times-Bold", 14)
    canvas.drawString(60, size[1] - 70, title)
    names = ["org_name", "org_code", *PU_FIELDS, *SIG_FIELDS]
    random.Random(seed).shuffle(names)
    y = size[1] - 110
    canvas.setFont("Times-Roman", 11)
    for name in names:
        canvas.drawString(60, y, f"{words[name]}:   {values[name]}")
        y -= 20
    y -= 20
    canvas.drawString(60, y, SIGNATURE_LABEL + ":")
    label_end = 60 + canvas.stringWidth(SIGNATURE_LABEL + ":", "Times-Roman", 11)
    return (label_end + 10, y - 30, label_end + 230, y + 30), {}


RETYPED_ROWS = (("1. Organisation", ("org_name", "org_code")),
                ("2. Person to become Primary User", (*PU_FIELDS, "pu_replaces")),
                ("3. Authorised signatory", SIG_FIELDS))
RETYPED_WORDS = {**WORDS["fillable"], "pu_replaces": "Primary User to replace (email)"}


def _retyped(canvas: Canvas, size: tuple[float, float], title: str, values: dict[str, str], seed: int,
             _: str) -> tuple[Rect, dict[str, str]]:
    """Rows every 27 points, 63 between the last row of a section and the first of the next (its heading
    between): the printed form's rhythm, each row retyped as `Label: value` from the left margin."""
    canvas.setFont("Helvetica-Bold", 15)
    canvas.drawString(48, size[1] - 104, title)
    y = 618.5
    for heading, names in RETYPED_ROWS:
        canvas.setFont("Helvetica-Bold", 10.5)
        canvas.drawString(48, y + 24, heading)
        for name in names:
            canvas.setFont("Helvetica-Bold", 11)
            label = f"{RETYPED_WORDS[name]}: "
            canvas.drawString(48, y, label)
            canvas.setFont("Helvetica", 12)
            canvas.drawString(48 + canvas.stringWidth(label, "Helvetica-Bold", 11), y, values.get(name, ""))
            y -= 27
        y -= 36
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(48, y, SIGNATURE_LABEL)
    return (236.0, y - 100, size[0] - 48, y + 12), {}


FILLABLE_ORDER = ("org_name", "org_code", *PU_FIELDS, *SIG_FIELDS)
CAMEL = {"org_name": "OrganisationName", "org_code": "ODSCode", "pu_full_name": "PrimaryUserName",
         "pu_job_title": "JobTitle", "pu_email": "PrimaryUserEmail", "pu_phone": "Telephone",
         "pu_request": "RequestType", "sig_full_name": "SignatoryName", "sig_role": "SignatoryRole",
         "sig_email": "SignatoryEmail", "sig_date": "DateSigned"}


def _fillable_page(canvas: Canvas, size: tuple[float, float], title: str, values: dict[str, str], seed: int,
                   naming: str) -> tuple[Rect, dict[str, str]]:
    """Labels left, fields right; the signature box at the top right of the page, beside the title."""
    words = WORDS["fillable"]
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawString(40, size[1] - 60, title)
    y = size[1] - 170
    names: dict[str, str] = {}
    for i, name in enumerate(FILLABLE_ORDER):
        canvas.setFont("Helvetica", 9)
        canvas.drawString(40, y + 5, words[name])
        theirs = CAMEL[name] if naming == "names" else f"Text{i + 1}"
        names[name] = theirs
        canvas.acroForm.textfield(name=theirs, tooltip=words[name] if naming == "tooltips" else "", x=230, y=y,
                                  width=300, height=18, borderWidth=0.5, fontName="Helvetica", fontSize=10,
                                  forceBorder=True)
        y -= 30
    canvas.setFont("Helvetica", 8)
    canvas.drawString(size[0] - 230, size[1] - 92, SIGNATURE_LABEL)
    return (size[0] - 230, size[1] - 150, size[0] - 40, size[1] - 96), names


def _with_signature_field(pdf: bytes, box: Rect, page_index: int) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    page = writer.pages[page_index]
    widget = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Sig"), NameObject("/T"): TextStringObject("Signature1"),
        NameObject("/Rect"): ArrayObject(FloatObject(v) for v in box), NameObject("/F"): NumberObject(4),
        NameObject("/P"): page.indirect_reference,
    })
    ref = writer._add_object(widget)
    if "/Annots" not in page:
        page[NameObject("/Annots")] = ArrayObject()
    page["/Annots"].append(ref)  # type: ignore[union-attr]
    writer._root_object["/AcroForm"][NameObject("/Fields")].append(ref)  # type: ignore[index]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _filled(pdf: bytes, values: dict[str, str]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.update_page_form_field_values(writer.pages[0], values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
