"""Inputs built to make parsers take quadratic time. Each is about 500 KB: in linear time it takes well under a
second; the quadratic paths these guard against took minutes at this size (a regression fails, slowly)."""

from __future__ import annotations

import random
import time

import pytest

from parsers import header_guard
from parsers.header_guard import MAX_MIME_HEADER, MIME_HEADER, mime_headers
from parsers.kinds import KindContext, classify
from parsers.message import parse_message
from tests.support.mail_builder import raw_message

CTX = KindContext("pcse.openexeter@nhs.net", "no-reply@openexeter.nhs.uk", "mailbot.example")
SIZE = 500_000
BUDGET_SECONDS = 3.0
HTML = "Content-Type: text/html"

HOSTILE = {
    "many Content-Type parameters": (["Content-Type: multipart/mixed; " + "a=b; " * (SIZE // 5) + "boundary=x"],
                                     "--x\r\nhi\r\n--x--\r\n"),
    "folded RFC 2231 filename": (["Content-Type: multipart/mixed; boundary=b"],
                                 "--b\r\nContent-Disposition: attachment;\r\n"
                                 + "".join(f" filename*{i}*=utf-8''x;\r\n" for i in range(SIZE // 25))
                                 + "\r\nx\r\n--b--\r\n"),
    "unclosed tags": ([HTML], "<a " * (SIZE // 3)),
    "a run of less-than signs": ([HTML], "<" * SIZE),
    "unclosed comments": ([HTML], "<!--" * (SIZE // 4)),
    "one long word": ([], "a" * SIZE),
    "at signs": ([], "a@" * (SIZE // 2)),
    "a long line of spaces": ([], "x " + " " * SIZE + "x"),
    "reply-header look-alikes": ([], "From: x\n" * (SIZE // 8)),
    "long labelled value": ([], "Applications: " + "a, " * (SIZE // 3)),
    "Message-ID of at signs": (["Message-ID: <" + "a@" * (SIZE // 2)], "x"),
    "encoded-word openers": (["Subject: " + "=?" * (SIZE // 2)], "x"),
}


@pytest.mark.serial  # a time budget: run alone, not beside another worker (scripts/test.sh)
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_is_handled_in_linear_time(name: str) -> None:
    headers, body = HOSTILE[name]
    raw = raw_message(["From: a@nhs.net", *headers], body)
    started = time.perf_counter()
    parsed = parse_message(raw)
    classify(parsed, CTX)
    assert time.perf_counter() - started < BUDGET_SECONDS
    assert parsed.size == len(raw)


def test_cut_headers_are_noted_and_raw_is_kept() -> None:
    headers, body = HOSTILE["many Content-Type parameters"]
    raw = raw_message(["From: a@nhs.net", *headers], body)
    parsed = parse_message(raw)
    assert parsed.raw == raw
    assert f"1 Content-* header(s) longer than {MAX_MIME_HEADER:,} bytes were cut short" in parsed.defects
    assert parsed.content_type == "multipart/mixed"


def test_many_header_lines_are_read_up_to_a_limit() -> None:
    raw = raw_message(["From: a@nhs.net", *(f"X-Junk-{i}: v" for i in range(5000)), "Subject: late"])
    parsed = parse_message(raw)
    assert len(parsed.headers) == 1000 and parsed.subject == ""
    assert "more than 1,000 header lines: the rest were not read" in parsed.defects


@pytest.mark.parametrize("piece", [1, 7, 64, 1 << 16])
@pytest.mark.parametrize("seed", range(3))
def test_mime_headers_are_the_regular_expressions_matches(seed: int, piece: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(header_guard, "_PIECE", piece)  # lower-cased a piece at a time: the joins tried too
    chance = random.Random(seed)
    pieces = (b"Content-Type:", b"content-disposition :", b"CONTENT-X:", b"Content-", b"contenT-a-b\t:", b"x", b" ",
              b"\t", b"\n", b"\r\n", b"\r", b";", b"a=b", b"\n ", b"\n\t", b"Subject: c", b"\xc3\xa9", b"K")
    samples = [b"", b"Content-Type: text/plain", *(b"".join(chance.choice(pieces) for _ in range(chance.randrange(
        1, 120))) for _ in range(500))]
    for raw in samples:
        assert [m.span() for m in mime_headers(raw)] == [m.span() for m in MIME_HEADER.finditer(raw)], raw
