"""read_form: one PDF attachment to a FormReading. The values come from the AcroForm fields (ours by name;
another tool's matched by name, tooltip or place beside a printed label); else from the printed labels and the
values beside or under them, whatever the layout (labelled_words.py). The signature box is where the document puts
it (signature_box.py), and the marks over it are found there (marks.py). Pure: bytes in, data out. It still parses
hostile input, so the shell runs it in a child process (mailbot/processing/sandbox.py).

OCR (OpenCV, numpy, Tesseract) and signature validation (pyHanko) are imported only when a file needs them: they
double what a reader holds (some 40 MB more, and most of its start-up), and most forms are text with an ink mark. A
reader started without them (read_form's `lean`) raises NeedsFullReader where one of them is needed: the sandbox's
children cannot import late, once they are `nobody` under Landlock, so one started lean is replaced by one that
loaded everything, which reads the same file again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
from pypdf import PdfReader
from pypdf.errors import LimitReachedError

from parsers.form_template import FIELD_NAMES, TEMPLATES
from parsers.forms.acroform import (
    FormFields,
    PasswordProtected,
    Widget,
    field_values,
    form_fields,
    open_pdf,
    signature_field_signed,
    tightened,
    widgets,
)
from parsers.forms.digital_signature import DigitalSignature, check_digital_signature
from parsers.forms.foreign_fields import match_by_name, match_by_position
from parsers.forms.label_wordings import is_instruction, letters
from parsers.forms.labelled_words import (
    FoundLabel,
    ReadValue,
    form_type_in_lines,
    labels_in_lines,
    signature_label_of,
    values_of_labels,
)
from parsers.forms.layout_fit import Fit, fit_template
from parsers.forms.marks import Marks, find_marks, overlap
from parsers.forms.normalise import normalise_fields, normalise_value
from parsers.forms.options import MEMORY_PROBLEM as MEMORY_PROBLEM  # noqa: PLC0414 - still importable from here
from parsers.forms.options import FormReadOptions
from parsers.forms.page_objects import Drawn, PageObject, page_objects, placed
from parsers.forms.page_view import Box, PageView, page_view
from parsers.forms.page_words import page_words
from parsers.forms.pdf_safety import TooLarge, check_page
from parsers.forms.result import FormReading, unreadable
from parsers.forms.signature_box import OUR_FIELD, SignatureBox, box_from_label, signature_widget, template_box
from parsers.forms.word_lines import Word, lines_of

if TYPE_CHECKING:
    from parsers.forms.scan_image import PagePicture

NOT_A_FORM = "not one of the published Primary User request forms"
# A page without a title naming the form or our fields is still a form when this many of our fields' labels are
# printed on it and it speaks of a Primary User (another NHS form asks for names and emails too).
LABEL_QUORUM = 6


# A page of this many words with none of these in it says nothing readable (its fonts give no letters).
SAYS_NOTHING_MIN_WORDS = 12
COMMON_WORDS = frozenset({"the", "of", "and", "to", "a", "in", "for", "name", "date", "email", "form", "user",
                          "organisation", "organization", "primary", "signature", "please", "request"})
PICTURE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


class NeedsFullReader(Exception):  # noqa: N818 - not an error: a request for the other kind of reader
    """Reading this file needs OCR or signature validation, which a lean reader has not loaded."""


def read_form(pdf: bytes, options: FormReadOptions | None = None, *, lean: bool = False) -> FormReading:
    """What PDF holds as a published form; never raises: anything hostile or broken is "unreadable". A JPEG, PNG
    or TIFF picture (a scan or a photo of the form) is read by OCR. LEAN: raise NeedsFullReader rather than import
    OCR or signature validation (the only exception it raises)."""
    options = options or FormReadOptions()
    if pdf.startswith(PICTURE_MAGIC):
        _needs_full_reader(lean)
        return read_picture_form(pdf, options)
    try:
        with tightened(options.limits):
            return _read(pdf, options, lean)
    except NeedsFullReader:
        raise
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


class _Page:
    """One page as both libraries see it, with what is worked out from it kept for the next question."""

    def __init__(self, reader: PdfReader, document: pdfium.PdfDocument, index: int) -> None:
        self.index = index
        self.pypdf = reader.pages[index]
        self.pdfium = document[index]
        self.textpage = self.pdfium.get_textpage()

    @cached_property
    def view(self) -> PageView:
        return page_view(self.pdfium, self.textpage)

    @cached_property
    def words(self) -> list[Word]:
        return page_words(self.textpage, self.view)

    @cached_property
    def lines(self) -> list[list[Word]]:
        return lines_of(self.words)

    @cached_property
    def labels(self) -> list[FoundLabel]:
        return labels_in_lines(self.lines)

    @cached_property
    def objects(self) -> list[PageObject]:
        """Everything drawn, walked once for the kinds below."""
        return page_objects(self.pdfium)

    @cached_property
    def drawn(self) -> list[Drawn]:
        """Images and text: what marks over the box are told from (paths only where a box is looked for)."""
        return placed(self.objects, self.view, frozenset({"image", "text"}))

    @cached_property
    def paths(self) -> list[Drawn]:
        return placed(self.objects, self.view, frozenset({"path"}))

    @cached_property
    def fit(self) -> Fit | None:
        return fit_template(self.labels)


@dataclass(frozen=True)
class _Values:
    values: dict[str, str]
    reads: dict[str, ReadValue]
    method: str  # "acroform" / "printed_text" / "none"
    recognised: int  # how many of our fields were found (as form fields or printed labels)


def _needs_full_reader(lean: bool) -> None:
    if lean:
        raise NeedsFullReader


def _read(pdf: bytes, options: FormReadOptions, lean: bool = False) -> FormReading:
    if b"%PDF-" not in pdf[:1024]:
        return unreadable("not a PDF file")
    if b"%%EOF" not in pdf[-2048:]:
        return unreadable("the PDF is incomplete: it ends early (cut short when it was saved or sent?)")
    reader = open_pdf(pdf)
    if len(reader.pages) == 0:
        return unreadable("the PDF has no pages")
    check_page(reader.pages[0], options.max_image_pixels)
    fields = form_fields(reader)
    acro = _acroform_values(fields)
    found_widgets = _widgets(reader)
    document = pdfium.PdfDocument(pdf)
    try:
        first = _Page(reader, document, 0)
        read = _values(acro, found_widgets, first)
        form_type = _form_type(acro, first)
        # acro first: a filled form of ours never needs the page's words (2.5 ms of its 16 to work out).
        if acro is None and not first.words:
            _needs_full_reader(lean)
            return _read_scanned_pdf(document, options)
        if form_type is None and not (read.recognised >= LABEL_QUORUM and _mentions_primary_user(first)):
            if acro is None and _says_nothing(first):
                _needs_full_reader(lean)
                return _read_scanned_pdf(document, options)  # its fonts map no letters: read what they draw
            return FormReading(status="not_a_form", problems=(NOT_A_FORM,))
        if not any(read.values.values()) and acro is None:
            return unreadable("no field values could be read from the form (a scan?): a person must read it")
        pages = {0: first}

        def page_at(index: int) -> _Page:
            if index not in pages:
                check_page(reader.pages[index], options.max_image_pixels)
                pages[index] = _Page(reader, document, index)
            return pages[index]

        located = _signature_box(found_widgets, first, page_at)
        digital = _digital_signature(pdf, fields, located.field_name or OUR_FIELD, options.validation_time, lean)
        if digital is None:
            return unreadable("the digital signature on the form is damaged and could not be checked")
        page = page_at(located.page)
        marks = find_marks(page.pypdf, page.pdfium, page.view, located.box, page.drawn, options.ink_threshold,
                           options.render_scale)
        typed_in_box = _typed_in_box(first, located.box) if page is first and read.method == "printed_text" else ""
        page_size, turn = page.view.size, (page.view.reading_rotation - page.view.display_rotation) % 360
    finally:
        document.close()
    fields = normalise_fields({name: read.values.get(name, "") for name in FIELD_NAMES})
    return FormReading(
        status="read", form_type=form_type, fields=fields, method=read.method, digital=digital.state,
        mark_over_box=marks.over_box, mark_how="digital" if digital.state == "intact" else marks.how,
        typed_name=_typed_name(fields, marks, typed_in_box), box_ink_ratio=marks.ink_ratio,
        problems=digital.problems, digital_validated_at=_iso(digital.validated_at), field_reads=read.reads,
        signature_page=located.page,
        signature_box=_rounded(located.box), signature_box_from=located.source,
        page_size=(round(page_size[0], 2), round(page_size[1], 2)), page_turn=turn)


def read_picture_form(data: bytes, options: FormReadOptions) -> FormReading:
    """A form sent as a JPEG/PNG/TIFF picture (a TIFF may hold several pages), read by OCR."""
    from parsers.forms.scan_image import NotAPicture, decode_pictures, prepared
    from parsers.forms.scan_reading import read_scanned_form

    try:
        pictures = decode_pictures(data, options.max_image_pixels)
        return read_scanned_form(len(pictures), lambda i: prepared(*pictures[i]), options.ocr)
    except NotAPicture as error:
        return unreadable(str(error))
    except MemoryError:
        return unreadable(MEMORY_PROBLEM)
    except Exception as error:  # a hostile picture makes the decoders raise anything at all
        return unreadable(f"the picture could not be read ({type(error).__name__})")


def _read_scanned_pdf(document: pdfium.PdfDocument, options: FormReadOptions) -> FormReading:
    """A PDF of page images (a scanner's, without a text layer), its pages rendered and read by OCR."""
    from parsers.forms.scan_image import READ_DPI, prepared
    from parsers.forms.scan_reading import read_scanned_form

    def picture(index: int) -> PagePicture:
        page = document[index]
        width, height = page.get_size()
        scale = min(READ_DPI / 72, (options.max_image_pixels / max(width * height, 1.0)) ** 0.5)
        grey = page.render(scale=scale, grayscale=True).to_numpy()
        if grey.ndim == 3:
            grey = grey[:, :, 0]
        return prepared(grey.copy(), scale * 72)

    return read_scanned_form(len(document), picture, options.ocr)


def _rounded(box: Box) -> Box:
    return (round(box[0], 2), round(box[1], 2), round(box[2], 2), round(box[3], 2))


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def _typed_name(fields: dict[str, str], marks: Marks, typed_in_box: str) -> str:
    return fields["sig_typed"] or normalise_value("sig_typed", marks.typed_text or typed_in_box)


# --- values -------------------------------------------------------------------------------------------------------

def _values(acro: dict[str, str] | None, found_widgets: list[Widget], page: _Page) -> _Values:
    ours = acro is not None and sum(name in acro for name in FIELD_NAMES) >= len(FIELD_NAMES) // 2
    if ours and acro is not None:
        boxes = {w.name: page.view.box(w.rect) for w in found_widgets if w.page == 0}
        reads = {name: ReadValue(acro.get(name, ""), "acroform", None, None, boxes.get(name))
                 for name in FIELD_NAMES if name in acro}
        if any(acro.get(name, "").strip() for name in FIELD_NAMES):
            return _Values(acro, reads, "acroform", len(reads))
        printed = _printed(page)  # an empty fillable form of ours: printed values, if it was printed over
        if any(printed.values.values()):
            return printed
        return _Values(acro, reads, "acroform", len(reads))
    foreign = _foreign_values(acro or {}, found_widgets, page)
    printed = _printed(page)
    if foreign is None:
        return printed
    # Their fillable fields, and for fields of ours they have no field for, what is printed beside its label.
    values = {**{n: v for n, v in printed.values.items() if n not in foreign.values}, **foreign.values}
    reads = {**{n: r for n, r in printed.reads.items() if n not in foreign.values}, **foreign.reads}
    return _Values(values, reads, "acroform", len(reads))


def _printed(page: _Page) -> _Values:
    reads = values_of_labels(page.labels)
    values = {name: read.value for name, read in reads.items()}
    return _Values(values, reads, "printed_text" if any(values.values()) else "none", len(reads))


def _foreign_values(acro: dict[str, str], found_widgets: list[Widget], page: _Page) -> _Values | None:
    """Another tool's fillable fields that are ours, when any of them holds a value."""
    text_widgets = [w for w in found_widgets if w.field_type == "/Tx"]
    if not text_widgets:
        return None
    matched = match_by_name(text_widgets)
    used = {w.name for w in matched.values()}
    unmatched = [w for w in text_widgets if w.name not in used]
    if unmatched:
        labels = [label for label in page.labels if label.field not in matched]
        for name, widget in match_by_position(unmatched, labels, page.view).items():
            matched.setdefault(name, widget)
    values = {name: acro.get(w.name, w.value) for name, w in matched.items()}
    if not any(v.strip() for v in values.values()):
        return None
    label_boxes = {label.field: label.box for label in page.labels if label.field}
    reads = {name: ReadValue(values[name], "acroform", None, label_boxes.get(name),
                             page.view.box(w.rect) if w.page == 0 else None) for name, w in matched.items()}
    return _Values(values, reads, "acroform", len(reads))


def _acroform_values(fields: FormFields) -> dict[str, str] | None:
    try:
        return field_values(fields)
    except (LimitReachedError, RecursionError):
        raise
    except Exception:
        # A form flattened by some tools keeps /Fields pointing at deleted widgets: read its page text instead.
        return None


def _widgets(reader: PdfReader) -> list[Widget]:
    try:
        return widgets(reader)
    except (LimitReachedError, RecursionError):
        raise
    except Exception:
        return []


def _says_nothing(page: _Page) -> bool:
    """Whether the page's text is no language at all: glyph numbers, not letters, as a font without a ToUnicode
    map gives them (Chromium's, stripped: "2SHQ([HWHU"), or a Type3 font's glyphs named g1, g2... Any English a
    page says has a few of these short words."""
    found = {letters(w.text) for w in page.words}
    return len(page.words) >= SAYS_NOTHING_MIN_WORDS and not found & COMMON_WORDS


def _mentions_primary_user(page: _Page) -> bool:
    return any("primaryuser" in letters(" ".join(w.text for w in line)) for line in page.lines)


def _form_type(acro: dict[str, str] | None, page: _Page) -> str | None:
    declared = (acro or {}).get("form_type", "").strip()
    if declared in TEMPLATES:
        return declared
    return form_type_in_lines(page.lines)


# --- the signature box --------------------------------------------------------------------------------------------

def _signature_box(found_widgets: list[Widget], first: _Page, page_at: Callable[[int], _Page]) -> SignatureBox:
    widget = signature_widget(found_widgets)
    if widget is not None:
        return SignatureBox(widget.page, page_at(widget.page).view.box(widget.rect), "widget", widget.name)
    label = signature_label_of(first.labels)
    if label is not None:
        if first.fit is not None:
            return SignatureBox(0, template_box(first.fit, first.view.size), "label")
        return SignatureBox(0, box_from_label(label, first.words, first.paths, first.view.size), "label")
    return SignatureBox(0, template_box(first.fit, first.view.size), "template")


def _typed_in_box(page: _Page, box: Box) -> str:
    """Words printed inside the box that no label claims (a name typed there, then printed or flattened)."""
    claimed = [label.box for label in page.labels] + [w.box for label in page.labels for w in label.value_words]
    inside = [w for w in page.words
              if box[0] <= (w.x0 + w.x1) / 2 <= box[2] and box[1] <= w.cy <= box[3]
              and not any(overlap(w.box, b) for b in claimed)]
    text = " ".join(w.text for w in sorted(inside, key=lambda w: (round(w.cy), w.x0)))
    return "" if is_instruction(text) else text


def _digital_signature(pdf: bytes, fields: FormFields, field_name: str,
                       at: datetime | None, lean: bool = False) -> DigitalSignature | None:
    """The digital signature's state, validated as at AT; None when there is one but it cannot even be checked."""
    if not signature_field_signed(fields):
        return DigitalSignature("none")
    _needs_full_reader(lean)
    try:
        return check_digital_signature(pdf, field_name, at=at)
    except (MemoryError, RecursionError):
        raise
    except Exception:
        return None
