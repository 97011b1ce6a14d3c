"""An email address read by OCR that ends in l, 1 or i before its @ (SPEC 9): OCR takes a digit there for a letter,
so such an address is kept only when the person's name read on the same page vouches for its last letter. On the
bench's own scans (bench/bench_form_accuracy.py): of the fields left empty at 200 dpi, most were signatories'
addresses such as "olu.patel@" or "niamh.kowalski@", read surely and alike three times, and refused for their
last letter."""

from __future__ import annotations

from parsers.form_template import PAGE_HEIGHT, SIGNATURE_BOX
from parsers.forms.email_endings import vouched_by_name
from parsers.forms.reading import read_form
from parsers.forms.result import FormReading
from tests.support import scanned_forms as sf
from tests.support.foreign_forms import foreign_form, made_up_values
from tests.support.forms_fixtures import filled_form


def _wrong(reading: FormReading, expected: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {name: (value, expected.get(name, "")) for name, value in reading.fields.items()
            if value and value != expected.get(name, "")}


def test_a_name_vouches_only_for_its_own_word_letter_for_letter() -> None:
    assert vouched_by_name("niamh.kowalski@nhs.net", "Dr Niamh Kowalski")
    assert vouched_by_name("o.neill@nhs.net", "Olu O'Neill")
    # A digit read as a letter makes a word no name has; a short word is too likely by chance.
    assert not vouched_by_name("sam.patell@nhs.net", "Sam Patel")
    assert not vouched_by_name("niamh.adeyemil@nhs.net", "Niamh Adeyemi")
    assert not vouched_by_name("sam.neil@nhs.net", "Sam Neill")
    assert not vouched_by_name("jo.li@nhs.net", "Jo Li")


def test_a_signatorys_address_ending_in_their_name_is_read_and_a_digit_ending_left_to_staff() -> None:
    """bench_form_accuracy's seed 121, our form scanned at 200 dpi: "rhiannon.kowalski@nhs.net" read so three
    times at 91 was left empty for its last letter; "priya.rahman1@nhs.net" read so at 81-83 is no name's word: it is
    kept only when its glyph, read alone, shows a 1 (before_at.py), else left to staff."""
    values = made_up_values(121)
    signed = sf.hand_signed(sf.rendered(filled_form("gp", values, flatten=True), 200), SIGNATURE_BOX, PAGE_HEIGHT,
                            200, 121)
    page = sf.scanned(signed, seed=121, angle=0.5028485152137128, speckle=0.000795502984906955, jpeg_quality=51)
    reading = read_form(sf.as_pdf([page], 200))
    assert reading.status == "read"
    assert not _wrong(reading, values), _wrong(reading, values)
    assert reading.fields["sig_email"] == "rhiannon.kowalski@nhs.net"
    assert reading.fields["pu_email"] == "" and "pu_email" in reading.unsure_fields


def test_a_digit_read_as_the_names_last_letter_is_not_vouched_for() -> None:
    """bench_form_accuracy's seed 2 at 300 dpi: "sam.patel1@nhs.net" read as "sam.patell@nhs.net" three times at
    90; the name beside it is "Sam Patel", which is not "patell"."""
    form = foreign_form("table", "a4", seed=2)
    assert (form.values["pu_email"], form.values["pu_full_name"]) == ("sam.patel1@nhs.net", "Sam Patel")
    page = sf.scanned(sf.rendered(form.pdf, 300), seed=2, angle=-2.4504912755695587, speckle=0.0007221149479672144,
                      jpeg_quality=50)
    reading = read_form(sf.as_pdf([page], 300))
    assert reading.status == "read"
    assert not _wrong(reading, form.values), _wrong(reading, form.values)
    assert reading.fields["pu_email"] == "" and "pu_email" in reading.unsure_fields
