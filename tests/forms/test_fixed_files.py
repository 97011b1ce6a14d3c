"""Form files written by other producers (Ghostscript, PDFium), committed as they came out: the bytes those
programs write, not ours. tests/forms/fixtures/make_fixtures.py says how each was made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers.forms.reading import read_form
from rules.form_signature import is_signed

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_file_from_another_producer_reads_as_expected(name: str) -> None:
    expected = EXPECTED[name]
    pdf = (FIXTURES / name).read_bytes()
    assert b"ReportLab" not in pdf and b"pypdf" not in pdf  # written again by its producer, not by ours
    reading = read_form(pdf)
    assert reading.status == "read", reading.problems
    assert (reading.form_type, reading.method) == (expected["form_type"], "printed_text")
    assert {name: reading.fields[name] for name in expected["values"]} == expected["values"]
    verdict = is_signed(reading, accept_typed=True, signatory_name=reading.fields["sig_full_name"])
    assert verdict.how == expected["signed"]
    assert verdict.verdict == ("signed" if expected["signed"] else "unsigned")
