"""Organisations named in a text are looked for only when a word their name needs is in it (register_words
._letters): the cheap test must never hide an organisation the patterns themselves would find."""

from __future__ import annotations

import re

import pytest

from parsers import register_words
from parsers.register_words import CASE_BLIND_LOOKALIKES, OrgEntry, Vocabulary, _letters, find_org_names

ORGS = (OrgEntry("A81001", "The Oakwood Surgery"), OrgEntry("A81002", "Riverside Medical Centre"),
        OrgEntry("A81003", "St Kilda's Practice"), OrgEntry("A81004", "Ísafjörður Health Centre"),
        OrgEntry("A81005", "The Surgery"))


def test_the_lookalikes_are_every_character_re_takes_for_a_letter_or_digit() -> None:
    letter = re.compile(r"[a-z0-9']", re.I)
    taken = {chr(c) for c in range(128, 0x110000) if letter.fullmatch(chr(c))}
    assert {chr(c) for c in CASE_BLIND_LOOKALIKES} == taken
    for c in taken:
        assert re.fullmatch(CASE_BLIND_LOOKALIKES[ord(c)], c, re.I)  # the letter it is taken for


def test_lower_casing_after_the_lookalikes_keeps_one_character_for_one() -> None:
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert len(_letters(every)) == len(every)


@pytest.mark.parametrize(("text", "codes"), [
    ("Please add her to the OAKWOOD surgery", ["A81001"]),
    ("from Riverside Medical Centre", ["A81002"]),
    ("at River\u017fide Medical Centre", ["A81002"]),  # a long s: re's case-blind match takes it for an s
    ("RIVERSIDE MEDICAL CENTRE", ["A81002"]),
    ("St \u212ailda's Practice, Leeds", ["A81003"]),  # the Kelvin sign for the K
    ("The Surgery", []),  # no distinctive word: never found
    ("oakwoods surgery", []),
])
def test_the_prefilter_finds_what_the_patterns_alone_find(text: str, codes: list[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    vocabulary = Vocabulary(organisations=ORGS)
    found = find_org_names(text, vocabulary)
    assert [f.key for f in found] == codes
    monkeypatch.setattr(register_words, "_letters", _Everything)  # every needed word is "in" every text
    assert find_org_names(text, vocabulary) == found


def test_a_text_naming_none_finds_none() -> None:
    assert find_org_names("Please add Prior Notification List for jane", Vocabulary(organisations=ORGS)) == []


class _Everything(str):
    """A string that holds every string: the prefilter lets every organisation through."""

    def __contains__(self, _item: object) -> bool:
        return True
