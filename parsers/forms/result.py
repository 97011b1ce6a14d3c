"""What reading one PDF attachment as a Primary User request form found: plain, immutable, picklable (it comes back
from the sandbox's child process)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from parsers.forms.labelled_words import Box, ReadValue


@dataclass(frozen=True)
class FormReading:
    # "read": the form was found and its fields read (a digitally signed file changed later is still "read", with
    # digital="altered": is_signed makes that "altered", and the checks form.altered). "unreadable": a person must
    # look (encrypted, corrupt, a scan, over a limit). "not_a_form": a readable PDF that is not one of the forms.
    # ("altered" is never a status: the shell treats every status but "read" as unreadable.)
    status: str
    form_type: str | None = None  # "gp_practice" / "other": the form_type field's values (SPEC 9)
    fields: dict[str, str] = field(default_factory=dict)  # SPEC 9 field names, normalised values
    method: str = "none"  # "acroform" / "printed_text" / "none"
    digital: str = "none"  # "none" / "intact" / "altered"
    mark_over_box: bool = False
    mark_how: str = ""  # "ink" / "image" / "stamp" / "digital" (an intact digital signature) / ""
    typed_name: str = ""
    box_ink_ratio: float = 0.0
    problems: tuple[str, ...] = ()
    # How each field was read, for staff (SPEC 9 names; fields with no label or form field found are absent):
    # how ("acroform" / "printed_text" / "ocr"), OCR confidence, and where the label and the value are.
    field_reads: dict[str, ReadValue] = field(default_factory=dict)
    # Where the signature box was found: on which page (0 = page 1), where on it (reading coordinates: points,
    # origin top-left, y downwards, text upright), and from what ("widget": the /Sig field's rectangle; "label":
    # the printed label; "template": our form's position, placed as the labels show the page; "" not looked for).
    signature_page: int = 0
    signature_box: Box | None = None
    signature_box_from: str = ""
    page_size: tuple[float, float] | None = None  # that page's width and height as read (points)
    # Degrees to turn PDFium's rendering of that page clockwise to see it as read (a page turned by /Rotate).
    page_turn: int = 0

    @property
    def unsure_fields(self) -> tuple[str, ...]:
        """Fields whose value OCR was not sure of: left empty for staff to read, never guessed."""
        return tuple(name for name, read in self.field_reads.items() if read.unsure)

    def how_read(self) -> dict[str, Any]:
        """How each field was read and where the signature box was found, as JSON-ready data for the case (what
        staff see beside the values): {"fields": {name: {"how", "confidence", "label_box", "value_box",
        "unsure"}}, "signature_box": {"page", "box", "from", "page_size", "page_turn"} or None}."""
        fields = {name: {"how": read.how, "confidence": read.confidence, "unsure": read.unsure,
                         "label_box": list(read.label_box) if read.label_box else None,
                         "value_box": list(read.value_box) if read.value_box else None}
                  for name, read in self.field_reads.items()}
        box = None if self.signature_box is None else {
            "page": self.signature_page, "box": list(self.signature_box), "from": self.signature_box_from,
            "page_size": list(self.page_size) if self.page_size else None, "page_turn": self.page_turn}
        return {"fields": fields, "signature_box": box}


def unreadable(problem: str) -> FormReading:
    return FormReading(status="unreadable", problems=(problem,))
