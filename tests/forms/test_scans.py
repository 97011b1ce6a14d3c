"""Scanned and photographed forms read by OCR (SPEC 9): PDFs of page images (several pages), JPEG/PNG/TIFF
pictures, phone photos. The forms are other people's layouts (tests/support/foreign_forms.py) or ours, printed by
PDFium, signed by hand with pen strokes on the paper, then scanned or photographed (tests/support/scanned_forms.py).
Each test is a real Tesseract run or two (seconds); the accuracy over hundreds of forms is bench/bench_form_accuracy.py.
"""

from __future__ import annotations

from parsers.forms.reading import read_form
from parsers.forms.result import FormReading
from tests.pipeline.messages import GOOD_GP_FORM
from tests.support import scanned_forms as sf
from tests.support.foreign_forms import ForeignForm, foreign_form, made_up_values
from tests.support.forms_fixtures import filled_form


def _signed_page(form: ForeignForm, dpi: int, seed: int = 0) -> sf.np.ndarray:
    return sf.hand_signed(sf.rendered(form.pdf, dpi), form.box, sf.page_height(form.pdf), dpi, seed)


def _no_wrong_value(reading: FormReading, expected: dict[str, str]) -> list[str]:
    """The fields read exactly; fails on any value read wrong (an unread field is left empty, never guessed)."""
    wrong = {name: (reading.fields[name], value) for name, value in expected.items()
             if reading.fields.get(name) and reading.fields[name] != value}
    assert not wrong, wrong
    return [name for name, value in expected.items() if reading.fields.get(name) == value]


def test_a_scanned_pdf_of_page_images_is_read_by_ocr_and_signed_by_hand() -> None:
    form = foreign_form("two_columns", "a4", seed=21)
    page = sf.scanned(_signed_page(form, 300), seed=1, angle=-1.6, speckle=0.0005, jpeg_quality=60)
    notes = sf.scanned(sf.rendered(form.pdf, 300, 1), seed=2)
    reading = read_form(sf.as_pdf([page, notes], 300))
    assert (reading.status, reading.method, reading.form_type) == ("read", "ocr", "gp_practice")
    assert len(_no_wrong_value(reading, form.values)) >= 10
    assert reading.mark_over_box and reading.mark_how == "ink"
    assert reading.signature_box_from == "label" and reading.signature_page == 0
    assert {read.how for read in reading.field_reads.values()} == {"ocr"}
    assert all(read.confidence is not None for read in reading.field_reads.values())


def test_a_blank_signature_box_on_a_scan_is_unsigned() -> None:
    form = foreign_form("table", "letter", seed=22)
    page = sf.scanned(sf.rendered(form.pdf, 200), seed=3, angle=2.0, speckle=0.001, jpeg_quality=50)
    reading = read_form(sf.as_pdf([page], 200))
    assert reading.status == "read"
    assert _no_wrong_value(reading, form.values)
    assert not reading.mark_over_box and reading.box_ink_ratio < 0.002  # the box's outline and dust are no ink


def test_a_phone_photo_sent_as_a_jpeg_is_straightened_and_read() -> None:
    form = foreign_form("table", "a4", seed=23)
    photo = sf.photographed(_signed_page(form, 200, seed=4), seed=5)
    reading = read_form(sf.as_picture(photo, "JPEG", quality=85))
    assert (reading.status, reading.method) == ("read", "ocr")
    assert len(_no_wrong_value(reading, form.values)) >= 9
    assert reading.mark_over_box


def test_png_and_multi_page_tiff_pictures_are_read_and_the_form_found_after_a_covering_page() -> None:
    form = foreign_form("lines", "a4", seed=24)
    page = sf.scanned(_signed_page(form, 200, seed=6), seed=7, angle=0.9, jpeg_quality=80)
    png = read_form(sf.as_picture(page, "PNG"))
    assert png.status == "read" and png.mark_over_box
    assert len(_no_wrong_value(png, form.values)) >= 9
    covering = sf.scanned(sf.rendered(form.pdf, 200, 1), seed=8)  # the notes page, sent first
    tiff = read_form(sf.as_multipage_tiff([covering, page], 200))
    assert tiff.status == "read" and tiff.signature_page == 1 and tiff.mark_over_box
    assert tiff.fields == png.fields


def test_a_smudged_value_is_left_empty_and_named_unsure_never_guessed() -> None:
    reading = read_form(sf.scanned_form("gp_practice", GOOD_GP_FORM, dpi=300, smudge="org_code"))
    assert reading.status == "read"
    assert reading.fields["org_code"] == "" and "org_code" in reading.unsure_fields
    assert reading.field_reads["org_code"].confidence is not None
    assert _no_wrong_value(reading, {k: v for k, v in GOOD_GP_FORM.items() if k != "sig_typed"})
    assert reading.how_read()["fields"]["org_code"]["unsure"] is True


def test_a_picture_that_is_no_form_or_no_picture_is_unreadable_with_a_reason() -> None:
    blank = sf.scanned(sf.np.full((2339, 1654), 255, dtype=sf.np.uint8), seed=9)
    assert read_form(sf.as_picture(blank, "PNG")).problems[0].startswith("no form could be read")
    broken = read_form(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    assert broken.status == "unreadable" and "damaged" in broken.problems[0]


def test_a_blank_signature_box_on_a_phone_photo_is_not_signed() -> None:
    """Our form photographed unsigned: squared up a little off, its box's outline is left askew, where no level
    test of a ruled line fits it (it was measured as ink and the box called signed)."""
    for seed in (23, 48):  # two of bench_form_accuracy's seeds where the photo's box was called signed
        pdf = filled_form("gp", made_up_values(seed), flatten=True)
        photo = sf.photographed(sf.rendered(pdf, 200), seed=seed, jpeg_quality=75)
        reading = read_form(sf.as_picture(photo, "JPEG", quality=90))
        assert reading.status == "read", seed
        assert not reading.mark_over_box and not reading.mark_unsure, seed
        assert reading.box_ink_ratio < 0.002, (seed, reading.box_ink_ratio)


def test_a_blank_box_on_a_150_dpi_scan_is_not_signed_by_its_grey_sign_line() -> None:
    """A thin line to sign on, scanned at 150 dpi, is grey: only its darker dashes were dark enough to be ink, none
    long enough to be a rule, each too long to be dust, and the blank box was called signed."""
    form = foreign_form("two_columns", "letter", seed=110)  # bench_form_accuracy's seed 110
    page = sf.scanned(sf.rendered(form.pdf, 150), seed=110, angle=1.77, speckle=0.0012, jpeg_quality=66)
    reading = read_form(sf.as_pdf([page], 150))
    assert reading.status == "read"
    assert not reading.mark_over_box and not reading.mark_unsure
    assert reading.box_ink_ratio < 0.002


def test_a_signature_ocr_reads_as_a_word_is_still_ink() -> None:
    """Half-inch loops read by Tesseract as "LIS" with 53% confidence were taken out as printed words, and the
    signed box called unsigned: print is never that tall."""
    form = foreign_form("stacked", "letter", seed=107)  # bench_form_accuracy's seed 107
    page = sf.scanned(_signed_page(form, 300, seed=107), seed=107, angle=-0.10487858519560866,
                      speckle=0.000617967679455237, jpeg_quality=48)
    reading = read_form(sf.as_pdf([page], 300))
    assert reading.status == "read"
    assert reading.mark_over_box and reading.mark_how == "ink"


def test_a_150_dpi_scan_turned_and_speckled_has_its_values_read_through_its_grey_rules() -> None:
    """A table's thin rules scanned at 150 dpi are grey, broken into dashes: left in the picture OCR reads, they
    were read into each value's line, and 8 of 11 values came out unsure (left empty)."""
    form = foreign_form("table", "letter", seed=0)  # bench_form_accuracy's seed 0
    page = sf.scanned(sf.rendered(form.pdf, 150), seed=0, angle=-2.757, speckle=0.0019, jpeg_quality=71)
    reading = read_form(sf.as_pdf([page], 150))
    assert reading.status == "read"
    assert len(_no_wrong_value(reading, form.values)) >= 10
    assert not reading.mark_over_box and not reading.mark_unsure


def test_a_real_looking_phone_photo_is_found_on_its_desk_squared_up_and_read() -> None:
    """A photo taken at a desk: a grained desk, brighter in places than the page's side away from the light, the
    phone's shadow over a corner, the lens darker at its edges. No one threshold parts page from desk: the page was
    not found, the photo read as if it were a scan, 1 value of 11 read and the signature missed."""
    form = foreign_form("table", "a4", seed=32)
    page = _signed_page(form, 200, seed=32)
    photo = sf.photographed(page, seed=32, jpeg_quality=80, harsh=True)
    reading = read_form(sf.as_picture(photo, "JPEG", quality=85))
    assert (reading.status, reading.method) == ("read", "ocr")
    assert len(_no_wrong_value(reading, form.values)) >= 10
    assert reading.mark_over_box and reading.mark_how == "ink"
