"""clean_subject makes a subject one safe line: its fast path for plain ASCII gives what the character-by-character
path gives, and neither lets a CR or LF (header injection), a control or a format character (bidi override) through,
whatever the subject holds."""

from __future__ import annotations

import unicodedata

import pytest

from mailbot.outbox.replies import MAX_SUBJECT, clean_subject


def _by_each_character(text: str) -> str:
    """The rule itself, one character at a time (what clean_subject did before its fast path)."""
    kept = "".join(" " if ch in "\r\n\t" else ch for ch in text
                   if ch in "\r\n\t" or unicodedata.category(ch) not in ("Cc", "Cf"))
    return " ".join(kept.split())[:MAX_SUBJECT]


SUBJECTS = [
    "Access request for A81001",
    "  Re:   Fwd:  spaced   out  ",
    "Hello\r\nBcc: victim@example.com",  # header injection
    "Hello\nX-Injected: yes\rmore\ttab",
    "bell\x07 and del\x7f and nul\x00 and esc\x1b[31m",
    "separators\x1c\x1d\x1e\x1f vertical\x0b feed\x0c",
    "=?utf-8?q?Caf=C3=A9_request?=",  # an encoded word the parser did not decode: kept as text
    "=?utf-8?b?SGVsbG8NCkJjYzogeEB5?=",
    "Café request — Dr Müller",
    "invoice\u202egnp.exe",  # bidi override
    "zero\u200bwidth\ufeffbom",
    "no\u00a0break and ideographic\u3000space",
    "line\u2028separator\u2029paragraph\x85next",
    "",
    "x" * (MAX_SUBJECT + 50),
    "y " * MAX_SUBJECT,
]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_clean_subject_is_the_rule_for_every_subject(subject: str) -> None:
    cleaned = clean_subject(subject)
    assert cleaned == _by_each_character(subject)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in cleaned)
    assert "\r" not in cleaned and "\n" not in cleaned and len(cleaned) <= MAX_SUBJECT


def test_what_clean_subject_makes_of_hostile_subjects() -> None:
    assert clean_subject("Hello\r\nBcc: victim@example.com") == "Hello Bcc: victim@example.com"
    assert clean_subject("bell\x07 del\x7f") == "bell del"
    assert clean_subject("invoice\u202egnp.exe") == "invoicegnp.exe"
    assert clean_subject("=?utf-8?q?Caf=C3=A9?=") == "=?utf-8?q?Caf=C3=A9?="
    assert clean_subject("  Re:   a  ") == "Re: a"


def test_every_ascii_character_alone_and_in_company() -> None:
    for code in range(128):
        for subject in (chr(code), f"a{chr(code)}b", f" {chr(code)}\r\n"):
            assert clean_subject(subject) == _by_each_character(subject), repr(subject)
