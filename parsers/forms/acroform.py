"""Opening an untrusted PDF with pypdf under tight limits, and reading its AcroForm field values.

pypdf raises plain Python exceptions on hostile input (TypeError, RecursionError, KeyError...), not only its own:
the caller (reading.py) turns any exception into an unreadable form."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject

from parsers.forms.options import PdfLimits as PdfLimits  # defined with the other reading options

MB = 1_000_000


@contextmanager
def tightened(limits: PdfLimits) -> Iterator[None]:
    with apply_configuration(
        maximum_declared_stream_length=limits.stream_bytes,
        array_based_stream_maximum_output_length=limits.stream_bytes,
        zlib_maximum_output_length=limits.stream_bytes,
        lzw_maximum_output_length=limits.stream_bytes,
        run_length_maximum_output_length=limits.stream_bytes,
        brotli_maximum_output_length=limits.stream_bytes,
        jbig2_maximum_output_length=limits.stream_bytes,
        image_maximum_buffer_size=limits.stream_bytes,
        zlib_maximum_recovery_input_length=limits.stream_bytes,
        stream_decoding_work_maximum_length=limits.decoding_work_bytes,
        xfa_decoding_work_maximum_length=limits.decoding_work_bytes,
        stream_filters_maximum_length=4,
        array_maximum_element_count=20_000,
        dictionary_maximum_element_count=20_000,
        page_tree_maximum_entries=limits.page_tree_entries,
        page_tree_maximum_depth=20,
        page_tree_maximum_page_entries=limits.page_tree_entries,
        form_fields_maximum_entries=limits.form_fields,
        form_fields_maximum_depth=20,
        outline_maximum_entries=1_000,
        outline_maximum_depth=20,
        named_destinations_maximum_entries=1_000,
        named_destinations_maximum_depth=20,
        xform_maximum_invocations_per_extraction=200,
        xmp_maximum_input_length=MB,
    ):
        yield


class PasswordProtected(Exception):
    """The PDF needs a password we do not have (an empty user password is tried first)."""


def open_pdf(pdf: bytes) -> PdfReader:
    """A reader over PDF, decrypted when the user password is empty; PasswordProtected otherwise."""
    reader = PdfReader(io.BytesIO(pdf), strict=False, root_object_recovery_limit=2_000,
                       xref_stream_maximum_entries=100_000)
    if reader.is_encrypted and not reader.decrypt(""):
        raise PasswordProtected("the PDF is protected by a password")
    return reader


# What pypdf's get_fields gave: the fields by full name, None (no AcroForm), or the exception it raised. Read once
# for both questions below: walking /Fields again parsed and built every field twice (a third of a millisecond of a
# form's 16).
FormFields = dict[str, Any] | None | Exception


def form_fields(reader: PdfReader) -> FormFields:
    """reader.get_fields(), or the exception it raised (any: hostile input; pypdf's limits and recursion excepted,
    which stop the read)."""
    try:
        return reader.get_fields()
    except (LimitReachedError, RecursionError):
        raise
    except Exception as error:
        return error


def field_values(fields: FormFields) -> dict[str, str] | None:
    """Every text field's value by its full name; None when the PDF has no AcroForm fields at all."""
    if isinstance(fields, Exception):
        raise fields
    if not fields:
        return None
    values: dict[str, str] = {}
    for name, field in fields.items():
        if field.get("/FT") != "/Tx":
            continue
        value = field.get("/V")
        values[str(name)] = "" if value is None else str(value)
    return values


def signature_field_signed(fields: FormFields) -> bool:
    """Whether any /Sig field carries a value (a digital signature dictionary)."""
    if isinstance(fields, Exception):
        raise fields
    for field in (fields or {}).values():
        if field.get("/FT") == "/Sig" and isinstance(_resolved(field.get("/V")), DictionaryObject):
            return True
    return False


def _resolved(value: object) -> object:
    get_object = getattr(value, "get_object", None)
    return get_object() if callable(get_object) else value


@dataclass(frozen=True)
class Widget:
    """A form field's widget: where a fillable field is drawn on which page."""

    name: str  # the field's full name ("a.b.c")
    field_type: str  # "/Tx", "/Sig", "/Btn", "/Ch" or ""
    tooltip: str  # /TU, what a viewer shows on hover (often the printed label)
    page: int  # 0 = page 1
    rect: tuple[float, float, float, float]  # user space: left, bottom, right, top
    value: str = ""


MAX_WIDGET_PAGES = 4
MAX_WIDGETS = 500
MAX_FIELD_DEPTH = 20


def widgets(reader: PdfReader, max_pages: int = MAX_WIDGET_PAGES) -> list[Widget]:
    """The field widgets on the first MAX_PAGES pages, with what they inherit from their fields."""
    found: list[Widget] = []
    for page_no, page in enumerate(reader.pages[:max_pages]):
        annots = _resolved(page.get("/Annots"))
        if not isinstance(annots, ArrayObject):
            continue
        for ref in annots[:MAX_WIDGETS]:
            annot = _resolved(ref)
            if not isinstance(annot, DictionaryObject) or annot.get("/Subtype") != "/Widget":
                continue
            rect = _resolved(annot.get("/Rect"))
            if not isinstance(rect, ArrayObject) or len(rect) != 4:
                continue
            x0, y0, x1, y1 = (float(_resolved(v)) for v in rect)  # type: ignore[arg-type]
            names, field_type, tooltip, value = _inherited(annot)
            found.append(Widget(".".join(reversed(names)), field_type, tooltip, page_no,
                                (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), value))
    return found


def _inherited(annot: DictionaryObject) -> tuple[list[str], str, str, str]:
    names: list[str] = []
    field_type = tooltip = value = ""
    node: object = annot
    for _ in range(MAX_FIELD_DEPTH):
        if not isinstance(node, DictionaryObject):
            break
        if "/T" in node:
            names.append(str(node["/T"]))
        field_type = field_type or str(node.get("/FT", "") or "")
        tooltip = tooltip or str(node.get("/TU", "") or "")
        if not value and node.get("/V") is not None and not isinstance(_resolved(node.get("/V")), DictionaryObject):
            value = str(_resolved(node.get("/V")))
        node = _resolved(node.get("/Parent"))
    return names, field_type, tooltip, value
