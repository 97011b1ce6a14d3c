"""parsers.feed_parser's BytesFeedParser gives the stdlib's tree: its boundary matcher answers as the stdlib's compiled
boundary pattern does, and real, hostile and mutated mail parse to the same messages through both."""

from __future__ import annotations

import random
import re
from email.feedparser import BytesFeedParser as StdlibBytesFeedParser
from email.message import Message
from email.policy import compat32
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.feed_parser import BoundaryMatcher, BytesFeedParser, boundary_separator
from tests.message.samples import all_samples
from tests.message.test_fuzz import mutate
from tests.message.test_hostile import HOSTILE
from tests.support.mail_builder import raw_message

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "messages"
# Boundaries as mail programs write them, and as a hostile sender could: regular expression syntax, spaces, dashes,
# a trailing "--", non-ASCII (the parser sees 8-bit bytes as lone surrogates).
ODD_BOUNDARIES = ("x", "===============1743581091105002820==", "a.b*c+d?(e)[f]{2}|g^h$i\\j", "with space ",
                  "--", "-", "", "b--", "\udcff\u00e9", "Apple-Mail=_D4A1\t", "(?P<sep>x)")


def _stdlib_pattern(separator: str) -> str:
    """The pattern Python 3.11's FeedParser._parsegen compiles for SEPARATOR ("--" + boundary)."""
    return "(?P<sep>" + re.escape(separator) + r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"


def _groups(match: re.Match[str] | None) -> tuple[str | None, ...] | None:
    return None if match is None else (match.group("end"), match.group("ws"), match.group("linesep"))


_LINE_PIECES = st.sampled_from(["--", "-", " ", "\t", "\r", "\n", "\r\n", "x", "\udcff", "="])


@settings(max_examples=400, deadline=None)
@given(boundary=st.text(max_size=12) | st.sampled_from(ODD_BOUNDARIES),
       prefix=st.sampled_from(["", "--", "-", " "]), tail=st.lists(_LINE_PIECES, max_size=6))
def test_the_boundary_matcher_answers_as_the_stdlib_pattern(boundary: str, prefix: str, tail: list[str]) -> None:
    separator = "--" + boundary
    line = prefix + separator + "".join(tail)
    for candidate in (line, line[:len(line) // 2], separator[:-1]):
        expected = re.compile(_stdlib_pattern(separator)).match(candidate)
        assert _groups(BoundaryMatcher(separator).match(candidate)) == _groups(expected)


@settings(max_examples=300, deadline=None)
@given(separator=st.text(max_size=20))
def test_the_boundary_pattern_is_recognised_exactly(separator: str) -> None:
    assert boundary_separator(_stdlib_pattern(separator)) == separator
    assert boundary_separator(_stdlib_pattern(separator) + "x") is None


def test_other_patterns_are_not_taken_for_a_boundary() -> None:
    after = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
    for pattern in (r"\r\n|\r|\n", "(?P<sep>a|b" + after, r"(?P<sep>\d" + after, "(?P<sep>a\\" + after):
        assert boundary_separator(pattern) is None


def _shape(msg: Message) -> Any:
    """Everything the parser decided about MSG and its parts, as plain data."""
    payload = msg.get_payload()
    return (type(msg).__name__, msg._headers, msg._unixfrom, msg.preamble, msg.epilogue,  # type: ignore[attr-defined]
            [(type(d).__name__, str(d)) for d in msg.defects], msg.get_default_type(),
            [_shape(part) for part in payload] if isinstance(payload, list) else payload)


def _parsed(parser_type: type[Any], raw: bytes, piece: int) -> Message:
    parser = parser_type(policy=compat32)
    for start in range(0, len(raw), piece):
        parser.feed(raw[start: start + piece])
    return parser.close()  # type: ignore[no-any-return]


def _corpus() -> dict[str, bytes]:
    mail = {f"golden/{path.name}": path.read_bytes() for path in sorted(GOLDEN.glob("*.eml"))}
    mail.update(all_samples())
    mail.update({f"hostile: {name}": raw_message(["From: a@nhs.net", *headers], body)
                 for name, (headers, body) in HOSTILE.items()})
    for boundary in ODD_BOUNDARIES:
        quoted = boundary.encode("utf-8", "surrogateescape").replace(b"\\", b"\\\\").replace(b'"', b'\\"')
        for close in (b"--" + quoted + b"--\r\n", b"--" + quoted + b"-- \t\r\nepilogue", b""):
            mail[f"boundary {boundary!r}, close {close!r}"] = (
                b'From: a@nhs.net\r\nContent-Type: multipart/mixed; boundary="' + quoted + b'"\r\n\r\npreamble\r\n'
                b"--" + quoted + b"\r\n--" + quoted + b" \r\nContent-Type: multipart/alternative; boundary=\""
                + quoted + b'x"\r\n\r\n--' + quoted + b"x\r\n\r\ninner\r\n--" + quoted + b"x--\r\n--" + quoted
                + b"\t\t\r\nContent-Type: text/plain\r\n\r\nsecond\r\n" + close)
    return mail


CORPUS = _corpus()


@pytest.mark.parametrize("name", list(CORPUS))
def test_real_and_hostile_mail_parses_to_the_stdlib_tree(name: str) -> None:
    raw = CORPUS[name]
    for piece in (65536, 7) if len(raw) < 100_000 else (65536,):  # (7: boundaries cut across the pieces fed)
        assert _shape(_parsed(BytesFeedParser, raw, piece)) == _shape(_parsed(StdlibBytesFeedParser, raw, piece))


@pytest.mark.parametrize("seed", range(3))
def test_mutated_mail_parses_to_the_stdlib_tree(seed: int) -> None:
    rng = random.Random(seed)
    samples = [raw for raw in CORPUS.values() if len(raw) < 100_000]  # (the big hostile ones take the stdlib seconds)
    for _ in range(300):
        raw = mutate(rng, rng.choice(samples), samples)
        assert _shape(_parsed(BytesFeedParser, raw, 65536)) == _shape(_parsed(StdlibBytesFeedParser, raw, 65536))


def test_no_boundary_pattern_is_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    real_compile = re.compile
    monkeypatch.setattr(re, "compile", lambda pattern, flags=0: compiled.append(pattern) or real_compile(pattern,
                                                                                                          flags))
    _parsed(BytesFeedParser, CORPUS["boundary 'x', close b''"], 65536)
    assert compiled == []
    _parsed(StdlibBytesFeedParser, CORPUS["boundary 'x', close b''"], 65536)
    assert compiled  # (the test sees the stdlib's compiles: so it would see ours)
