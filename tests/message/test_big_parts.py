"""Big base64 bodies set aside before the stdlib's MIME parser reads a message (parsers.big_parts): the parse is the
same as over the whole message, whatever shape the message has, and the parser no longer holds the big bodies."""

from __future__ import annotations

import base64
import random
import tracemalloc
from dataclasses import fields

import pytest

import parsers.big_parts
import parsers.message
import parsers.mime_body
from parsers.big_parts import SetAside, set_aside
from parsers.message import ParsedMessage, parse_message

DATA = b"%PDF-1.7\n" + random.Random(7).randbytes(400_000)
B64 = base64.encodebytes(DATA).replace(b"\n", b"\r\n")
HEAD = b"From: a@nhs.net\r\nTo: b@nhs.net\r\nSubject: x\r\nMessage-ID: <m@nhs.net>\r\nMIME-Version: 1.0\r\n"


def _multipart(*parts: bytes, boundary: bytes = b"b", epilogue: bytes = b"") -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts)
    return (HEAD + b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\npreamble\r\n" + body
            + b"--" + boundary + b"--\r\n" + epilogue)


def _part(ctype: bytes, content: bytes, extra: bytes = b"", encoding: bytes = b"base64") -> bytes:
    return (b"Content-Type: " + ctype + b"\r\nContent-Transfer-Encoding: " + encoding + b"\r\n" + extra + b"\r\n"
            + content)


TEXT = _part(b"text/plain", b"Please find the form attached.\r\n", encoding=b"7bit")
SHAPES = {
    "a PDF and a zip": _multipart(TEXT, _part(b"application/pdf", B64, b"Content-Disposition: attachment; "
                                              b"filename=form.pdf\r\n"), _part(b"application/zip", B64)),
    "the whole message one PDF": HEAD + b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
                                        b"\r\n" + B64,
    "a big base64 text body": _multipart(_part(b"text/plain; charset=us-ascii", B64)),
    "empty lines inside and after the base64": _multipart(
        TEXT, _part(b"application/pdf", B64[:200_000] + b"\r\n" + B64[200_000:] + b"\r\n\r\n")),
    "base64-looking lines in a 7bit text part after a paragraph": _multipart(_part(
        b"text/plain", b"Hello,\r\n\r\n" + B64 + b"\r\n-- \r\nAlan", encoding=b"7bit")),
    "a dash line that is no boundary": _multipart(_part(b"application/octet-stream", B64 + b"--not-it\r\n" + B64)),
    "a forwarded message with a PDF": _multipart(TEXT, b"Content-Type: message/rfc822\r\n\r\n" + HEAD.replace(
        b"m@nhs", b"inner@nhs") + b"Content-Type: multipart/mixed; boundary=inner\r\n\r\n--inner\r\n"
        + _part(b"application/pdf", B64) + b"\r\n--inner--\r\n"),
    "an encoded forwarded message": _multipart(TEXT, _part(b"message/rfc822", base64.encodebytes(
        HEAD + b"Content-Type: text/plain\r\n\r\n" + b"words " * 60_000).replace(b"\n", b"\r\n"))),
    "a big preamble and epilogue": _multipart(TEXT, _part(b"application/pdf", B64)).replace(
        b"preamble\r\n", b"\r\n" + B64) + b"\r\n" + B64,
    "no boundary in the multipart": HEAD + b"Content-Type: multipart/mixed\r\n\r\n" + B64,
    "LF line ends": _multipart(TEXT, _part(b"application/pdf", B64)).replace(b"\r\n", b"\n"),
    "a boundary cut off": _multipart(TEXT, _part(b"application/pdf", B64)).rsplit(b"--b--", 1)[0],
}


# Small bodies are set aside too (parsers.big_parts.SET_ASIDE_FROM), and put back whole before they are read: a
# form of some kilobytes, and runs of base64 characters where no attachment is (a report, a paragraph, a preamble).
SMALL = base64.encodebytes(DATA[:20_000]).replace(b"\n", b"\r\n")
SMALL_SHAPES = {
    "a small PDF": _multipart(TEXT, _part(b"application/pdf", SMALL, b"Content-Disposition: attachment; "
                                          b"filename=form.pdf\r\n")),
    "a small PDF, LF line ends": _multipart(TEXT, _part(b"application/pdf", SMALL)).replace(b"\r\n", b"\n"),
    "small and big together": _multipart(TEXT, _part(b"application/pdf", SMALL), _part(b"application/pdf", B64),
                                         _part(b"image/png", SMALL[:6000])),
    "a small base64 text body": _multipart(_part(b"text/plain; charset=us-ascii", SMALL)),
    "base64-looking lines in a report": HEAD + b"Content-Type: multipart/report; report-type=delivery-status; "
        b"boundary=b\r\n\r\n--b\r\n" + TEXT + b"\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.nhs.net\r\n\r\n" + SMALL + b"--b--\r\n",
    "a paragraph of letters in a 7bit text": _multipart(_part(
        b"text/plain", b"Hello,\r\n\r\n" + b"A" * 5000 + b"\r\n-- \r\nAlan", encoding=b"7bit")),
    "a small PDF in a forwarded message": _multipart(TEXT, b"Content-Type: message/rfc822\r\n\r\n" + HEAD.replace(
        b"m@nhs", b"inner@nhs") + b"Content-Type: multipart/mixed; boundary=inner\r\n\r\n--inner\r\n"
        + _part(b"application/pdf", SMALL) + b"\r\n--inner--\r\n"),
    "a small preamble and epilogue": _multipart(TEXT, _part(b"application/pdf", SMALL)).replace(
        b"preamble\r\n", b"\r\n" + SMALL) + b"\r\n" + SMALL,
    "damaged small base64": _multipart(TEXT, _part(b"application/pdf", SMALL[:9001] + b"\r\n")),
    "a stand-in look-alike": _multipart(_part(b"text/plain", b"stand-in-0123456789abcdef-0\r\n\r\n" + SMALL,
                                              encoding=b"7bit")),
}


def _same(a: ParsedMessage, b: ParsedMessage) -> None:
    for f in fields(ParsedMessage):
        if f.name != "attachments":
            assert getattr(a, f.name) == getattr(b, f.name), f.name
    assert len(a.attachments) == len(b.attachments)
    for x, y in zip(a.attachments, b.attachments, strict=True):
        assert (x.filename, x.declared_type, x.sniffed_type, x.size, x.embedded) == (
            y.filename, y.declared_type, y.sniffed_type, y.size, y.embedded)
        assert x.data == y.data


@pytest.mark.parametrize("shape", [*SHAPES, *(name for name in SMALL_SHAPES if name != "small and big together")])
def test_the_parse_is_the_same_as_over_the_whole_message(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = SHAPES.get(shape) or SMALL_SHAPES[shape]
    assert set_aside(raw).spans  # each shape has something set aside (and some of it put back)
    with_aside = parse_message(raw)
    monkeypatch.setattr(parsers.message, "set_aside", lambda data: SetAside(data))
    _same(with_aside, parse_message(raw))


def test_only_whole_base64_bodies_at_a_boundary_are_set_aside() -> None:
    aside = set_aside(SHAPES["a PDF and a zip"])
    assert len(aside.spans) == 2 and len(aside.shrunk) < 2000
    for start, end in aside.spans.values():
        assert SHAPES["a PDF and a zip"][start:end] == B64.rstrip(b"\r\n") or B64.startswith(
            SHAPES["a PDF and a zip"][start:end])
    assert set_aside(SHAPES["a dash line that is no boundary"]).spans  # set aside, and put back (see above)
    assert not set_aside(TEXT * 10).spans


def test_the_parser_never_holds_a_big_body() -> None:
    raw = _multipart(TEXT, *[_part(b"application/pdf", base64.encodebytes(random.Random(n).randbytes(3_000_000))
                                   .replace(b"\n", b"\r\n")) for n in range(2)])
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    parsed = parse_message(raw)
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    assert [a.size for a in parsed.attachments] == [3_000_000, 3_000_000]
    assert peak < 1_000_000, f"parsing an {len(raw):,} byte message took {peak:,} bytes besides it"


def _only_big_set_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bodies set aside as they were before small ones were: from parsers.mime_body.LAZY_FROM bytes."""
    monkeypatch.setattr(parsers.big_parts, "SET_ASIDE_FROM", parsers.mime_body.LAZY_FROM)


@pytest.mark.parametrize("shape", list(SMALL_SHAPES))
def test_a_small_body_set_aside_is_read_exactly_as_before(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The very same ParsedMessage, each attachment's payload too: a small part is decoded at parse time, as it was
    when only big bodies were set aside."""
    raw = SMALL_SHAPES[shape]
    with_aside = parse_message(raw)
    _only_big_set_aside(monkeypatch)
    assert with_aside == parse_message(raw)


def test_real_and_hostile_mail_parses_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.message.test_feed_parser import CORPUS
    mail = [raw for raw in CORPUS.values() if len(raw) < 100_000]
    with_aside = [parse_message(raw) for raw in mail]
    assert sum(bool(set_aside(raw).spans) for raw in mail) >= 3  # some real mail has bodies set aside
    _only_big_set_aside(monkeypatch)
    assert not any(set_aside(raw).spans for raw in mail)
    assert with_aside == [parse_message(raw) for raw in mail]
