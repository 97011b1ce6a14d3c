"""A fillable form made by another tool: its text fields are named as that tool or its author chose ("Text1",
"OrganisationName", "txtODSCode", "Signatory.Email"). Each is matched to a field of ours by its name or its
tooltip (/TU, often the printed label), read as a label is (label_wordings.py); failing that, by where it sits
beside a printed label on page 1. Only where the match is unambiguous: two of their fields for one of ours, and
neither is taken."""

from __future__ import annotations

import re
from collections.abc import Sequence

from parsers.forms.acroform import Widget
from parsers.forms.label_wordings import EXACT, GENERIC, letters, match_wording
from parsers.forms.labelled_words import FoundLabel
from parsers.forms.page_view import Box, PageView

# What tools and authors put around a field's name ("txtOrgName", "org_name_field").
NAME_AFFIXES = re.compile(r"^(txt|text|fld|field|tf|tb|frm|form)|(field|box|text|txt|fld|input)$")
# A field's box is beside its label when it starts this close right of it (points), or this many label heights
# below it.
RIGHT_OF = 260.0
BELOW = 3.0


def _name_words(name: str) -> str:
    """A field name as words: "txtOrganisationName_2" -> "txt Organisation Name"."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    return re.sub(r"[^A-Za-z]+", " ", spaced).strip()


def _field_for(text: str, in_signatory_section: bool) -> str | None:
    key = letters(text)
    stripped = NAME_AFFIXES.sub("", key)
    for candidate in dict.fromkeys((key, stripped)):
        wording = match_wording(candidate)
        if wording is None:
            continue
        if wording in GENERIC:
            outside, inside = GENERIC[wording]
            return inside if in_signatory_section else outside
        return EXACT[wording]
    return None


def match_by_name(text_widgets: Sequence[Widget]) -> dict[str, Widget]:
    """Our field name -> their text field, by the tooltip, else the last part of the name (the parts before it
    say the section: "Signatory.Email")."""
    claims: dict[str, list[Widget]] = {}
    for widget in text_widgets:
        parts = widget.name.split(".")
        signatory = "signator" in letters(" ".join(parts[:-1]) + " " + widget.tooltip)
        ours = _field_for(widget.tooltip, signatory) if widget.tooltip else None
        ours = ours or _field_for(_name_words(parts[-1]), signatory or "signator" in letters(parts[-1]))
        if ours is not None:
            claims.setdefault(ours, []).append(widget)
    return {ours: found[0] for ours, found in claims.items() if len({w.name for w in found}) == 1}


def match_by_position(text_widgets: Sequence[Widget], labels: Sequence[FoundLabel], view: PageView) -> dict[
        str, Widget]:
    """Our field name -> the text field on page 1 just right of its printed label (on its line), or just below it."""
    claims: dict[str, list[Widget]] = {}
    for label in labels:
        if label.field is None or label.signature:
            continue
        best: tuple[float, Widget] | None = None
        for widget in text_widgets:
            if widget.page != 0:
                continue
            distance = _beside(label.box, view.box(widget.rect))
            if distance is not None and (best is None or distance < best[0]):
                best = (distance, widget)
        if best is not None:
            claims.setdefault(label.field, []).append(best[1])
    taken: dict[str, int] = {}
    for found in claims.values():
        for widget in {w.name: w for w in found}.values():
            taken[widget.name] = taken.get(widget.name, 0) + 1
    return {ours: found[0] for ours, found in claims.items()
            if len({w.name for w in found}) == 1 and taken[found[0].name] == 1}


def _beside(label: Box, field: Box) -> float | None:
    """How far FIELD is from LABEL when it is right of it on its line or just below it; else None."""
    height = label[3] - label[1]
    centre = (label[1] + label[3]) / 2
    if field[1] <= centre <= field[3] and label[2] - height <= field[0] <= label[2] + RIGHT_OF:
        return field[0] - label[2]
    if label[3] - height / 2 <= field[1] <= label[3] + BELOW * height and field[0] <= label[2] and \
            field[2] >= label[0]:
        return field[1] - label[3]
    return None
