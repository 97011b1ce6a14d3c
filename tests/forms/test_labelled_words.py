"""Reading labels and values from words placed on a page, as a PDF's text or OCR gives them, in layouts that are
not ours: the reader knows wordings, never positions."""

from __future__ import annotations

import pytest

from parsers.forms.labelled_words import (
    find_form_type,
    find_labels,
    find_signature_label,
    read_labelled_values,
)
from parsers.forms.word_lines import Word, lines_of

CHAR = 5.0  # width of a character at 10 pt, roughly
SPACE = 2.8
HEIGHT = 11.0


def text_at(x: float, y: float, text: str, confidence: float | None = None, height: float = HEIGHT) -> list[Word]:
    """TEXT's words as a PDF or OCR gives them: starting at X on the line whose top is Y."""
    words = []
    for part in text.split():
        width = CHAR * len(part)
        words.append(Word(part, x, y, x + width, y + height, confidence))
        x += width + SPACE
    return words


def page(*placed: tuple[float, float, str], confidence: float | None = None) -> list[Word]:
    return [w for x, y, text in placed for w in text_at(x, y, text, confidence)]


def values(words: list[Word], **kwargs: float) -> dict[str, str]:
    return {name: read.value for name, read in read_labelled_values(words, **kwargs).items()}


def test_label_colon_value_lines_in_any_order_are_read_whole() -> None:
    # The reproduction: our template's boxes cut this to "ctice".
    words = page((60, 100, "Open Exeter Primary User Request - GP Practice"),
                 (60, 140, "ODS code: A81001"),
                 (60, 160, "Organisation name: Oakwood Practice"),
                 (60, 180, "SIGNATORY EMAIL:   jo.lead@nhs.net"),
                 (60, 200, "full name: Sam New"))
    assert values(words) == {"org_code": "A81001", "org_name": "Oakwood Practice", "sig_email": "jo.lead@nhs.net",
                             "pu_full_name": "Sam New"}
    assert find_form_type(words) == "gp_practice"


def test_labels_left_values_right_in_a_table_without_colons() -> None:
    words = page((50, 100, "Organisation name"), (220, 100, "The Oakwood Surgery"),
                 (50, 120, "Organisation code (ODS)"), (220, 120, "A81001"),
                 (50, 140, "Telephone"), (220, 140, "01392 000000"),
                 (50, 160, "Request"), (220, 160, "new"))
    assert values(words) == {"org_name": "The Oakwood Surgery", "org_code": "A81001", "pu_phone": "01392 000000",
                             "pu_request": "new"}


def test_labels_above_values() -> None:
    words = page((50, 100, "Organisation name"), (50, 113, "The Oakwood Surgery"),
                 (50, 140, "Job title"), (50, 153, "Practice Manager"),
                 (50, 180, "Date"), (50, 193, "01/02/2026"))
    read = read_labelled_values(words)
    assert {n: r.value for n, r in read.items()} == {"org_name": "The Oakwood Surgery",
                                                     "pu_job_title": "Practice Manager", "sig_date": "01/02/2026"}
    assert read["org_name"].how == "printed_text" and read["org_name"].confidence is None
    assert read["org_name"].value_box == pytest.approx((50, 113, 50 + CHAR * 17 + SPACE * 2, 113 + HEIGHT))
    assert read["org_name"].label_box == pytest.approx((50, 100, 50 + CHAR * 16 + SPACE, 100 + HEIGHT))


def test_two_columns_each_label_keeps_its_own_value() -> None:
    words = page((50, 100, "Organisation name:"), (150, 100, "Oakwood Practice"),
                 (320, 100, "ODS code:"), (380, 100, "A81001"),
                 (50, 120, "Full name:"), (150, 120, "Sam New"),
                 (320, 120, "Signatory name:"), (420, 120, "Dr Jo Lead"))
    assert values(words) == {"org_name": "Oakwood Practice", "org_code": "A81001", "pu_full_name": "Sam New",
                             "sig_full_name": "Dr Jo Lead"}


def test_two_columns_of_labels_above_values() -> None:
    words = page((50, 100, "Organisation name"), (320, 100, "ODS code"),
                 (50, 113, "Oakwood Practice"), (320, 113, "A81001"))
    assert values(words) == {"org_name": "Oakwood Practice", "org_code": "A81001"}


def test_generic_labels_take_their_sections_meaning_per_column() -> None:
    words = page((50, 80, "Person to become Primary User"), (320, 80, "Authorised signatory"),
                 (50, 100, "Name:"), (110, 100, "Sam New"), (320, 100, "Name:"), (380, 100, "Dr Jo Lead"),
                 (50, 120, "Email:"), (110, 120, "sam.new@nhs.net"), (320, 120, "Email:"),
                 (380, 120, "jo.lead@nhs.net"),
                 (50, 140, "Role:"), (110, 140, "Practice Manager"), (320, 140, "Role:"), (380, 140, "Lead GP"),
                 (320, 160, "Telephone:"), (400, 160, "01392 999999"))
    assert values(words) == {"pu_full_name": "Sam New", "sig_full_name": "Dr Jo Lead", "pu_email": "sam.new@nhs.net",
                             "sig_email": "jo.lead@nhs.net", "pu_job_title": "Practice Manager", "sig_role": "Lead GP"}


def test_a_letterheads_email_and_phone_are_not_the_primary_users() -> None:
    words = page((300, 40, "Oakwood Surgery, 1 High Street"), (300, 52, "Tel: 01392 111111"),
                 (300, 64, "Email: oakwood.surgery@nhs.net"),
                 (50, 100, "Primary User"), (50, 120, "Email: sam.new@nhs.net"), (50, 140, "Telephone: 01392 222222"),
                 (50, 170, "Authorised signatory"), (50, 190, "Email: jo.lead@nhs.net"))
    assert values(words) == {"pu_email": "sam.new@nhs.net", "pu_phone": "01392 222222", "sig_email": "jo.lead@nhs.net"}


def test_labels_are_matched_loosely_as_ocr_and_people_write_them() -> None:
    placed = ((50, 100, "Fullname: Sam New"), (50, 120, "Organisatlon name: Oakwood Practice"),
              (50, 140, "Signatorys email: jo.lead@nhs.net"), (50, 160, "Organisation code (ODS) : A81001"),
              (50, 180, "Primary User to replace (email):Old.User@nhs.net"), (50, 200, "e-mail: sam.new@nhs.net"))
    words = page(*placed, confidence=90.0)
    # A letter off is an OCR slip; in a PDF's own text the label is as typed, so only exact wordings count.
    assert values(page(*placed)) == {"pu_full_name": "Sam New", "org_code": "A81001", "pu_replaces": "Old.User@nhs.net",
                                     "pu_email": "sam.new@nhs.net", "sig_email": "jo.lead@nhs.net"}
    assert values(words) == {"pu_full_name": "Sam New", "org_name": "Oakwood Practice", "sig_email": "jo.lead@nhs.net",
                             "org_code": "A81001", "pu_replaces": "Old.User@nhs.net", "pu_email": "sam.new@nhs.net"}


def test_a_wording_inside_a_sentence_is_not_a_label() -> None:
    words = page((50, 100, "Email the completed form to the mailbox. Date of birth is not needed."),
                 (50, 120, "Request access for the Primary User named below"))
    assert values(words) == {}


def test_printed_help_under_a_label_is_not_its_value() -> None:
    words = page((50, 100, "Primary User to replace (email)"), (50, 108, "only for a replacement"),
                 (50, 130, "Date"), (50, 138, "dd/mm/yyyy"), (240, 130, ""))
    assert values(words) == {"pu_replaces": "", "sig_date": ""}


def test_a_value_stops_at_the_next_label_on_its_line_and_fill_lines_are_empty() -> None:
    words = page((50, 100, "Signatory role: Lead GP Date: 01/02/2026"), (50, 120, "Telephone: ________"))
    assert values(words) == {"sig_role": "Lead GP", "sig_date": "01/02/2026", "pu_phone": ""}


def test_a_value_below_the_confidence_asked_for_is_left_empty_and_marked_unsure() -> None:
    words = [*text_at(50, 100, "ODS code:", 91.0), *text_at(130, 100, "A81O01", 41.0),
             *text_at(50, 120, "Full name:", 88.0), *text_at(130, 120, "Sam New", 90.0)]
    read = read_labelled_values(words, min_confidence=60)
    assert (read["org_code"].value, read["org_code"].unsure, read["org_code"].confidence) == ("", True, 41.0)
    assert read["org_code"].value_box is not None and read["org_code"].how == "ocr"
    assert (read["pu_full_name"].value, read["pu_full_name"].unsure, read["pu_full_name"].confidence) == (
        "Sam New", False, 90.0)
    assert read_labelled_values(words, min_confidence=40)["org_code"].value == "A81O01"


def test_lines_group_words_by_height_and_keep_a_hint_under_its_label_apart() -> None:
    label = text_at(48, 100, "Request")
    value = text_at(238, 102.5, "new", height=11.5)
    hint = text_at(48, 110.5, "new, additional or replacement", height=7.5)
    lines = lines_of([*hint, *value, *label])
    assert [[w.text for w in line] for line in lines] == [["Request", "new"], ["new,", "additional", "or",
                                                                               "replacement"]]


def test_the_signature_label_is_found_and_is_no_field() -> None:
    words = page((50, 600, "Signature of authorized signatory:"), (50, 700, "Typed signature: Dr Jo Lead"))
    assert find_signature_label(words) == pytest.approx((50, 600, 50 + CHAR * 31 + SPACE * 3, 600 + HEIGHT))
    assert values(words) == {"sig_typed": "Dr Jo Lead"}
    assert [label.signature for label in find_labels(words)] == [True, False]


def test_the_form_type_from_a_retyped_title() -> None:
    assert find_form_type(page((50, 50, "Open Exeter: Primary User request form"), (50, 62, "(Other organisation)"))
                          ) == "other"
    assert find_form_type(page((50, 50, "Open Exeter Primary User Request - Other Organisation"))) == "other"
    assert find_form_type(page((50, 50, "Practice newsletter: GP practice news"))) is None


def test_a_labels_words_a_scans_wide_space_apart_are_one_label() -> None:
    """OCR of a 300 dpi scan put "Practice" and "name" 0.62 of their height apart: "name" alone was taken for the
    generic label, and the practice's name became the Primary User's."""
    words = [Word("Practice", 54.5, 107.0, 89.5, 114.2, 96.0), Word("name", 93.5, 108.7, 117.5, 114.2, 96.0),
             *text_at(216, 108, "St Luke's Health Centre", 96.0, height=6.4),
             *text_at(54, 151, "Primary User full name", 96.0, height=6.4), *text_at(216, 152, "Olu Chen", 96.0, 6.4)]
    assert values(words) == {"org_name": "St Luke's Health Centre", "pu_full_name": "Olu Chen"}


def test_a_label_that_names_its_field_beats_a_generic_one() -> None:
    words = page((50, 60, "Name: Jo Bloggs"), (50, 100, "Primary User full name: Olu Chen"))
    assert values(words) == {"pu_full_name": "Olu Chen"}


def test_two_labels_alike_giving_ocr_different_values_leave_the_field_to_staff() -> None:
    words = page((50, 60, "Name: Jo Bloggs"), (50, 100, "Name: Olu Chen"), confidence=95.0)
    read = read_labelled_values(words)["pu_full_name"]
    assert (read.value, read.unsure) == ("", True)
    assert values(page((50, 60, "Name: Jo Bloggs"), (50, 100, "Name: Jo Bloggs"), confidence=95.0)) == {
        "pu_full_name": "Jo Bloggs"}
