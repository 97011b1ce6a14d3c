"""What reading one PDF attachment as a Primary User request form found: plain, immutable, picklable (it comes back
from the sandbox's child process)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from parsers.forms.labelled_words import ReadValue
from parsers.forms.word_lines import Box


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
    digital_validated_at: str = ""  # the moment (ISO 8601) a digital signature was validated as at; "" for none
    mark_over_box: bool = False
    mark_how: str = ""  # "ink" / "image" / "stamp" / "digital" (an intact digital signature) / ""
    # Some ink in the box, less than a clear signature (a scan or photo read by OCR): not signed, not unsigned,
    # for staff to look at (rules.form_signature makes it "unsure", the checks form.uncertain).
    mark_unsure: bool = False
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


def reading_as_data(reading: FormReading) -> dict[str, Any]:
    """READING as JSON-ready data: what a sandbox child sends back (never a pickle, which its parent would have to
    trust), read again by reading_from_data."""
    data = {f: getattr(reading, f) for f in FormReading.__dataclass_fields__}
    data["field_reads"] = {name: {"value": r.value, "how": r.how, "confidence": r.confidence,
                                  "label_box": r.label_box, "value_box": r.value_box, "unsure": r.unsure}
                           for name, r in reading.field_reads.items()}
    return data


class BadReading(ValueError):
    """Data that is not a form reading (a child that was taken over, or broke)."""


def _of(value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
        raise BadReading(f"{what} is not {kind}")
    return value


def _text(value: Any, what: str) -> str:
    return str(_of(value, str, what))


def _number(value: Any, what: str) -> float:
    return float(_of(value, (int, float), what))


def _box(value: Any, what: str) -> Box | None:
    if value is None:
        return None
    items = _of(value, (list, tuple), what)
    if len(items) != 4:
        raise BadReading(f"{what} is not a box")
    x0, y0, x1, y1 = (_number(v, what) for v in items)
    return (x0, y0, x1, y1)


def _texts(value: Any, what: str) -> dict[str, str]:
    return {_text(k, what): _text(v, what) for k, v in _of(value, dict, what).items()}


def reading_from_data(data: Any) -> FormReading:
    """The FormReading DATA describes, every value's type checked; BadReading when it is anything else."""
    d = _of(data, dict, "the reading")
    if set(d) != set(FormReading.__dataclass_fields__):
        raise BadReading("the reading has other fields than a FormReading")
    reads = {}
    for name, r in _of(d["field_reads"], dict, "field_reads").items():
        r = _of(r, dict, "a field read")
        confidence = r.get("confidence")
        reads[_text(name, "a field name")] = ReadValue(
            value=_text(r.get("value"), "a value"), how=_text(r.get("how"), "how"),
            confidence=None if confidence is None else _number(confidence, "confidence"),
            label_box=_box(r.get("label_box"), "label_box"), value_box=_box(r.get("value_box"), "value_box"),
            unsure=bool(_of(r.get("unsure"), bool, "unsure")))
    size = d["page_size"]
    if size is not None:
        size = _of(size, (list, tuple), "page_size")
        if len(size) != 2:
            raise BadReading("page_size is not a width and a height")
        size = (_number(size[0], "page_size"), _number(size[1], "page_size"))
    return FormReading(
        status=_text(d["status"], "status"),
        form_type=None if d["form_type"] is None else _text(d["form_type"], "form_type"),
        fields=_texts(d["fields"], "fields"), method=_text(d["method"], "method"),
        digital=_text(d["digital"], "digital"),
        digital_validated_at=_text(d["digital_validated_at"], "digital_validated_at"),
        mark_over_box=bool(_of(d["mark_over_box"], bool, "mark_over_box")),
        mark_how=_text(d["mark_how"], "mark_how"), mark_unsure=bool(_of(d["mark_unsure"], bool, "mark_unsure")),
        typed_name=_text(d["typed_name"], "typed_name"),
        box_ink_ratio=_number(d["box_ink_ratio"], "box_ink_ratio"),
        problems=tuple(_text(p, "a problem") for p in _of(d["problems"], (list, tuple), "problems")),
        field_reads=reads, signature_page=int(_of(d["signature_page"], int, "signature_page")),
        signature_box=_box(d["signature_box"], "signature_box"),
        signature_box_from=_text(d["signature_box_from"], "signature_box_from"), page_size=size,
        page_turn=int(_of(d["page_turn"], int, "page_turn")))
