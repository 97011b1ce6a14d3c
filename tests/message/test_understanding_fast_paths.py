"""The cheaper ways of understanding a message (issue 15) against the slower code they replace: each fast path
gives exactly what the regular expression or library call before it gave, on generated and hostile input."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from typing import TypeVar

import pytest
from dkim.canonicalization import CanonicalizationPolicy
from dkim.util import parse_tag_value

from parsers.app_names import _acronym_patterns, _acronyms_of, _flexible, _may_hold
from parsers.big_parts import _BASE64_RUN, base64_run_end
from parsers.from_address import _ATEXT_ASCII, is_dot_atom, parse_single_mailbox
from parsers.headers import (
    ADJACENT_WORDS,
    BETWEEN_WORDS,
    CONTROL,
    FOLD,
    _decode_words,
    decode_header_value,
    decode_unfolded,
    raw_header_text,
    unfold,
    unfolded_header_text,
)
from parsers.message import RAW_8BIT, parse_message
from parsers.polarity import HARMLESS, without_harmless
from parsers.raw_headers import line_split, split_message, without_line_breaks
from rules.dkim_verify import canonical_headers, tag_values

T = TypeVar("T", str, bytes)
LINE_BREAK = re.compile(rb"\r?\n")  # what parsers.raw_headers split and unfolded with
# The bytes that matter to line ends, and a few that do not.
PIECES = (b"\r", b"\n", b"\r\n", b"\r\r\n", b"\n\r", b" ", b"\t", b"a", b"From: x", b":", b"\x00")


def _joined(pieces: tuple[T, ...], seed: int, count: int, most: int) -> list[T]:
    """COUNT texts (str or bytes, as PIECES are) of up to MOST of PIECES each, chosen by SEED."""
    rng = random.Random(seed)
    empty = pieces[0][:0]
    return [empty.join(rng.choice(pieces) for _ in range(rng.randrange(0, most))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(5))
def test_line_split_and_unfolding_are_the_regular_expressions(seed: int) -> None:
    for data in _joined(PIECES, seed, 400, 14):
        assert line_split(data) == LINE_BREAK.split(data), data
        assert without_line_breaks(data) == LINE_BREAK.sub(b"", data), data


def test_line_split_on_real_header_blocks() -> None:
    block = (b"DKIM-Signature: v=1; a=rsa-sha256;\r\n b=abc\r\n def\r\nFrom: a@nhs.net\nTo: b@nhs.net\r\r\n"
             b"Subject: x\r\n\r\n")
    assert line_split(block) == LINE_BREAK.split(block)
    assert without_line_breaks(block) == LINE_BREAK.sub(b"", block)


HEADER_PIECES = (*PIECES, b"  ", b"\t\t", b" \r\n ", b"\r\n\t", b"\x0b", b"\x0c", b"B", b"=")


@pytest.mark.parametrize("c_value", [b"relaxed/relaxed", b"simple/simple", b"relaxed/simple", b"simple/relaxed"])
@pytest.mark.parametrize("seed", range(3))
def test_header_canonicalisation_is_dkimpys(c_value: bytes, seed: int) -> None:
    policy = CanonicalizationPolicy.from_c_value(c_value)
    rng = random.Random(seed)
    fields = [(b"".join(rng.choice((b"From", b"To ", b"X-A\t", b"subject", b" ")) for _ in range(rng.randrange(1, 3))),
               b"".join(rng.choice(HEADER_PIECES) for _ in range(rng.randrange(0, 16)))) for _ in range(400)]
    assert canonical_headers(policy, fields) == policy.canonicalize_headers(fields)


def _decoded_before(value: str) -> str:
    """parsers.headers.decode_header_value as it was: every value through FOLD and CONTROL."""
    text = FOLD.sub("", raw_header_text(value))
    if "=?" in text:
        text = BETWEEN_WORDS.sub(r"\1", text)
        text = ADJACENT_WORDS.sub(_decode_words, text)
    return CONTROL.sub(" ", text).strip()


VALUE_PIECES = ("a", " ", "\t", "\r\n ", "\n\t", "\r\n", "\n", "\r", "\x00", "\x07", "\x7f", "\x1f", "é", "\u2028",
                "\u00a0", "\udce9", "=?utf-8?B?w6k=?=", "=?iso-8859-1?Q?caf=E9?=", " =?utf-8?q?x?= ", "=?", "?=")


@pytest.mark.parametrize("seed", range(5))
def test_header_values_decode_as_before(seed: int) -> None:
    for value in _joined(VALUE_PIECES, seed, 600, 12):
        assert decode_header_value(value) == _decoded_before(value), repr(value)
        assert decode_unfolded(unfolded_header_text(value)) == _decoded_before(value), repr(value)
        assert unfolded_header_text(value) == FOLD.sub("", raw_header_text(value)), repr(value)
        assert (not value.isascii() and RAW_8BIT.search(value) is not None) == (RAW_8BIT.search(value) is not None)


TAG_PIECES = (b"v=1", b"a=rsa-sha256", b";", b"; ", b"=", b" ", b"\r\n ", b"b=ab c", b"1x=2", b"_a=1", b"\xe9=1",
              b"h=from : to", b"d=nhs.net", b"v=2", b"x", b"", b"A9_=", b"\t")


def _outcome(call: Callable[[], object]) -> tuple[str, object]:
    try:
        return ("returned", call())
    except Exception as exc:  # noqa: BLE001 - the kind and text of the error are what is compared
        return ("raised", (type(exc), exc.args))


@pytest.mark.parametrize("seed", range(4))
def test_tag_values_are_dkimpys_parse_tag_value(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(800):
        tag_list = b"".join(rng.choice(TAG_PIECES) for _ in range(rng.randrange(0, 9)))
        assert _outcome(lambda: tag_values(tag_list)) == _outcome(lambda: parse_tag_value(tag_list)), tag_list  # noqa: B023


def _dot_atom_before(text: str) -> bool:
    atoms = text.split(".")
    return all(atoms) and all(_ATEXT_ASCII.match(c) or (ord(c) > 127 and c.isprintable() and not c.isspace())
                              for atom in atoms for c in atom)


ATOM_PIECES = ("a", "Z", "0", ".", "..", "!", "#", "~", "-", "_", "@", " ", "\t", "(", "\"", "é", "\u00a0", "\n", "[")


@pytest.mark.parametrize("seed", range(4))
def test_dot_atoms_are_read_as_before(seed: int) -> None:
    for text in _joined(ATOM_PIECES, seed, 1000, 8):
        assert is_dot_atom(text) == _dot_atom_before(text), repr(text)


MAILBOX_PIECES = ("jane", "@", "nhs.net", " ", "\t", "<", ">", "(c)", '"J S"', ",", "\u200b", "\x07", "\u2028",
                  "\u00a0", "é", "=?utf-8?q?x?=", "\x00", "\u00ad")


def _control_before(value: str) -> str | None:
    """The first character parse_single_mailbox refused before it asked isprintable, as its problem."""
    for ch in value:
        if ch not in " \t" and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            return f"the From header holds an invisible or control character (U+{ord(ch):04X})"
    return None


@pytest.mark.parametrize("seed", range(4))
def test_single_mailboxes_refuse_the_same_characters(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(800):
        value = "".join(rng.choice(MAILBOX_PIECES) for _ in range(rng.randrange(0, 7)))
        refused = _control_before(value)
        kind, outcome = _outcome(lambda: parse_single_mailbox(value))  # noqa: B023 - called at once
        problem = outcome[1][0] if kind == "raised" else ""  # type: ignore[index]
        if refused is not None:
            assert problem == refused, repr(value)
        else:
            assert not problem.startswith("the From header holds an invisible"), repr(value)


@pytest.mark.parametrize("seed", range(3))
def test_fields_and_headers_by_name_are_the_scans_they_replace(seed: int) -> None:
    rng = random.Random(seed)
    names = ("From", "from", "FROM", "To", "DKIM-Signature", "dkim-signature", "Received", "Subject")
    for _ in range(200):
        chosen = [rng.choice(names) for _ in range(rng.randrange(0, 9))]
        raw = "".join(f"{name}: v{i}\r\n" for i, name in enumerate(chosen)).encode() + b"\r\nbody\r\n"
        headers = split_message(raw)
        parsed = parse_message(raw)
        for name in (*names, "Cc", "message-id"):
            key = name.lower()
            assert headers.named(name) == tuple(f for f in headers.fields if f.key == key)
            assert headers.count(name) == len(tuple(f for f in headers.fields if f.key == key))
            assert parsed.headers_named(name) == tuple(v for k, v in parsed.headers if k.lower() == key)
            assert parsed.header(name) == next((v for k, v in parsed.headers if k.lower() == key), None)


RUN_PIECES = (b"QUJD", b"ZGVm+/==", b"\r\n", b"\n", b"\r", b"--", b"-", b" ", b"\x00", b"\xff", b":", b"A" * 700)


@pytest.mark.parametrize("seed", range(4))
def test_base64_run_ends_where_the_pattern_ends(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        raw = b"".join(rng.choice(RUN_PIECES) for _ in range(rng.randrange(0, 40)))
        for start in {0, len(raw) // 3, len(raw) // 2, len(raw), len(raw) + 1, rng.randrange(0, len(raw) + 1)}:
            run = _BASE64_RUN.match(raw, start)
            assert base64_run_end(raw, start) == (run.end() if run is not None else start), (raw, start)


def _line_defects_before(raw: bytes) -> list[int]:
    """The header lines (from 1) split_message found a bare CR or a NUL in, asking every line as it did."""
    lines = LINE_BREAK.split(raw[:split_message(raw).body_start])
    found = []
    for i, line in enumerate(lines):
        if not line:
            break
        if b"\r" in line or b"\x00" in line:
            found.append(i + 1)
    return found


MESSAGE_PIECES = (b"From: a@nhs.net", b"To: b", b"\r\n", b"\n", b"\r", b"\x00", b" x", b"\tb", b"Subject: s",
                  b"\r\n\r\n", b"\n\n", b"body", b"\r\r\n")


@pytest.mark.parametrize("seed", range(4))
def test_header_lines_with_a_bare_cr_or_a_nul_are_found_as_before(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(500):
        raw = b"".join(rng.choice(MESSAGE_PIECES) for _ in range(rng.randrange(0, 12)))
        expected = [f"header line {n} holds a bare carriage return or a NUL byte" for n in _line_defects_before(raw)]
        found = [d for d in split_message(raw).defects if "bare carriage return" in d]
        assert found == expected[: len(found)], raw
        if len(split_message(raw).defects) <= 5:  # (past five, the rest are counted in one line)
            assert found == expected, raw


FOLD_PIECES = ("a", " ", "\t", "\r", "\n", "\r\n", "\r\r\n", "\n\r", "\r\n ", "\n\t", "b=x;")


@pytest.mark.parametrize("seed", range(4))
def test_unfolding_is_fold_sub(seed: int) -> None:
    for text in _joined(FOLD_PIECES, seed, 1500, 12):
        assert unfold(text) == FOLD.sub("", text), repr(text)


HARMLESS_PIECES = ("I am ", "NOT ", "not ", "sure", "Sure", " if ", "If Not", "doesn't have", "DON'T HAVE", "can't",
                   "cannot see", "Unable to access", "UNABLE", " x ", "n't", "no", "t", "haven't got", ".", "\n")


@pytest.mark.parametrize("seed", range(4))
def test_harmless_phrases_are_blanked_as_before(seed: int) -> None:
    for text in _joined(HARMLESS_PIECES, seed, 1000, 8):
        assert without_harmless(text) == HARMLESS.sub(lambda m: " " * len(m.group(0)), text), repr(text)


CATALOGUE = ("Prior Notification List", "Call and Recall", "Cervical Screening Results", "Screening History",
             "Sender Reports", "Organisation Maintenance", "\u017fcreening Kit", "Open & Shut")
NAME_PIECES = ("prior ", "PRIOR", "notification", "List", "call", "/", "&", " and ", "+", "recall", "CSR", "csr",
               "PNL", "s", "\u017f", "\u212a", "kit", "screening", "Results", "-", " ", "history", "open", "shut", "é")


@pytest.mark.parametrize("seed", range(4))
def test_names_skipped_are_names_their_patterns_cannot_find(seed: int) -> None:
    acronyms = _acronyms_of(CATALOGUE)
    for text in _joined(NAME_PIECES, seed, 800, 10):
        lowered = text.lower() if text.isascii() else None
        for name in CATALOGUE:
            if not _may_hold(lowered, name):
                assert _flexible(name).search(text) is None, (name, text)
        for name, pattern in _acronym_patterns(CATALOGUE):
            if acronyms[name] not in text:
                assert pattern.search(text) is None, (name, text)
