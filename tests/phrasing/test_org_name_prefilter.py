"""Organisations named in a text are looked for only when a word their name needs is in it (register_words
._letters): the cheap test must never hide an organisation the patterns themselves would find."""

from __future__ import annotations

import random
import re

import pytest

from parsers import register_words
from parsers.register_words import (
    CASE_BLIND_LOOKALIKES,
    KEPT_INDEXES,
    OrgEntry,
    Vocabulary,
    _letters,
    _needed_word,
    find_org_names,
    org_index,
)

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
    # Every organisation with a needed word let through, as if every needed word were in every text:
    through = [place for place, org in enumerate(ORGS) if _needed_word(org.name) is not None]
    monkeypatch.setattr(register_words.OrgIndex, "named_in", lambda self, letters: through)
    assert find_org_names(text, vocabulary) == found


def test_a_text_naming_none_finds_none() -> None:
    assert find_org_names("Please add Prior Notification List for jane", Vocabulary(organisations=ORGS)) == []


def _register(size: int) -> tuple[OrgEntry, ...]:
    chance = random.Random(size)
    words = ("Oak", "Oakwood", "wood", "Elm", "Ash", "Ashby", "Rowan", "O'Neill", "St", "Kilda's", "Vale", "Park",
             "Mill", "Abbey", "Brook", "Hill", "42nd", "Bridge")
    return ORGS + tuple(OrgEntry(f"Z{i:05d}", f"The {chance.choice(words)}{chance.choice(words).lower()} "
                                              f"{chance.choice(words)} {chance.choice(('Surgery', 'Practice', ''))}")
                        for i in range(size))


@pytest.mark.parametrize("size", [0, 50, 2000])
def test_the_register_index_lets_through_exactly_the_organisations_the_loop_did(size: int) -> None:
    organisations = _register(size)
    index = org_index(organisations)
    assert org_index(organisations) is index  # made once for the tuple
    chance = random.Random(size + 1)
    pieces = ("oak", "wood", "oakwood", "the ", "elmash ", "o'neill", "kilda's", "42nd", "\u017ft", "OAK", " ", "\n",
              "-", "ashby vale", "millbrook", "é", "\u212ailda's", "bridge", "abbeyhill park", "rowanrowan")
    texts = ["", "The Surgery", *("".join(chance.choice(pieces) for _ in range(chance.randrange(1, 60)))
                                  for _ in range(300))]
    for text in texts:
        letters = _letters(text)
        loop = [place for place, org in enumerate(organisations)
                if (needed := _needed_word(org.name)) is not None and needed in letters]
        assert index.named_in(letters) == loop, text
        runs = set(re.findall(r"[a-z0-9']+", letters))
        assert index.words_in_runs(runs) == index.words_in(letters), text
        assert [f.key for f in find_org_names(text, Vocabulary(organisations=organisations))] == [
            organisations[place].code for place in loop
            if [f.key for f in find_org_names(text, Vocabulary(organisations=(organisations[place],)))]]


def test_the_indexes_kept_are_bounded() -> None:
    for size in range(KEPT_INDEXES + 3):
        org_index(_register(size))
    assert len(register_words._INDEXES) <= KEPT_INDEXES
