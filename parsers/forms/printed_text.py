"""Reading a flattened or printed form from its page text (PDFium): first the text inside each field's box of our
own template, when the page is laid out as our form (perhaps scaled and moved, as "fit to page" printing onto other
paper does: two printed labels tell where); otherwise `Label: value` lines anywhere on the page, in any order,
labels matched on their letters alone."""

from __future__ import annotations

import re

import pypdfium2 as pdfium

from parsers.form_template import LABELS, FormTemplate, Placement

# The wordings that introduce each field on printed forms, ours and what people retype.
WORDINGS: dict[str, tuple[str, ...]] = {
    "org_name": (LABELS["org_name"], "Organization name", "Organisation", "Practice name"),
    "org_code": (LABELS["org_code"], "Organisation code", "Organization code", "ODS code", "ODS", "Practice code"),
    "pu_full_name": (LABELS["pu_full_name"], "Name", "Primary User full name", "Primary User name"),
    "pu_job_title": (LABELS["pu_job_title"], "Job role", "Position"),
    "pu_email": (LABELS["pu_email"], "Email address", "Primary User email"),
    "pu_phone": (LABELS["pu_phone"], "Telephone number", "Phone", "Phone number", "Tel"),
    "pu_request": (LABELS["pu_request"], "Request", "Request type"),
    "pu_replaces": (LABELS["pu_replaces"], "Primary User to replace", "Replaces", "Replacing"),
    "sig_full_name": (LABELS["sig_full_name"], "Signatory name"),
    "sig_role": (LABELS["sig_role"], "Role of signatory"),
    "sig_email": (LABELS["sig_email"], "Signatory email address"),
    "sig_date": (LABELS["sig_date"], "Date signed"),
    "sig_typed": ("Typed signature", "Signature", "Signature of authorised signatory"),
}
_BY_LETTERS = {re.sub(r"[^a-z]", "", w.lower()): name for name, ws in WORDINGS.items() for w in ws}
# Fewer labels than this in their places means the page is not laid out as our form (printed by another tool).
LAYOUT_QUORUM = 0.75
# Two labels far apart, each printed once on the form: where they are on a page tells how the page shows our form.
ANCHORS = ("org_name", "sig_email")
# A placement this close to our own is our own (glyph side bearings move a label's ink by a fraction of a point).
NEAR_IDENTITY = (0.01, 2.0)


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def find_placement(textpage: pdfium.PdfTextPage, template: FormTemplate) -> Placement:
    """How the page shows TEMPLATE, from where two of its labels are printed; our own placement when they are not
    found (the layout check then decides)."""
    seen = []
    for name in ANCHORS:
        field = template.field(name)
        searcher = textpage.search(field.label, match_case=True)
        occurrence = searcher.get_next()
        if occurrence is None:
            return Placement()
        left, bottom, _, _ = textpage.get_charbox(occurrence[0])
        seen.append((field.label_origin, (left, bottom)))
    ((x1, y1), (px1, py1)), ((_, y2), (_, py2)) = seen
    scale = (py1 - py2) / (y1 - y2)
    if not 0.3 <= scale <= 3:
        return Placement()
    placement = Placement(scale, px1 - scale * x1, py1 - scale * y1)
    scale_slack, shift_slack = NEAR_IDENTITY
    if abs(scale - 1) < scale_slack and abs(placement.dx) < shift_slack and abs(placement.dy) < shift_slack:
        return Placement()
    return placement


def layout_matches(textpage: pdfium.PdfTextPage, template: FormTemplate) -> bool:
    """Whether most printed labels sit just left of their field boxes, as on our own form."""
    in_place = 0
    for field in template.fields:
        if field.name not in LABELS:
            continue
        left, bottom, _, top = field.rect
        printed = textpage.get_text_bounded(template.label_left - 6, bottom - 1, left - 2, top + 1)
        if _letters(printed).startswith(_letters(field.label)):
            in_place += 1
    return in_place >= LAYOUT_QUORUM * len(LABELS)


def values_in_boxes(textpage: pdfium.PdfTextPage, template: FormTemplate) -> dict[str, str]:
    """The text inside each field's box (a small inset keeps neighbouring rows out)."""
    values: dict[str, str] = {}
    for field in template.fields:
        left, bottom, right, top = field.rect
        text = textpage.get_text_bounded(left + 1, bottom + 2, right - 1, top - 2)
        values[field.name] = " ".join(text.split())
    return values


def values_from_labels(text: str) -> dict[str, str]:
    """`Label: value` lines anywhere in TEXT; the first value found for each field wins."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        if not sep:
            continue
        name = _BY_LETTERS.get(_letters(label))
        if name and name not in values and value.strip():
            values[name] = " ".join(value.split())
    return values
