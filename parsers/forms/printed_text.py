"""Reading a flattened or printed form from its page text (PDFium): first the text inside each field's box of our
own template, when the page is laid out as our form; otherwise `Label: value` lines anywhere on the page, in any
order, labels matched on their letters alone."""

from __future__ import annotations

import re

import pypdfium2 as pdfium

from parsers.form_template import BOX_LEFT, LABELS, MARGIN_LEFT, FormTemplate

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


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def layout_matches(textpage: pdfium.PdfTextPage, template: FormTemplate) -> bool:
    """Whether most printed labels sit just left of their field boxes, as on our own form."""
    in_place = 0
    for field in template.fields:
        if field.name not in LABELS:
            continue
        _, bottom, _, top = field.rect
        printed = textpage.get_text_bounded(MARGIN_LEFT - 6, bottom - 1, BOX_LEFT - 2, top + 1)
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
