"""Forms made by other real tools than our form builder (LibreOffice, Chromium, Ghostscript, qpdf, pdftk, poppler and
img2pdf): the committed files in tests/forms/other_tools/ (README.md there says how each was made; none of those
tools is needed here). Each is read whole, its values from the labels that tool printed, signed or not as it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers.forms.reading import read_form
from rules.form_signature import is_signed

HERE = Path(__file__).resolve().parent / "other_tools"
EXPECTED: dict[str, dict[str, object]] = json.loads((HERE / "expected.json").read_text())
# Read by OCR (the scan path's own tests measure it): here that nothing is read wrong. A page whose fonts give no
# letters (no ToUnicode) is read by OCR as a scan is.
SCANNED = {name for name in EXPECTED if "scanned" in name or "no-tounicode" in name}


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - SCANNED))
def test_a_form_made_by_another_tool_is_read_whole_and_signed_as_it_is(name: str) -> None:
    expected = EXPECTED[name]
    reading = read_form((HERE / name).read_bytes())
    assert reading.status == "read", reading.problems
    assert reading.form_type == expected["form_type"]
    values = expected["values"]
    assert isinstance(values, dict)
    assert reading.fields == {**dict.fromkeys(reading.fields, ""), **values}
    signed = is_signed(reading, accept_typed=True, signatory_name=reading.fields["sig_full_name"])
    assert (signed.verdict, signed.how) == (("signed", expected["signed"]) if expected["signed"] else ("unsigned", ""))


@pytest.mark.parametrize("name", sorted(SCANNED))
def test_a_scan_made_by_other_tools_reads_no_value_wrong(name: str) -> None:
    expected = EXPECTED[name]
    values = expected["values"]
    assert isinstance(values, dict)
    reading = read_form((HERE / name).read_bytes())
    wrong = {field: value for field, value in reading.fields.items() if value and value != values.get(field, "")}
    assert wrong == {}


def test_a_colour_scan_packed_losslessly_is_read_not_called_too_large() -> None:
    """A 200 dpi RGB page image in Flate decodes to 11.6 MB: more than a content stream may, within the pixels an
    image may have (it was 'too large to read safely')."""
    name = "libreoffice-table-scanned-200dpi.pdf"
    reading = read_form((HERE / name).read_bytes())
    assert (reading.status, reading.method) == ("read", "ocr"), reading.problems
    values = EXPECTED[name]["values"]
    assert isinstance(values, dict)
    read_right = {field for field, value in reading.fields.items() if value and value == values.get(field)}
    assert len(read_right) >= 9
    assert is_signed(reading, accept_typed=True, signatory_name="").verdict == "signed"


def test_every_file_is_small_and_said_how_it_was_made() -> None:
    readme = (HERE / "README.md").read_text()
    for name in EXPECTED:
        assert (HERE / name).stat().st_size < 100_000, name
        assert f"`{name}`" in readme, name


def test_an_image_that_inflates_past_its_own_pixels_is_still_too_large() -> None:
    """The room made for an image's pixels is its pixels' room: a Flate image of 16 million grey pixels whose data
    inflates to 1 GiB stops as it did."""
    import zlib

    from tests.support import forms_fixtures as fx

    chunk = bytes(1 << 24)
    compressor = zlib.compressobj(9)
    data = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    data += (compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)) * 63
    image = (b"<< /Type /XObject /Subtype /Image /Width 4000 /Height 4000 /ColorSpace /DeviceGray "
             b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    pdf = fx._pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /Im0 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        image,
    ])
    reading = read_form(pdf)
    assert reading.status == "unreadable"
    assert "too large" in reading.problems[0]


@pytest.mark.parametrize("name", sorted(name for name in EXPECTED if "no-tounicode" in name))
def test_a_page_whose_fonts_give_no_letters_is_read_by_ocr_not_called_no_form(name: str) -> None:
    expected = EXPECTED[name]
    reading = read_form((HERE / name).read_bytes())
    assert (reading.status, reading.method, reading.form_type) == ("read", "ocr", expected["form_type"])
    assert sum(bool(value) for value in reading.fields.values()) >= 8
    assert is_signed(reading, accept_typed=True, signatory_name="").verdict == "signed"


def test_values_ocr_finds_wrapped_onto_a_second_line_are_left_to_staff_never_cut() -> None:
    """Read by OCR, "Exe Valley Community" / "Trust" and "Kwame Asante-" / "Boateng" were kept cut at the line's
    end; the lines run on, so the values are not their first lines: unsure, for staff."""
    reading = read_form((HERE / "chromium-columns-no-tounicode.pdf").read_bytes())
    assert reading.method == "ocr"
    for name in ("org_name", "pu_full_name"):
        assert (reading.fields[name], reading.field_reads[name].unsure) == ("", True)
