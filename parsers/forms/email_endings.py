"""An email address read by OCR whose name part ends in a character Tesseract confuses with a digit (before_at.py):
kept when the person's name, read on the same page, vouches for that last letter.

Tesseract's language model takes a digit ending a word for a letter (patel1@ read as patell@, adeyemi1@ as
adeyemil@, neill1@ as neilll@), and its readings agree: such an address is left to staff rather than risk the wrong
mailbox. But most addresses are the person's name (niamh.kowalski@, olu.patel@), and a name holds no digit: when
the address's last part is, letter for letter, a word of the person's name as read beside its own label, the last
letter was read twice, in two places, once where a digit cannot be. A digit read as a letter still makes a word
no name has (patell, adeyemil), and stays with staff."""

from __future__ import annotations

import re
from collections.abc import Mapping

from parsers.forms.label_wordings import letters
from parsers.forms.labelled_words import ReadValue

# Whose name vouches for each address (the Primary User to replace has no name on the form).
PERSON_OF = {"pu_email": "pu_full_name", "sig_email": "sig_full_name"}
# A name's word this short ("Al", "Li") is too likely to be the end of an address by chance.
MIN_NAME_LETTERS = 3
_PARTS = re.compile(r"[._+-]")
_NAME_PARTS = re.compile(r"['’-]")  # O'Neill's address may say neill, Smith-Patel's patel


def vouched_by_name(address: str, full_name: str) -> bool:
    """Whether the last part of ADDRESS's name part ("kowalski" of "niamh.kowalski@") is a word of FULL_NAME
    ("Dr Niamh Kowalski"), or a part of one ("neill" of "O'Neill"), letter for letter."""
    last = _PARTS.split(address.split("@", 1)[0])[-1]
    words = {letters(part) for word in full_name.split() for part in (word, *_NAME_PARTS.split(word))}
    return len(last) >= MIN_NAME_LETTERS and last in words


def person_named(reads: Mapping[str, ReadValue], field: str) -> str:
    """The name read surely (not unsure) beside the person whose address FIELD is, or "" when there is none."""
    person = PERSON_OF.get(field)
    read = reads.get(person) if person is not None else None
    return read.value if read is not None and read.value and not read.unsure else ""
