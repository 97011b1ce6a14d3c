"""Forms made by other tools, in other layouts, signed every way, printed through other producers (SPEC 9): the
reader finds each value beside its label and the signature box where the document puts it."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.forms.reading import read_form
from parsers.forms.result import FormReading
from rules.form_signature import is_signed
from tests.support.foreign_forms import LAYOUTS, PAPERS, ForeignForm, foreign_form
from tests.support.foreign_marks import SIGNINGS, fitted, shifted_and_cropped, signed, through_ghostscript, turned

EXPECTED_HOW = {"ink": "ink signature", "ink_no_appearance": "ink signature", "stamp": "signature stamp",
                "stamp_no_appearance": "signature stamp", "image": "image of a signature",
                "inline_image": "image of a signature", "image_in_form": "image of a signature",
                "vectors": "ink signature", "typed_text_box": "typed name", "none": ""}


def verdict(reading: FormReading) -> tuple[str, str]:
    result = is_signed(reading, accept_typed=True, signatory_name=reading.fields.get("sig_full_name", ""))
    return result.verdict, result.how


def assert_read(reading: FormReading, form: ForeignForm, method: str) -> None:
    assert reading.status == "read", reading.problems
    assert reading.form_type == form.form_type
    assert reading.method == method
    expected = {**form.values, "pu_replaces": "", "sig_typed": ""}
    assert reading.fields == expected


METHOD = {"fillable": "acroform"}


# --- the reproductions (each came out wrong before the reader looked where the document puts things) ---

def test_ink_annotation_over_another_tools_signature_widget_elsewhere_on_the_page_is_signed() -> None:
    form = foreign_form("fillable", "a4", seed=1)  # its /Sig field sits at the top right, not where ours is
    reading = read_form(signed(form.pdf, form.box, "ink"))
    assert verdict(reading) == ("signed", "ink signature")


def test_an_image_in_another_tools_signature_widget_is_signed() -> None:
    form = foreign_form("fillable", "a4", seed=1)
    reading = read_form(signed(form.pdf, form.box, "image"))
    assert verdict(reading) == ("signed", "image of a signature")


@pytest.mark.parametrize("layout", ["retyped", "lines"])
def test_label_value_lines_printed_by_another_tool_are_read_whole_and_complete(layout: str) -> None:
    form = foreign_form(layout, "a4", seed=1, values={"org_name": "Oakwood Practice"})
    reading = read_form(form.pdf)
    assert reading.fields["org_name"] == "Oakwood Practice"  # not cut at the edge of our template's box: "ctice"
    assert reading.fields == {**form.values, "pu_replaces": "", "sig_typed": ""}


@pytest.mark.parametrize("paper", list(PAPERS))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_is_read_whole_and_a_blank_box_is_unsigned(layout: str, paper: str) -> None:
    form = foreign_form(layout, paper, seed=LAYOUTS.index(layout) + 7 * len(paper))
    reading = read_form(form.pdf)
    assert_read(reading, form, METHOD.get(layout, "printed_text"))
    assert verdict(reading) == ("unsigned", "")
    assert reading.box_ink_ratio < 0.002  # the box's outline, a line to sign on, printed text: none of it is ink


@pytest.mark.parametrize("how", [s for s in SIGNINGS if s != "none"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_kind_of_mark_over_the_box_signs_it_in_every_layout(layout: str, how: str) -> None:
    form = foreign_form(layout, "letter" if len(how) % 2 else "a4", seed=len(how) + LAYOUTS.index(layout))
    reading = read_form(signed(form.pdf, form.box, how, name=form.values["sig_full_name"]))
    assert_read(reading, form, METHOD.get(layout, "printed_text"))
    assert verdict(reading) == ("signed", EXPECTED_HOW[how])


def test_a_mark_beside_the_box_is_not_a_signature() -> None:
    form = foreign_form("table", "a4", seed=3)
    left, bottom, right, top = form.box
    elsewhere = (left, bottom + 300, right, top + 300)  # the same size, up among the fields' rows
    for how in ("ink", "image", "vectors"):
        assert verdict(read_form(signed(form.pdf, elsewhere, how))) == ("unsigned", ""), how


@pytest.mark.parametrize("naming", ["tooltips", "names", "none"])
def test_another_tools_fillable_fields_are_matched_by_tooltip_name_or_place(naming: str) -> None:
    form = foreign_form("fillable", "letter", seed=11, fillable_names=naming)
    reading = read_form(signed(form.pdf, form.box, "ink"))
    assert_read(reading, form, "acroform")
    assert verdict(reading) == ("signed", "ink signature")
    assert reading.signature_box_from == "widget"
    assert reading.field_reads["org_name"].how == "acroform"


def test_the_signature_box_is_the_widgets_rectangle_wherever_it_is() -> None:
    form = foreign_form("fillable", "a4", seed=5)
    reading = read_form(form.pdf)
    width, height = PAPERS["a4"]
    left, bottom, right, top = form.box
    assert reading.signature_box == pytest.approx((left, height - top, right, height - bottom), abs=0.01)
    assert (reading.signature_page, reading.signature_box_from) == (0, "widget")
    assert reading.page_size == pytest.approx((width, height), abs=0.01)


def test_the_box_comes_from_the_printed_label_when_there_is_no_widget() -> None:
    form = foreign_form("stacked", "a4", seed=2)
    reading = read_form(form.pdf)
    height = PAPERS["a4"][1]
    left, bottom, right, top = form.box
    assert reading.signature_box_from == "label"
    assert reading.signature_box == pytest.approx((left, height - top, right, height - bottom), abs=1.5)


def test_values_and_labels_say_where_they_were_read() -> None:
    form = foreign_form("two_columns", "letter", seed=9)
    reads = read_form(form.pdf).field_reads
    assert reads["org_code"].value == form.values["org_code"]
    assert (reads["org_code"].how, reads["org_code"].confidence) == ("printed_text", None)
    label, value = reads["sig_email"].label_box, reads["sig_email"].value_box
    assert label is not None and value is not None
    assert value[0] > label[2] and abs((value[1] + value[3]) - (label[1] + label[3])) < 3  # right of it, one line


@pytest.mark.parametrize("layout", ["table", "stacked", "lines"])
def test_printed_through_ghostscript_signed_by_ink_annotation(layout: str, tmp_path: Path) -> None:
    form = foreign_form(layout, "a4", seed=21)
    printed = through_ghostscript(signed(form.pdf, form.box, "ink"), tmp_path)
    assert b"Ghostscript" in printed
    reading = read_form(printed)
    assert_read(reading, form, "printed_text")
    assert verdict(reading) == ("signed", "ink signature")  # the annotation became pen strokes in the page
    unsigned = read_form(through_ghostscript(form.pdf, tmp_path))
    assert verdict(unsigned) == ("unsigned", "") and unsigned.box_ink_ratio < 0.002


def test_a_fillable_form_flattened_by_ghostscript_is_read_from_its_printed_values(tmp_path: Path) -> None:
    form = foreign_form("fillable", "letter", seed=4)
    reading = read_form(through_ghostscript(signed(form.pdf, form.box, "image"), tmp_path))
    assert_read(reading, form, "printed_text")
    assert verdict(reading) == ("signed", "image of a signature")


@pytest.mark.parametrize("how", ["vectors", "image"])
def test_a4_printed_fit_to_page_on_letter_and_letter_on_a4(how: str) -> None:
    for made, paper in (("a4", PAPERS["letter"]), ("letter", PAPERS["a4"])):
        form = foreign_form("table", made, seed=31)
        reading = read_form(fitted(signed(form.pdf, form.box, how), paper))
        assert_read(reading, form, "printed_text")
        assert verdict(reading) == ("signed", EXPECTED_HOW[how])
        assert verdict(read_form(fitted(form.pdf, paper))) == ("unsigned", "")


@pytest.mark.parametrize("degrees", [90, 180, 270])
@pytest.mark.parametrize("compensated", [True, False], ids=["shown upright", "shown turned"])
def test_turned_pages_are_read_and_their_box_found(degrees: int, compensated: bool) -> None:
    form = foreign_form("stacked", "a4", seed=degrees)
    reading = read_form(turned(signed(form.pdf, form.box, "vectors"), degrees, compensated))
    assert_read(reading, form, "printed_text")
    assert verdict(reading) == ("signed", "ink signature")
    assert verdict(read_form(turned(form.pdf, degrees, compensated))) == ("unsigned", "")


def test_a_turned_fillable_form_with_an_ink_annotation_over_its_widget() -> None:
    form = foreign_form("fillable", "letter", seed=8)
    for degrees in (90, 180, 270):
        reading = read_form(turned(signed(form.pdf, form.box, "ink"), degrees, compensated=False))
        assert_read(reading, form, "acroform")
        assert verdict(reading) == ("signed", "ink signature")
        assert reading.page_turn == (360 - degrees) % 360  # PDFium shows it turned; it is read upright
        assert verdict(read_form(turned(signed(form.pdf, form.box, "ink_no_appearance"), degrees, False)))[0] == \
            "signed"


@pytest.mark.parametrize("layout", ["two_columns", "lines"])
def test_shifted_and_cropped_pages(layout: str) -> None:
    form = foreign_form(layout, "letter", seed=13)
    for how in ("none", "image_in_form", "inline_image"):
        reading = read_form(shifted_and_cropped(signed(form.pdf, form.box, how), dx=-140.0, dy=75.0, margin=12.0))
        assert_read(reading, form, "printed_text")
        assert verdict(reading) == (("unsigned", "") if how == "none" else ("signed", "image of a signature"))


def test_a_signature_widget_on_page_2_is_where_that_form_is_signed() -> None:
    form = foreign_form("fillable", "a4", seed=6, signature_page=1)
    reading = read_form(form.pdf)
    assert (reading.signature_page, reading.signature_box_from) == (1, "widget")
    assert verdict(reading) == ("unsigned", "")
    assert verdict(read_form(signed(form.pdf, form.box, "ink", page=1))) == ("signed", "ink signature")
    assert verdict(read_form(signed(form.pdf, form.box, "ink", page=0))) == ("unsigned", "")  # not the box's page


def test_another_nhs_form_with_the_same_labels_is_not_a_primary_user_request() -> None:
    import io

    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=PAPERS["a4"], invariant=1)
    canvas.drawString(60, 780, "Smartcard registration form")
    for i, line in enumerate(("Organisation name: Oakwood Surgery", "ODS code: A81001", "Full name: Sam New",
                              "Job title: Receptionist", "Email: sam.new@nhs.net", "Telephone: 01392 000000",
                              "Signatory name: Dr Jo Lead", "Signatory role: Lead GP", "Date: 01/02/2026")):
        canvas.drawString(60, 740 - 20 * i, line)
    canvas.save()
    reading = read_form(out.getvalue())
    assert reading.status == "not_a_form"


def test_a_digital_signature_in_another_tools_signature_field_signs_the_form() -> None:
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from tests.support.forms_fixtures import _test_signer

    form = foreign_form("fillable", "a4", seed=12)
    writer = IncrementalPdfFileWriter(io.BytesIO(form.pdf), strict=False)
    pdf = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="Signature1"),
                           signer=_test_signer(), existing_fields_only=True).getvalue()  # type: ignore[arg-type]
    reading = read_form(pdf)
    assert (reading.digital, reading.problems) == ("intact", ())
    assert verdict(reading) == ("signed", "digital signature")
