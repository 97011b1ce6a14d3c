"""Filling a blank published form's text fields, as a person's PDF viewer would (used by the tests, the demo and
the benchmarks); optionally flattened, as "print to PDF" leaves it: the values become page text and the fields go."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject


def fill_form(blank: bytes, values: dict[str, str], flatten: bool = False) -> bytes:
    """BLANK with the named text fields set to VALUES (unknown names raise KeyError); flattened on request."""
    reader = PdfReader(io.BytesIO(blank))
    unknown = set(values) - set(reader.get_fields() or {})
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    writer = PdfWriter(clone_from=reader)
    writer.update_page_form_field_values(writer.pages[0], dict(values), auto_regenerate=False, flatten=flatten)
    if flatten:
        for page in writer.pages:
            if "/Annots" in page:
                del page[NameObject("/Annots")]
        del writer._root_object[NameObject("/AcroForm")]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
