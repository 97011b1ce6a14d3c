"""Labels and values that wrap onto a second line, as narrow columns and table cells make them: read whole, and
nothing on the next line taken into a value that did not run on there."""

from __future__ import annotations

from parsers.forms.labelled_words import find_labels, read_labelled_values
from parsers.forms.word_lines import Word

HEIGHT = 11.0
CHAR = 5.5
SPACE = 3.0


def line(x: float, y: float, text: str) -> list[Word]:
    """TEXT's words set from X on the line whose top is Y, as printed text (no OCR confidence)."""
    words = []
    for part in text.split(" "):
        words.append(Word(part, x, y, x + CHAR * len(part), y + HEIGHT))
        x += CHAR * len(part) + SPACE
    return words


def columns(*rows: tuple[float, float, str]) -> list[Word]:
    return [word for x, y, text in rows for word in line(x, y, text)]


def test_a_value_wrapped_in_its_column_is_read_on_into_the_next_line() -> None:
    words = columns((50, 100, "Organisation name: Exe Valley Community"), (50, 111, "Trust"),
                    (50, 140, "Job title: Operations Lead"), (330, 100, "ODS code: A81001"))
    assert read_labelled_values(words)["org_name"].value == "Exe Valley Community Trust"


def test_a_name_broken_after_its_hyphen_is_read_with_the_hyphen() -> None:
    words = columns((50, 100, "Name of Primary User: Kwame Asante-"), (50, 111, "Boateng"),
                    (50, 140, "Organisation name: Exe Valley Practice"))
    assert read_labelled_values(words)["pu_full_name"].value == "Kwame Asante-Boateng"


def test_a_line_that_would_have_fitted_above_is_not_part_of_the_value() -> None:
    # "Please" fits after "Oakwood Surgery": the line under it is a sentence of its own, not the rest of the name.
    words = columns((50, 100, "Organisation name: Oakwood Surgery"), (50, 111, "Please sign below."),
                    (50, 140, "Job title: Operations Lead with a longer title here"))
    assert read_labelled_values(words)["org_name"].value == "Oakwood Surgery"


def test_a_line_further_down_than_a_paragraph_s_next_line_is_not_part_of_the_value() -> None:
    words = columns((50, 100, "Organisation name: Exe Valley Community"), (50, 125, "Trust"),
                    (330, 100, "ODS code: A81001"))
    assert read_labelled_values(words)["org_name"].value == "Exe Valley Community"


def test_the_next_row_of_a_table_is_not_part_of_a_value() -> None:
    words = columns((50, 100, "Organisation name"), (240, 100, "Whitfield Medical Centre"),
                    (50, 111, "Organisation code (ODS)"), (240, 111, "L83014"))
    values = read_labelled_values(words)
    assert (values["org_name"].value, values["org_code"].value) == ("Whitfield Medical Centre", "L83014")


def test_an_email_or_a_date_is_never_read_on_into_the_next_line() -> None:
    words = columns((50, 100, "Email: sam.new@nhs.net"), (50, 111, "Telephonenumberslater"),
                    (330, 100, "Date: 01/02/2026"), (330, 111, "Signedhere"))
    values = read_labelled_values(words)
    assert (values["pu_email"].value, values["sig_date"].value) == ("sam.new@nhs.net", "01/02/2026")


def test_a_label_wrapped_in_a_narrow_column_is_one_label_with_its_value_beside_it() -> None:
    words = columns((50, 100, "Request (new / additional /"), (240, 100, "additional"), (50, 111, "replacement)"),
                    (50, 130, "Telephone"), (240, 130, "01392 418820"))
    values = read_labelled_values(words)
    assert (values["pu_request"].value, values["pu_phone"].value) == ("additional", "01392 418820")


def test_a_label_s_two_lines_must_make_a_wording_exactly() -> None:
    words = columns((50, 100, "Request (new / additional /"), (240, 100, "additional"), (50, 111, "replacemant)"))
    assert [label.field for label in find_labels(words)] == []
