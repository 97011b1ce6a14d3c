"""read_form: one PDF attachment to a FormReading, in this order of attempts: AcroForm field values; the printed
text in each field's box of our template; `Label: value` lines; and then the signature marks. Pure: bytes in,
data out. It still parses hostile input, so the shell runs it in a child process (mailbot/sandbox.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pypdfium2 as pdfium
from pypdf import PdfReader
from pypdf.errors import LimitReachedError

from parsers.form_template import FIELD_NAMES, TEMPLATES, FormTemplate, template_for
from parsers.forms.acroform import (
    PasswordProtected,
    PdfLimits,
    field_values,
    open_pdf,
    signature_field_signed,
    tightened,
)
from parsers.forms.digital_signature import DigitalSignature, check_digital_signature
from parsers.forms.marks import find_marks
from parsers.forms.normalise import normalise_fields, normalise_value
from parsers.forms.pdf_safety import TooLarge, check_page
from parsers.forms.printed_text import find_placement, layout_matches, values_from_labels, values_in_boxes
from parsers.forms.result import FormReading, unreadable

NOT_A_FORM = "not one of the published Primary User request forms"
MEMORY_PROBLEM = "the PDF needs more memory to read than a form should"


@dataclass(frozen=True)
class FormReadOptions:
    ink_threshold: float = 0.01  # share of dark pixels in the signature box that counts as a signature
    render_scale: float = 2.0  # pixels per point when the box is drawn
    max_image_pixels: int = 25_000_000
    limits: PdfLimits = field(default_factory=PdfLimits)


def read_form(pdf: bytes, options: FormReadOptions | None = None) -> FormReading:
    """What PDF holds as a published form; never raises: anything hostile or broken is "unreadable"."""
    options = options or FormReadOptions()
    try:
        with tightened(options.limits):
            return _read(pdf, options)
    except PasswordProtected:
        return unreadable("the PDF is protected by a password: it must be sent without one")
    except TooLarge as error:
        return unreadable(f"the PDF is too large to read safely ({error})")
    except LimitReachedError:
        return unreadable("the PDF is too large or too complex to read safely (a limit on decompressing it was hit)")
    except MemoryError:
        return unreadable(MEMORY_PROBLEM)
    except RecursionError:
        return unreadable("the PDF is damaged: its structure loops back on itself")
    except Exception as error:  # hostile input makes the libraries raise anything at all
        return unreadable(f"the PDF is damaged and could not be read ({type(error).__name__})")


def _read(pdf: bytes, options: FormReadOptions) -> FormReading:
    if b"%PDF-" not in pdf[:1024]:
        return unreadable("not a PDF file")
    if b"%%EOF" not in pdf[-2048:]:
        return unreadable("the PDF is incomplete: it ends early (cut short when it was saved or sent?)")
    reader = open_pdf(pdf)
    if len(reader.pages) == 0:
        return unreadable("the PDF has no pages")
    page = reader.pages[0]
    check_page(page, options.max_image_pixels)
    acro = _acroform_values(reader)
    document = pdfium.PdfDocument(pdf)
    try:
        pdfium_page = document[0]
        textpage = pdfium_page.get_textpage()
        text = textpage.get_text_range()
        form_type = _form_type(acro, text)
        ours = acro is not None and sum(name in acro for name in FIELD_NAMES) >= len(FIELD_NAMES) // 2
        if form_type is None and not ours:
            if not text.strip():
                return unreadable("a scanned image with no text in it: a person must read it")
            return FormReading(status="not_a_form", problems=(NOT_A_FORM,))
        template = template_for(form_type or "other")  # both forms share one layout
        template = template.placed(find_placement(textpage, template))
        laid_out = layout_matches(textpage, template)
        values, method = _values(acro, textpage, text, template, laid_out)
        if not any(values.values()) and acro is None:
            return unreadable("no field values could be read from the form (a scan?): a person must read it")
        digital = _digital_signature(pdf, reader)
        if digital is None:
            return unreadable("the digital signature on the form is damaged and could not be checked")
        marks = find_marks(page, pdfium_page, template.signature_box,
                           template.drawing_area if laid_out else None, method == "printed_text",
                           options.ink_threshold, options.render_scale)
    finally:
        document.close()
    fields = normalise_fields({name: values.get(name, "") for name in FIELD_NAMES})
    how = "digital" if digital.state == "intact" else marks.how
    return FormReading(status="read", form_type=form_type, fields=fields, method=method, digital=digital.state,
                       mark_over_box=marks.over_box, mark_how=how,
                       typed_name=fields["sig_typed"] or normalise_value("sig_typed", marks.typed_text),
                       box_ink_ratio=marks.ink_ratio, problems=digital.problems)


def _digital_signature(pdf: bytes, reader: PdfReader) -> DigitalSignature | None:
    """The digital signature's state; None when there is one but it cannot even be checked."""
    if not signature_field_signed(reader):
        return DigitalSignature("none")
    try:
        return check_digital_signature(pdf)
    except (MemoryError, RecursionError):
        raise
    except Exception:
        return None


def _acroform_values(reader: PdfReader) -> dict[str, str] | None:
    try:
        return field_values(reader)
    except (LimitReachedError, RecursionError):
        raise
    except Exception:
        # A form flattened by some tools keeps /Fields pointing at deleted widgets: read its page text instead.
        return None


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _form_type(acro: dict[str, str] | None, text: str) -> str | None:
    declared = (acro or {}).get("form_type", "").strip()
    if declared in TEMPLATES:
        return declared
    letters = _letters(text)
    for form_type, template in TEMPLATES.items():
        if _letters(template.title) in letters:
            return form_type
    return None


def _values(acro: dict[str, str] | None, textpage: pdfium.PdfTextPage, text: str, template: FormTemplate,
            laid_out: bool) -> tuple[dict[str, str], str]:
    if acro is not None and any(acro.get(name, "").strip() for name in FIELD_NAMES):
        return acro, "acroform"
    printed = values_in_boxes(textpage, template) if laid_out else values_from_labels(text)
    if any(printed.values()):
        return printed, "printed_text"
    return (acro or {}), ("acroform" if acro is not None else "none")
