"""What a value of each field looks like (an ODS code, an email address, a real date...): what an OCR slip usually
is not. A value read by OCR that is not of its field's kind is left to staff."""

from __future__ import annotations

import re
from datetime import date

from parsers.forms.normalise import EMAIL_FIELDS, NO_SPACE_FIELDS

_EMAIL = re.compile(r"^[a-z0-9][a-z0-9._%+'-]*@[a-z0-9-]+(\.[a-z0-9-]+)+$")
_ODS = re.compile(r"^[A-Z0-9]{3,6}$")
_PHONE = re.compile(r"^\+?[\d ()-]{10,20}$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z .'’-]*$")
_TEXT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .,'’&()/-]*$")
# Read by Tesseract's language model as a letter when it is a digit, or the other way: before an @ they are left to
# staff unless shown (before_at.py). Kept here, not there: the checks import this module in the daemon, and
# before_at.py brings OpenCV, NumPy and Pillow (some 35 MB of the daemon's memory), which only form readers need.
AMBIGUOUS_BEFORE_AT = "l1i|"

# Tesseract's language model takes a digit ending a word for a letter (patel1@ read as patell@, jones5@ as
# joness@), and its readings agree: an address ending in such a character (AMBIGUOUS_BEFORE_AT) is left to staff
# rather than risk the wrong mailbox, unless its glyph (before_at.py) or the name (email_endings.py) shows it.
# Letters Tesseract reads for a digit (S for 5, O for 0, I for 1, Z for 2, B for 8, G for 6, Q and D for 0).
_DIGIT_LIKE = "SOIZBGQD"
# In an email address as read, before it is lower-cased: a capital after a small letter or a digit in one part of
# its name ("mei.jonesS@" for "mei.jones5@", "chenS5@" for "chen5@"). People do not type addresses so; OCR reads a
# 5 so, and lower-casing would hide it.
_EMAIL_CASE_SLIP = re.compile(r"[a-z0-9][A-Z]")
# In an ODS code as read: a small letter (a code is capitals and digits), or a digit-like capital after a digit
# ("A81O01").
_CODE_SLIP = re.compile(rf"[a-z]|[0-9][{_DIGIT_LIKE}]")


def valid_for(name: str, value: str, ending_shown: bool = False) -> bool:
    """Whether VALUE (normalised) could be a value of field NAME: what an OCR slip usually is not, and not one
    that OCR is known to confuse with another valid value (an email address's character before its @ may be,
    unless ENDING_SHOWN: its glyph or the person's name showed it)."""
    if not value:
        return True
    if name in EMAIL_FIELDS:
        local = value.split("@", 1)[0]
        return _EMAIL.match(value) is not None and (ending_shown or local[-1:] not in AMBIGUOUS_BEFORE_AT)
    if name == "org_code":
        return _ODS.match(value) is not None
    if name == "sig_date":
        return real_date(value)
    if name == "pu_phone":
        return _PHONE.match(value) is not None and sum(c.isdigit() for c in value) >= 10
    if name == "pu_request":
        return value in ("new", "additional", "replacement")
    if name in ("pu_full_name", "sig_full_name"):
        return _NAME.match(value) is not None
    return _TEXT.match(value) is not None


def real_date(value: str) -> bool:
    return form_date(value) is not None


def form_date(value: str) -> date | None:
    """The day VALUE names in the form's dd/mm/yyyy (as parsers.forms.normalise leaves it); None when it is not one
    (31/02/2026, or 12/31/2026 in the American order)."""
    match = re.match(r"^(\d{2})/(\d{2})/(\d{4})$", value)
    if match is None:
        return None
    try:
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None


def case_slip(name: str, text: str) -> bool:
    """Whether TEXT, a value of field NAME as OCR read it (before it is normalised), shows a slip in the case of a
    letter that normalising would hide: a digit read as a letter."""
    if name in NO_SPACE_FIELDS:
        text = "".join(text.split())
    if name in EMAIL_FIELDS:
        return _EMAIL_CASE_SLIP.search(text.split("@", 1)[0]) is not None
    if name == "org_code":
        return _CODE_SLIP.search(text) is not None
    return False
