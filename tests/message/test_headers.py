"""Header decoding: RFC 2047 in many charsets, broken encoded words, raw 8-bit bytes, ids and dates."""

from __future__ import annotations

import base64
import random
import re
from datetime import UTC, datetime

import pytest

from parsers.base64_text import damaged_base64, lenient_base64
from parsers.headers import decode_bytes, decode_header_value, header_date, message_id, reference_ids
from parsers.message import parse_message
from tests.support.mail_builder import raw_message


def _encoded(text: str, charset: str, encoding: str = "B") -> str:
    data = text.encode(charset)
    if encoding == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    q = "".join(chr(b) if 48 <= b < 123 and chr(b).isalnum() else "_" if b == 32 else f"={b:02X}" for b in data)
    return f"=?{charset}?Q?{q}?="


@pytest.mark.parametrize(("text", "charset"), [
    ("Zugangsänderung für Praxis", "iso-8859-1"),
    ("Demande d'accès – urgent €", "windows-1252"),
    ("Price €5 façade", "iso-8859-15"),
    ("Запрос доступа", "koi8-r"),
    ("Запрос доступа", "windows-1251"),
    ("アクセス申請", "shift_jis"),
    ("アクセス申請", "iso-2022-jp"),
    ("访问请求", "gb2312"),
    ("訪問請求", "big5"),
    ("접근 요청", "euc-kr"),
    ("Żądanie dostępu", "iso-8859-2"),
    ("Αίτημα πρόσβασης", "iso-8859-7"),
    ("בקשת גישה", "iso-8859-8"),
    ("Access request ✓ 😀", "utf-8"),
])
@pytest.mark.parametrize("encoding", ["B", "Q"])
def test_encoded_words_in_many_charsets(text: str, charset: str, encoding: str) -> None:
    raw = raw_message([f"Subject: {_encoded(text, charset, encoding)}", "From: a@nhs.net"])
    assert parse_message(raw).subject == text


def test_adjacent_encoded_words_join_without_the_space_between_them() -> None:
    value = "=?utf-8?Q?Open_Exeter_?= =?utf-8?B?4oCTIGFjY2Vzcw==?=\r\n =?iso-8859-1?Q?_f=FCr?= Jane"
    assert decode_header_value(value) == "Open Exeter – access für Jane"


def test_encoded_word_beside_plain_text_keeps_the_space() -> None:
    assert decode_header_value("Re: =?utf-8?Q?caf=C3=A9?= request") == "Re: café request"


@pytest.mark.parametrize(("value", "expected"), [
    ("=?klingon?Q?caf=C3=A9?=", "café"),  # unknown charset: UTF-8 when the bytes are UTF-8
    ("=?x-unknown?Q?f=FCr?=", "für"),  # unknown charset, not UTF-8: Windows-1252
    ("=?utf-8?Q?f=FCr?=", "für"),  # declared UTF-8, really Latin-1
    ("=?utf-8?B?Y2Fmw6k?=", "café"),  # base64 without its padding
    ("=?utf-8?B?Y2F*mw6k=?=", "café"),  # a character base64 does not have
    ("=?utf-8?B?Y?=", ""),  # one base64 character: nothing to decode
    ("=?utf-8?Q?broken", "=?utf-8?Q?broken"),  # not finished: left as written
    ("=?shift_jis?B?gqA=?=", "あ"),
    ("=?shift_jis?B?gg==?=", "\ufffd"),  # half a Shift-JIS character: replaced, not fatal
    ("=?utf-8*en?Q?hello?=", "hello"),  # RFC 2231 language suffix
    ("=??Q?x?=", "=??Q?x?="),
])
def test_broken_encoded_words_are_never_fatal(value: str, expected: str) -> None:
    assert decode_header_value(value) == expected


def test_raw_8bit_headers_are_read_as_utf8_or_windows_1252_and_noted() -> None:
    raw = (b"From: J\xc3\xb6rg <jorg@nhs.net>\r\nSubject: Caf\xe9 \x93form\x94\r\nTo: x@nhs.net\r\n\r\nHi\r\n")
    parsed = parse_message(raw)
    assert parsed.header("from") == "Jörg <jorg@nhs.net>"
    assert parsed.subject == "Café “form”"
    assert "the Subject header has raw 8-bit bytes (not encoded as RFC 2047 requires)" in parsed.header_defects
    assert parsed.raw_headers[1] == ("Subject", "Café “form”")


def test_folded_headers_are_unfolded_and_control_characters_removed() -> None:
    parsed = parse_message(raw_message(["Subject: Open\r\n Exeter\r\n\trequest", "X-Odd: a\x00b\x07c"]))
    assert parsed.subject == "Open Exeter\trequest"
    assert parsed.header("x-odd") == "a b c"


def test_raw_headers_keep_the_encoded_words() -> None:
    parsed = parse_message(raw_message(["Subject: =?utf-8?Q?caf=C3=A9?=", "From: a@nhs.net"]))
    assert parsed.raw_headers[0] == ("Subject", "=?utf-8?Q?caf=C3=A9?=")
    assert parsed.headers[0] == ("Subject", "café")


def test_header_lookup_is_case_insensitive_first_and_all() -> None:
    parsed = parse_message(raw_message(["Received: one", "RECEIVED: two", "Subject: s"]))
    assert parsed.header("received") == "one"
    assert parsed.headers_named("Received") == ("one", "two")
    assert parsed.header("x-missing") is None
    assert parsed.headers_named("x-missing") == ()


def test_repeated_single_headers_are_noted() -> None:
    parsed = parse_message(raw_message(["From: a@nhs.net", "From: b@evil.example", "Subject: s"]))
    assert "2 From headers where there should be one" in parsed.defects
    assert parsed.headers_named("From") == ("a@nhs.net", "b@evil.example")


@pytest.mark.parametrize(("value", "expected"), [
    ("<abc@host.nhs.net>", "<abc@host.nhs.net>"),
    ("  <abc@host.nhs.net>  (comment)", "<abc@host.nhs.net>"),
    ("abc@host.nhs.net", "<abc@host.nhs.net>"),
    ("< abc@host >", "<abc@host>"),
    ("not a message id", None),
    ("<>", None),
    ("<no-at-sign>", None),
    ("", None),
    (None, None),
    ("<" + "a" * 300 + "@h>", None),
])
def test_message_id_forms(value: str | None, expected: str | None) -> None:
    assert message_id(value) == expected


def test_missing_and_garbage_message_id_and_date() -> None:
    missing = parse_message(raw_message(["From: a@nhs.net", "Subject: s"]))
    assert missing.message_id is None and missing.date is None
    assert {"no Message-ID header", "no Date header"} <= set(missing.defects)
    garbage = parse_message(raw_message(["From: a@nhs.net", "Message-ID: garbage here", "Date: yesterday-ish"]))
    assert garbage.message_id is None and garbage.date is None
    assert "the Message-ID header is not of the form <id@host>" in garbage.defects
    assert "the Date header cannot be read as a date" in garbage.defects


def test_references_and_in_reply_to() -> None:
    parsed = parse_message(raw_message([
        "In-Reply-To: <b@x> (Jane's message)",
        "References: <a@x>\r\n <b@x> junk <b@x> <c>",
    ]))
    assert parsed.in_reply_to == "<b@x>"
    assert parsed.references == ("<a@x>", "<b@x>", "<c>")
    assert reference_ids(("<" + "x" * 300 + ">",)) == ()


@pytest.mark.parametrize(("value", "expected"), [
    ("Mon, 02 Nov 2026 10:00:00 +0100", datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
    ("Mon, 02 Nov 2026 10:00:00 -0000", datetime(2026, 11, 2, 10, 0, tzinfo=UTC)),  # zone unknown: taken as UTC
    ("2 Nov 2026 10:00:00 GMT", datetime(2026, 11, 2, 10, 0, tzinfo=UTC)),
    ("Mon, 02 Nov 26 10:00 EST", datetime(2026, 11, 2, 15, 0, tzinfo=UTC)),
    ("Mon, 31 Feb 2026 10:00:00 +0000", None),
    ("Mon, 02 Nov 2026 10:00:00 +9999", None),
    ("soon", None),
    ("", None),
    ("Mon, 02 Nov 99999 10:00:00 +0000", None),
])
def test_dates_become_aware_utc_or_none(value: str, expected: datetime | None) -> None:
    result = header_date(value)
    assert result == expected
    if result is not None:
        assert result.tzinfo is UTC


def test_decode_bytes_falls_back_without_raising() -> None:
    assert decode_bytes("café".encode(), "no-such-charset") == "café"
    assert decode_bytes(b"caf\xe9", None) == "café"
    assert decode_bytes(b"caf\xe9", "utf-8") == "café"
    assert decode_bytes(b"\x81\x82", "shift_jis") != ""


def test_malformed_header_lines_are_noted_in_plain_words() -> None:
    parsed = parse_message(b" folded first\r\nFrom: a@nhs.net\r\nnot a header line\r\nSubject: x\r\n\r\nbody")
    assert parsed.headers == (("From", "a@nhs.net"),)
    assert parsed.body_text.startswith("not a header line")
    assert parsed.header_defects[:2] == (
        "the message: a line among its headers is not a header, so its headers may end early",
        "the message: its first header line is a continuation line")
    assert len(parsed.defects) == len(set(parsed.defects))


@pytest.mark.parametrize("seed", range(3))
def test_base64_text_is_cleaned_and_judged_as_the_regular_expressions_would(seed: int) -> None:
    chance = random.Random(seed)
    alphabet = "AZaz09+/=\t\n\r \x0b\x0c\x1c\x1f\x7f!-_.\x00é\u2028\u00a0"
    long = "QUJD\r\n" * 30000  # pieces of 64 KB: damage at the start, across a join, at the end, or none
    samples = [long, "!" + long, long[:65535] + "!" + long[65535:], long + "é", long + "-", (long + "é")[:-1], *(
        long[:65536 + n] + "!" for n in range(-2, 3)), "", "QUJD", "QUJ", "Q", "QU JD\r\n", "QUJD=\x1c", "é", *(
        "".join(chance.choice(alphabet) for _ in range(chance.randrange(1, 80))) for _ in range(2000))]
    for text in samples:
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
        cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
        assert lenient_base64(text) == base64.b64decode(cleaned + "=" * (-len(cleaned) % 4)), text
        assert damaged_base64(text) == (re.search(r"[^A-Za-z0-9+/=\s]", text) is not None), text
