"""format=flowed (RFC 3676) text joined back into the lines the sender typed (parsers.flowed)."""

from __future__ import annotations

from parsers.flowed import unflow


def test_soft_breaks_join_and_hard_breaks_stay() -> None:
    assert unflow("one \ntwo\nthree") == "one two\nthree"


def test_delsp_drops_the_space_before_the_break() -> None:
    assert unflow("Screening His \ntory", delsp=True) == "Screening History"


def test_quoted_lines_join_at_their_depth_and_keep_their_marks() -> None:
    text = "new \ntext\n> old \n> request\n>> older\n"
    assert unflow(text) == "new text\n> old request\n> > older\n"


def test_a_flow_ends_where_the_quote_depth_changes() -> None:
    assert unflow("mine \n> theirs") == "mine \n> theirs"


def test_the_signature_separator_is_never_a_soft_break() -> None:
    assert unflow("Regards\n-- \nJane Smith") == "Regards\n-- \nJane Smith"


def test_space_stuffing_is_removed() -> None:
    assert unflow(" From the practice") == "From the practice"
