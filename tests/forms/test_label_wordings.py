"""Printed help known a few letters off (label_wordings._nearly): the cheap upper bounds it tries first never change
its answer from difflib's ratio() alone, at the threshold, under the length floor, and for the letters of a
wording in another order (which the bounds let through and ratio() does not)."""

from __future__ import annotations

import random
from difflib import SequenceMatcher

import pytest

from parsers.forms.label_wordings import (
    FUZZY_INSTRUCTION_LETTERS,
    FUZZY_INSTRUCTION_RATIO,
    INSTRUCTION_KEYS,
    _nearly,
    is_instruction,
)


def plain_ratio(key: str, instruction: str) -> bool:
    """What _nearly answered before it tried the upper bounds."""
    return min(len(key), len(instruction)) >= FUZZY_INSTRUCTION_LETTERS and \
        SequenceMatcher(None, key, instruction, autojunk=False).ratio() >= FUZZY_INSTRUCTION_RATIO


FIFTY = "abcdefghijklmnopqrstuvwxyz" + "abcdefghijklmnopqrstuvwx"
# 43 of 50 letters kept: ratio 2 * 43 / 100, the threshold itself.
AT_THRESHOLD = FIFTY[:43] + "0123456"
# 42 kept: just under it.
UNDER_THRESHOLD = FIFTY[:42] + "01234567"
SHORT = "optionaltypey"  # 13 letters: under the floor however close
EDGES: list[tuple[str, str, bool]] = [
    ("optionaltypeyourfullname", "optionaltypeyourfullname", True),
    ("optonaltypeyourfullmame", "optionaltypeyourfullname", True),  # OCR's misreading of our own hint
    ("optionaltypeyourfullname"[::-1], "optionaltypeyourfullname", False),  # same letters: bounds 1.0, ratio 0.17
    ("nameyourfulltypeoptional", "optionaltypeyourfullname", False),  # words in another order
    (SHORT, SHORT, False),
    (SHORT, "optionaltypeyourfullname", False),
    ("", "optionaltypeyourfullname", False),
    ("optionaltypeyourfullnameandmuchmoretextbesides", "optionaltypeyourfullname", False),  # lengths too far apart
    ("samnew", "optionaltypeyourfullname", False),
    (AT_THRESHOLD, FIFTY, True),
    (UNDER_THRESHOLD, FIFTY, False),
]


@pytest.mark.parametrize(("key", "instruction", "expected"), EDGES)
def test_nearly_answers_as_ratio_alone_at_the_edges(key: str, instruction: str, expected: bool) -> None:
    assert plain_ratio(key, instruction) is expected  # the table itself says what it means to
    assert _nearly(key, instruction) is expected


def test_the_threshold_cases_sit_on_the_threshold() -> None:
    assert SequenceMatcher(None, AT_THRESHOLD, FIFTY, autojunk=False).ratio() == FUZZY_INSTRUCTION_RATIO
    assert SequenceMatcher(None, UNDER_THRESHOLD, FIFTY, autojunk=False).ratio() < FUZZY_INSTRUCTION_RATIO


def _misread(word: str, slips: int, rng: random.Random) -> str:
    letters = list(word)
    for _ in range(slips):
        at = rng.randrange(len(letters) + 1)
        how = rng.choice(("drop", "swap", "add", "change", "turn"))
        if how == "drop" and at < len(letters):
            del letters[at]
        elif how == "add":
            letters.insert(at, rng.choice("aeilmnorst"))
        elif how == "change" and at < len(letters):
            letters[at] = rng.choice("aeilmnorst")
        elif how == "swap" and at + 1 < len(letters):
            letters[at], letters[at + 1] = letters[at + 1], letters[at]
        elif how == "turn":
            letters.reverse()
    return "".join(letters)


def test_nearly_answers_as_ratio_alone_for_misreadings_of_every_instruction() -> None:
    rng = random.Random(15)
    keys = [_misread(k, slips, rng) for k in INSTRUCTION_KEYS for slips in range(8) for _ in range(12)]
    keys += ["theoakwoodsurgery", "samnewnhsnet", "practicemanager", "drjolead", "a81001"]
    answers = [(key, instruction, _nearly(key, instruction)) for key in keys for instruction in INSTRUCTION_KEYS]
    assert answers == [(key, instruction, plain_ratio(key, instruction)) for key, instruction, _ in answers]
    near = sum(answer for _, _, answer in answers)
    assert 0 < near < len(answers)  # both answers were met


def test_printed_help_a_few_letters_off_is_help_and_a_value_is_not() -> None:
    assert is_instruction("optonal type your full mame")
    assert not is_instruction("The Oakwood Surgery")
    assert not is_instruction("Practice Manager")
