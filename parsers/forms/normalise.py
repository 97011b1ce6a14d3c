"""Field values as people (and PDF tools) leave them, made comparable: whitespace, the case of email addresses and
codes, dates as dd/mm/yyyy. Printing through another tool lets spaces creep into values; where a value cannot hold
a space (an email, a code, a date) they are taken out."""

from __future__ import annotations

import re

EMAIL_FIELDS = ("pu_email", "pu_replaces", "sig_email")
NO_SPACE_FIELDS = (*EMAIL_FIELDS, "org_code", "sig_date")
REQUEST_WORDS = ("new", "additional", "replacement")

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# A month written as a word names the day whatever the order: "1 December 2026", "1st Dec 2026", "December 1, 2026".
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_MONTH = r"([a-z]{3,9})\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_DAY_MONTH_YEAR = re.compile(rf"^{_DAY}\s*{_MONTH}\s*,?\s*(\d{{4}})$")
_MONTH_DAY_YEAR = re.compile(rf"^{_MONTH}\s*{_DAY}\s*,?\s*(\d{{4}})$")


def normalise_fields(fields: dict[str, str]) -> dict[str, str]:
    return {name: normalise_value(name, value) for name, value in fields.items()}


def normalise_value(name: str, value: str) -> str:
    text = " ".join((value or "").replace("\x00", "").split())
    if name in NO_SPACE_FIELDS:
        text = text.replace(" ", "")
    if name in EMAIL_FIELDS:
        return text.lower()
    if name == "org_code":
        return text.upper()
    if name == "sig_date":
        return normalise_date(text)
    if name == "pu_request":
        return normalise_request(text)
    return text


def normalise_date(text: str) -> str:
    """dd/mm/yyyy for the forms of a day people write (1/2/26, 01-02-2026, 01.02.2026, 2026-02-01, 1st Feb 2026);
    else as is (12/31/2026 stays as written: the American order is not guessed at)."""
    match = _DMY.match(text)
    if match:
        day, month, year = match.groups()
        year = year if len(year) == 4 else f"20{year}"
    elif (match := _YMD.match(text)) is not None:
        year, month, day = match.groups()
    elif (named := _named_month(text)) is not None:
        day, month, year = named
    else:
        return text
    if not (1 <= int(day) <= 31 and 1 <= int(month) <= 12):
        return text
    return f"{int(day):02d}/{int(month):02d}/{year}"


def _named_month(text: str) -> tuple[str, str, str] | None:
    """(day, month number, year) of a date whose month is a word, in full or cut short ("Sept"); else None."""
    lowered = text.lower()
    if (match := _DAY_MONTH_YEAR.match(lowered)) is not None:
        day, word, year = match.groups()
    elif (match := _MONTH_DAY_YEAR.match(lowered)) is not None:
        word, day, year = match.groups()
    else:
        return None
    number = next((i for i, name in enumerate(MONTHS, 1) if name.startswith(word)), None)
    return (day, str(number), year) if number is not None else None


def normalise_request(text: str) -> str:
    """One of new / additional / replacement when the value says one of them (any case, spaces), else as is."""
    letters = re.sub(r"[^a-z]", "", text.lower())
    for word in REQUEST_WORDS:
        if letters == word:
            return word
    return text
