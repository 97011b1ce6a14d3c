"""The published blank forms: SPEC 9's field names, labels and titles, a /Sig box in the bottom third of page 1, and
a page 2 that lists who may sign."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from mailbot.admin.form_builder import build_form, build_forms
from mailbot.cli.commands import forms as forms_command
from mailbot.demo.form_filling import fill_form
from parsers.form_template import BOTTOM_THIRD_TOP, LABELS, template_for
from parsers.forms.reading import read_form
from parsers.forms.result import reading_as_data
from parsers.vocabulary.roles import ROLE_LABELS, Role
from tests.support import forms_fixtures as fx

SPEC_FIELDS = {"form_type", "org_name", "org_code", "pu_full_name", "pu_job_title", "pu_email", "pu_phone",
               "pu_request", "pu_replaces", "sig_full_name", "sig_role", "sig_email", "sig_date", "sig_signature",
               "sig_typed"}
SPEC_TITLES = {"gp": "Open Exeter Primary User Request - GP Practice",
               "other": "Open Exeter Primary User Request - Other Organisation"}


def page_texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


@pytest.mark.parametrize("form_type", ["gp", "other"])
def test_fields_are_spec_9s_with_a_sig_field_and_a_read_only_form_type(form_type: str) -> None:
    reader = PdfReader(io.BytesIO(build_form(form_type)))
    fields = reader.get_fields() or {}
    assert set(fields) == SPEC_FIELDS
    assert fields["sig_signature"]["/FT"] == "/Sig"
    assert all(fields[name]["/FT"] == "/Tx" for name in SPEC_FIELDS - {"sig_signature"})
    assert fields["form_type"]["/V"] == ("gp_practice" if form_type == "gp" else "other")
    assert int(fields["form_type"].get("/Ff", 0)) & 1  # read-only
    assert len(reader.pages) == 2


@pytest.mark.parametrize("form_type", ["gp", "other"])
def test_everything_filled_in_is_on_page_1_and_the_signature_box_is_in_its_bottom_third(form_type: str) -> None:
    reader = PdfReader(io.BytesIO(build_form(form_type)))
    page_one = reader.pages[0]
    widgets = {str(a.get_object()["/T"]): a.get_object() for a in page_one["/Annots"]}
    assert set(widgets) == SPEC_FIELDS
    assert "/Annots" not in reader.pages[1]
    box = [float(v) for v in widgets["sig_signature"]["/Rect"]]
    assert box[3] <= BOTTOM_THIRD_TOP
    typed = [float(v) for v in widgets["sig_typed"]["/Rect"]]
    assert box[0] <= typed[0] and box[1] <= typed[1] and typed[2] <= box[2] and typed[3] <= box[3]
    assert box == list(template_for(form_type).signature_box)


@pytest.mark.parametrize("form_type", ["gp", "other"])
def test_title_and_printed_labels_are_on_page_1(form_type: str) -> None:
    page_one = page_texts(build_form(form_type))[0]
    flat = " ".join(page_one.split())
    assert SPEC_TITLES[form_type] in flat
    for label in LABELS.values():
        assert label in flat, label
    assert "Signature of authorised signatory" in flat


def test_page_2_lists_the_roles_allowed_to_sign_each_form() -> None:
    gp_guide = " ".join(page_texts(build_form("gp"))[1].split())
    other_guide = " ".join(page_texts(build_form("other"))[1].split())
    for role in Role:
        assert ROLE_LABELS[role] in gp_guide
    assert "Caldicott Guardian" in other_guide and "Member of the Board of Directors" in other_guide
    assert "Existing Primary Contact (an existing Primary User within the organisation)" in other_guide
    assert "Lead GP" not in other_guide and "GP Partner" not in other_guide


def test_forms_are_the_same_bytes_every_time_and_the_two_differ() -> None:
    assert build_form("gp") == build_form("gp_practice")
    assert build_form("other") != build_form("gp")
    with pytest.raises(KeyError):
        build_form("hospital")


def test_forms_build_command_writes_both_forms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    forms_command.register(parser.add_subparsers())
    args = parser.parse_args(["forms", "build", str(tmp_path / "out")])
    assert args.handler(args) == 0
    written = sorted((tmp_path / "out").iterdir())
    assert [p.name for p in written] == ["primary-user-request-gp-practice.pdf", "primary-user-request-other.pdf"]
    assert capsys.readouterr().out.split() == [str(p) for p in sorted(written)]
    assert written[0].read_bytes() == build_form("gp")
    assert build_forms(tmp_path / "again") == [tmp_path / "again" / p.name for p in written]


def test_forms_build_into_a_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    parser = argparse.ArgumentParser()
    forms_command.register(parser.add_subparsers())
    args = parser.parse_args(["forms", "build", str(target)])
    with pytest.raises(Exception, match="not a directory"):
        args.handler(args)


@pytest.mark.parametrize("form_type", ["gp", "other"])
def test_the_published_form_is_compressed_only_and_draws_and_reads_as_the_ascii85_one_did(form_type: str) -> None:
    """The blank form's streams are no longer also ASCII85 text (pypdf decodes that in Python, character by
    character, at every read of a filled form): the same page content once decoded, and every filled form made
    from it (signed every way, flattened) read the same as one made from the form as it was published before."""
    now, before = build_form(form_type), build_form(form_type, ascii85=True)
    assert b"/ASCII85Decode" not in now and b"/ASCII85Decode" in before

    def contents(pdf: bytes) -> list[bytes]:
        return [page.get_contents().get_data() for page in PdfReader(io.BytesIO(pdf)).pages]

    assert contents(now) == contents(before)
    for signed in (lambda pdf: pdf, fx.with_ink, fx.with_image, fx.with_drawn_ink):
        for flatten in (False, True):
            made = [signed(fill_form(blank, fx.GOOD_VALUES, flatten=flatten)) for blank in (now, before)]
            readings = [reading_as_data(read_form(pdf)) for pdf in made]
            assert readings[0] == readings[1]
            assert readings[0]["status"] == "read"
