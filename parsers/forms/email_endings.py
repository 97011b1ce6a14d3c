"""An email address read by OCR whose name part ends in a letter Tesseract confuses with a digit: kept only when the
person's name, read on the same page, vouches for that last letter.

Tesseract's language model takes a digit ending a word for a letter (patel1@ read as patell@, adeyemi1@ as
adeyemil@, neill1@ as neilll@), and its readings agree: such an address is left to staff rather than risk the wrong
mailbox. But most addresses are the person's name (niamh.kowalski@, olu.patel@), and a name holds no digit: when
the address's last part is, letter for letter, a word of the person's name as read beside its own label, the last
letter was read twice, in two places, once where a digit cannot be. A digit read as a letter still makes a word
no name has (patell, adeyemil), and stays with staff."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from parsers.forms.label_wordings import letters
from parsers.forms.labelled_words import ReadValue
from parsers.forms.normalise import normalise_value

# Characters Tesseract reads for one another at the end of an address's name part: l, 1, i and |.
AMBIGUOUS_LAST = "l1i|"
# Whose name vouches for each address (the Primary User to replace has no name on the form).
PERSON_OF = {"pu_email": "pu_full_name", "sig_email": "sig_full_name", "pu_replaces": None}
# A name's word this short ("Al", "Li") is too likely to be the end of an address by chance.
MIN_NAME_LETTERS = 3
_PARTS = re.compile(r"[._+-]")
_NAME_PARTS = re.compile(r"['’-]")  # O'Neill's address may say neill, Smith-Patel's patel


def ambiguous_ending(address: str) -> bool:
    """Whether ADDRESS's name part (before the @) ends in a character OCR confuses with a digit."""
    return address.split("@", 1)[0][-1:] in AMBIGUOUS_LAST if "@" in address else False


def vouched_by_name(address: str, full_name: str) -> bool:
    """Whether the last part of ADDRESS's name part ("kowalski" of "niamh.kowalski@") is a word of FULL_NAME
    ("Dr Niamh Kowalski"), or a part of one ("neill" of "O'Neill"), letter for letter."""
    last = _PARTS.split(address.split("@", 1)[0])[-1]
    words = {letters(part) for word in full_name.split() for part in (word, *_NAME_PARTS.split(word))}
    return len(last) >= MIN_NAME_LETTERS and last in words


def with_endings_vouched(reads: Mapping[str, ReadValue]) -> dict[str, ReadValue]:
    """READS with each address that ends ambiguously left empty and unsure, for staff, unless its person's name
    (read surely, not unsure) vouches for it."""
    out = dict(reads)
    for field, person in PERSON_OF.items():
        read = out.get(field)
        address = normalise_value(field, read.value) if read is not None else ""
        if read is None or not ambiguous_ending(address):
            continue
        name = out.get(person) if person is not None else None
        if name is not None and name.value and not name.unsure and vouched_by_name(address, name.value):
            continue
        out[field] = replace(read, value="", unsure=True)
    return out
