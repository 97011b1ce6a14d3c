"""A form's digital signature is validated by pyHanko as at the moment handed in (the message's `now`, through the
sandbox child's options), never the clock; with none handed in, as at the signing time it claims. Real forms
signed with pyHanko and a certificate made for the test (valid for 30 days from today)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from mailbot.processing.sandbox import FormReader
from parsers.forms.digital_signature import check_digital_signature
from parsers.forms.reading import FormReadOptions, read_form
from tests.support import forms_fixtures as fx

IN_2040 = datetime(2040, 1, 1, 9, 0, tzinfo=UTC)  # years after the test certificate expires
IN_2001 = datetime(2001, 6, 1, 12, 0, tzinfo=UTC)  # years before it was made


@pytest.fixture(scope="module")
def signed() -> bytes:
    return fx.filled_form("gp", fx.GOOD_VALUES, "digital")


@pytest.fixture(scope="module")
def reader() -> Iterator[FormReader]:
    with FormReader(workers=1, timeout=20.0, memory_mb=640, cpu_seconds=10) as pool:
        yield pool


def claimed_signing_time(pdf: bytes) -> datetime:
    [embedded] = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    claimed = embedded.self_reported_timestamp
    assert claimed is not None
    return claimed


@pytest.mark.parametrize("moment", [IN_2040, IN_2001], ids=["2040", "2001"])
def test_a_digital_signature_is_validated_as_at_the_moment_handed_in(signed: bytes, moment: datetime) -> None:
    found = check_digital_signature(signed, at=moment)
    assert (found.state, found.validated_at) == ("intact", moment)


def test_an_altered_file_is_altered_at_any_moment(signed: bytes) -> None:
    edited = fx.edited_after_signing(signed)
    for moment in (IN_2001, IN_2040):
        found = check_digital_signature(edited, at=moment)
        assert (found.state, found.validated_at) == ("altered", moment)


def test_with_no_moment_handed_in_it_is_validated_as_at_its_own_signing_time(signed: bytes) -> None:
    """Not the clock: the moment is the file's, so two readings a while apart are the same reading."""
    claimed = claimed_signing_time(signed)
    assert abs(claimed - datetime.now(UTC)) < timedelta(hours=1)  # signed by the fixture, today
    assert check_digital_signature(signed).validated_at == claimed
    first = read_form(signed)
    assert first.digital_validated_at == claimed.isoformat()


def test_a_moment_without_a_zone_is_utc(signed: bytes) -> None:
    """A store that keeps no zone hands in naive times (the case's arrival, for a form read when staff open it)."""
    found = check_digital_signature(signed, at=IN_2040.replace(tzinfo=None))
    assert found.validated_at == IN_2040


def test_the_sandbox_child_validates_as_at_the_options_moment(reader: FormReader, signed: bytes) -> None:
    reading = reader.read(signed, FormReadOptions(validation_time=IN_2040))
    assert (reading.status, reading.digital, reading.mark_how) == ("read", "intact", "digital")
    assert reading.digital_validated_at == IN_2040.isoformat()
    assert reading == read_form(signed, FormReadOptions(validation_time=IN_2040))
