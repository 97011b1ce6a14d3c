"""Every way a form arrives, read in this process: the fields, how they were read, and the signature verdict."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from parsers.forms.reading import FormReadOptions, read_form
from parsers.forms.result import FormReading
from rules.form_signature import SignatureVerdict, is_signed
from tests.support import forms_fixtures as fx
from tests.support.forms_drawing import add_annotation, free_text_annotation, ink_annotation
from tests.support.forms_printed import (
    fitted_to_letter,
    printed_as_lines,
    reprinted_with_spaces,
    scanned_with_text_layer,
)

GOOD = fx.GOOD_VALUES
EXPECTED_FIELDS = {**GOOD, "sig_typed": ""}


@dataclass(frozen=True)
class Case:
    make: Callable[[], bytes]
    status: str
    verdict: str | None = None  # signed / unsigned / altered, for forms that were read
    method: str = ""
    how: str = ""
    form_type: str = "gp_practice"
    typed: str = ""


CASES: dict[str, Case] = {
    "filled, unsigned": Case(lambda: fx.filled_form("gp", GOOD), "read", "unsigned", "acroform"),
    "filled, typed name": Case(lambda: fx.filled_form("gp", GOOD, "typed"), "read", "signed", "acroform",
                               "typed name", typed="Dr Jo Lead"),
    "filled, ink annotation": Case(lambda: fx.filled_form("gp", GOOD, "ink"), "read", "signed", "acroform",
                                   "ink signature"),
    "filled, image drawn on the page": Case(lambda: fx.filled_form("gp", GOOD, "image"), "read", "signed",
                                            "acroform", "image of a signature"),
    "filled, stamp annotation": Case(lambda: fx.filled_form("gp", GOOD, "stamp"), "read", "signed", "acroform",
                                     "signature stamp"),
    "filled, digitally signed": Case(lambda: fx.filled_form("other", GOOD, "digital"), "read", "signed",
                                     "acroform", "digital signature", form_type="other"),
    "digitally signed in a new field on page 2": Case(
        lambda: fx.digitally_signed(fx.filled_form("gp", GOOD), on_page_2=True), "read", "unsigned", "acroform"),
    "digitally signed, then edited": Case(lambda: fx.edited_after_signing(fx.filled_form("gp", GOOD, "digital")),
                                          "read", "altered", "acroform",
                                          "digital signature, but the file was changed after signing"),
    "flattened, unsigned": Case(lambda: fx.filled_form("gp", GOOD, flatten=True), "read", "unsigned",
                                "printed_text"),
    "flattened, ink annotation": Case(lambda: fx.filled_form("gp", GOOD, "ink", flatten=True), "read", "signed",
                                      "printed_text", "ink signature"),
    "flattened, image": Case(lambda: fx.filled_form("other", GOOD, "image", flatten=True), "read", "signed",
                             "printed_text", "image of a signature", form_type="other"),
    "flattened, typed name": Case(lambda: fx.filled_form("gp", GOOD, "typed", flatten=True), "read", "signed",
                                  "printed_text", "typed name", typed="Dr Jo Lead"),
    "flattened, ink written into the page": Case(lambda: fx.with_drawn_ink(fx.filled_form("gp", GOOD, flatten=True)),
                                                 "read", "signed", "printed_text", "ink signature"),
    "flattened, stale /Fields left behind": Case(lambda: fx.flattened_leaving_stale_fields("gp", GOOD), "read",
                                                 "unsigned", "printed_text"),
    "ink annotation without an appearance stream": Case(
        lambda: add_annotation(fx.filled_form("gp", GOOD), 0, ink_annotation((300, 130, 480, 180), appearance=False)),
        "read", "signed", "acroform", "ink signature"),
    "ink on page 2 only": Case(lambda: fx.with_ink(fx.filled_form("gp", GOOD), page=1), "read", "unsigned",
                               "acroform"),
    "image on page 2 only": Case(lambda: fx.with_image(fx.filled_form("gp", GOOD), page=1), "read", "unsigned",
                                 "acroform"),
    "image outside the box": Case(lambda: fx.with_image(fx.filled_form("gp", GOOD), rect=(300, 640, 500, 700)),
                                  "read", "unsigned", "acroform"),
    "fillable form, image in the bottom third beside the box": Case(
        lambda: fx.with_image(fx.filled_form("gp", GOOD), rect=(50, 60, 200, 100)), "read", "unsigned", "acroform"),
    # SPEC 9: the box is where the label puts it on a flattened form too, not anywhere in the bottom third.
    "flattened, image in the bottom third beside the box": Case(
        lambda: fx.with_image(fx.filled_form("gp", GOOD, flatten=True), rect=(50, 60, 200, 100)), "read", "unsigned",
        "printed_text"),
    "flattened, image in the top half": Case(
        lambda: fx.with_image(fx.filled_form("gp", GOOD, flatten=True), rect=(300, 640, 500, 700)), "read",
        "unsigned", "printed_text"),
    "printed as label lines, unsigned": Case(lambda: printed_as_lines("other", GOOD), "read", "unsigned",
                                             "printed_text", form_type="other"),
    "printed as label lines, image signature": Case(lambda: printed_as_lines("gp", GOOD, signed_with_image=True),
                                                    "read", "signed", "printed_text", "image of a signature"),
    "reprinted with spaces in the values": Case(lambda: reprinted_with_spaces("gp", GOOD), "read", "unsigned",
                                                "printed_text"),
    "printed fit-to-page on Letter, unsigned": Case(
        lambda: fitted_to_letter(fx.filled_form("gp", GOOD, flatten=True)), "read", "unsigned", "printed_text"),
    "printed fit-to-page on Letter, ink in the box": Case(
        lambda: fitted_to_letter(fx.with_drawn_ink(fx.filled_form("gp", GOOD, flatten=True))), "read", "signed",
        "printed_text", "ink signature"),
    "printed at 80% on Letter, image signature": Case(
        lambda: fitted_to_letter(fx.filled_form("other", GOOD, "image", flatten=True), 0.8), "read", "signed",
        "printed_text", "image of a signature", form_type="other"),
    "encrypted, empty user password": Case(lambda: fx.encrypted(fx.filled_form("gp", GOOD, "ink"), ""), "read",
                                           "signed", "acroform", "ink signature"),
    "scan with an OCR text layer, ink signed": Case(
        lambda: scanned_with_text_layer(fx.scanned_page_png(fx.filled_form("gp", GOOD, "ink")), "gp", GOOD), "read",
        "signed", "printed_text", "ink signature"),
    "scan with an OCR text layer, unsigned": Case(
        lambda: scanned_with_text_layer(fx.scanned_page_png(fx.filled_form("gp", GOOD)), "gp", GOOD), "read",
        "unsigned", "printed_text"),
    "encrypted, real user password": Case(lambda: fx.encrypted(fx.filled_form("gp", GOOD), "s3cret"), "unreadable"),
    "truncated": Case(lambda: fx.truncated(fx.filled_form("gp", GOOD)), "unreadable"),
    "decompression bomb": Case(fx.decompression_bomb, "unreadable"),
    "circular xref and page tree": Case(fx.circular_xref, "unreadable"),
    "object loop": Case(fx.object_loop, "unreadable"),
    "giant image": Case(fx.huge_image, "unreadable"),
    "a signature field holding garbage": Case(lambda: fx.with_bogus_signature_value(fx.filled_form("gp", GOOD)),
                                              "unreadable"),
    "not a PDF": Case(lambda: b"GIF89a not a pdf at all", "unreadable"),
    "some other PDF": Case(fx.other_pdf, "not_a_form"),
}


@pytest.fixture(scope="module")
def readings() -> dict[str, FormReading]:
    return {name: read_form(case.make()) for name, case in CASES.items()}


@pytest.mark.parametrize("name", list(CASES))
def test_each_fixture_reads_as_expected(name: str, readings: dict[str, FormReading]) -> None:
    case, reading = CASES[name], readings[name]
    assert reading.status == case.status, reading.problems
    if case.status != "read":
        assert reading.problems and not reading.fields
        return
    assert reading.method == case.method
    assert reading.form_type == case.form_type
    expected = {**EXPECTED_FIELDS, "sig_typed": case.typed}
    if name == "digitally signed, then edited":
        expected["org_name"] = "Someone Else's Surgery"
    assert reading.fields == expected
    verdict = is_signed(reading, accept_typed=True, signatory_name=reading.fields["sig_full_name"])
    assert (verdict.verdict, verdict.how) == (case.verdict, case.how)


def test_an_image_only_scan_at_only_100_dpi_is_read_by_ocr_what_is_unsure_left_empty() -> None:
    # tests/forms/test_scans.py has the scans proper; this is the old fixture that used to be unreadable.
    reading = read_form(fx.image_only_scan(fx.filled_form("gp", GOOD, "ink", flatten=True)))
    assert (reading.status, reading.method, reading.mark_over_box) == ("read", "ocr", True)
    for name, value in reading.fields.items():
        assert value == EXPECTED_FIELDS[name] or (not value and (name in reading.unsure_fields
                                                                 or not EXPECTED_FIELDS[name])), name
    assert sum(bool(v) for v in reading.fields.values()) >= 7


def test_a_digital_signature_outside_the_box_is_noted(readings: dict[str, FormReading]) -> None:
    reading = readings["digitally signed in a new field on page 2"]
    assert reading.digital == "none"
    assert reading.problems == ("a digital signature in 'Signature1', not in the signature box",)


def test_unreadable_forms_say_why(readings: dict[str, FormReading]) -> None:
    assert "password" in readings["encrypted, real user password"].problems[0]
    assert "incomplete" in readings["truncated"].problems[0]
    assert "too large" in readings["decompression bomb"].problems[0]
    assert "too large" in readings["giant image"].problems[0]
    assert "not a PDF" in readings["not a PDF"].problems[0]


def test_the_altered_form_is_flagged_whatever_marks_it_carries(readings: dict[str, FormReading]) -> None:
    reading = readings["digitally signed, then edited"]
    assert reading.digital == "altered"
    assert "changed after" in reading.problems[0]
    assert readings["filled, digitally signed"].digital == "intact"


def test_ink_in_the_box_is_measured_and_a_clean_box_has_none(readings: dict[str, FormReading]) -> None:
    assert readings["filled, unsigned"].box_ink_ratio == 0.0
    assert readings["flattened, typed name"].box_ink_ratio == 0.0  # the typed strip is not ink
    assert readings["flattened, ink written into the page"].box_ink_ratio > 0.01
    assert readings["filled, ink annotation"].mark_how == "ink"


def test_a_typed_name_counts_only_when_allowed_and_only_the_signatorys(readings: dict[str, FormReading]) -> None:
    reading = readings["filled, typed name"]
    assert is_signed(reading, accept_typed=False, signatory_name="Dr Jo Lead").verdict == "unsigned"
    assert is_signed(reading, accept_typed=True, signatory_name="jo lead").verdict == "signed"
    assert is_signed(reading, accept_typed=True, signatory_name="Joanna Lead").verdict == "unsigned"
    assert is_signed(reading, accept_typed=True, signatory_name="").verdict == "unsigned"
    other = read_form(fx.filled_form("gp", {**GOOD, "sig_typed": "Sam New"}))
    assert is_signed(other, accept_typed=True, signatory_name="Dr Jo Lead").verdict == "unsigned"


def test_a_name_typed_in_a_text_box_over_the_signature_box_is_a_typed_signature() -> None:
    pdf = add_annotation(fx.filled_form("gp", GOOD, flatten=True), 0, free_text_annotation(
        (300, 140, 500, 170), "Jo  Lead"))
    reading = read_form(pdf)
    assert (reading.typed_name, reading.mark_over_box, reading.box_ink_ratio) == ("Jo Lead", False, 0.0)
    signed = SignatureVerdict("signed", "typed name")
    assert is_signed(reading, accept_typed=True, signatory_name="Dr Jo Lead") == signed
    assert is_signed(reading, accept_typed=False, signatory_name="Dr Jo Lead").verdict == "unsigned"
    assert is_signed(reading, accept_typed=True, signatory_name="Sam New").verdict == "unsigned"


def test_a_blank_form_is_read_with_empty_fields_and_unsigned() -> None:
    reading = read_form(fx.blank_form("other"))
    assert (reading.status, reading.method, reading.form_type) == ("read", "acroform", "other")
    assert set(reading.fields.values()) == {""}
    assert is_signed(reading, True, "").verdict == "unsigned"


def test_values_are_normalised() -> None:
    messy = {**GOOD, "pu_email": "  Sam.New@NHS.net ", "org_code": "a81001", "sig_date": "1-2-26",
             "pu_request": " Replacement ", "pu_replaces": "Old.User@nhs.net", "pu_full_name": "Sam   New"}
    fields = read_form(fx.filled_form("gp", messy)).fields
    assert (fields["pu_email"], fields["org_code"], fields["sig_date"]) == ("sam.new@nhs.net", "A81001", "01/02/2026")
    assert (fields["pu_request"], fields["pu_replaces"], fields["pu_full_name"]) == (
        "replacement", "old.user@nhs.net", "Sam New")


def test_a_stricter_ink_threshold_ignores_a_small_mark() -> None:
    pdf = fx.filled_form("gp", GOOD, "ink", flatten=True)
    reading = read_form(pdf, FormReadOptions(ink_threshold=0.5))
    assert reading.mark_over_box  # the ink annotation itself still counts
    drawn = read_form(fx.with_drawn_ink(fx.filled_form("gp", GOOD, flatten=True)), FormReadOptions(ink_threshold=0.5))
    assert not drawn.mark_over_box


def test_hostile_files_end_quickly_even_without_the_sandbox() -> None:
    for make in (fx.decompression_bomb, fx.circular_xref, fx.object_loop, fx.huge_image):
        pdf = make()
        started = time.monotonic()
        assert read_form(pdf).status == "unreadable"
        assert time.monotonic() - started < 2


def test_an_appearance_shared_by_every_annotation_is_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """pdf_safety walks a dictionary many annotations share once, not once for each of them: its work grows with
    the file, not with the file's size squared (here 3,000 objects to look at, not 2,000,000)."""
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    from parsers.forms.pdf_safety import check_page

    pdf = fx.shared_appearance_states()
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    looked_up = [0]
    get_object = IndirectObject.get_object

    def counted(self: IndirectObject) -> object:
        looked_up[0] += 1
        return get_object(self)

    monkeypatch.setattr(IndirectObject, "get_object", counted)
    check_page(page, 25_000_000)
    assert looked_up[0] < 10_000
    monkeypatch.undo()
    assert read_form(pdf).status in ("not_a_form", "unreadable")


def test_a_filled_form_of_ours_is_read_without_its_page_words_and_its_fields_walked_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What a filled form of ours costs a reader: pypdf's /Fields walked once (for the values and the digital
    signature question alike), and page 1's words never worked out (its values are its fields). Each was a sixth of
    the read's CPU; a page's words are still read where the values are printed."""
    from pypdf import PdfReader

    import parsers.forms.reading as reading

    filled_pdf, flattened_pdf = fx.filled_form("gp", GOOD, "ink"), fx.filled_form("gp", GOOD, "ink", flatten=True)
    walks, words = [0], [0]
    get_fields, page_words = PdfReader.get_fields, reading.page_words

    def counted_fields(self: PdfReader, *args: object, **kwargs: object) -> object:
        walks[0] += 1
        return get_fields(self, *args, **kwargs)  # type: ignore[arg-type]

    def counted_words(*args: object) -> object:
        words[0] += 1
        return page_words(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(PdfReader, "get_fields", counted_fields)
    monkeypatch.setattr(reading, "page_words", counted_words)
    filled = read_form(filled_pdf)
    assert (filled.status, filled.method, filled.mark_how, filled.fields) == ("read", "acroform", "ink",
                                                                              EXPECTED_FIELDS)
    assert (walks[0], words[0]) == (1, 0)
    flattened = read_form(flattened_pdf)
    assert (flattened.status, flattened.method, words[0]) == ("read", "printed_text", 1)
