"""Header values to readable text: RFC 2047 encoded words in any charset, raw 8-bit bytes, folded lines.

Never fatal: an unknown charset is read as UTF-8 (or Windows-1252 when that fails), broken base64 or
quoted-printable is read as far as it goes, and anything left undecodable becomes U+FFFD.
"""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from parsers.base64_text import lenient_base64

# Charsets mail programs declare that Python does not know, or knows as a narrower set than senders mean.
CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",  # senders who say Latin-1 very often mean Windows-1252 (curly quotes, euro sign)
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",  # declared ASCII with 8-bit bytes is usually UTF-8 in practice
    "ascii": "utf-8",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "ks_c_5601-1987": "cp949",
    "x-sjis": "shift_jis",
    "windows-874": "cp874",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "unknown": "utf-8",
    "8bit": "utf-8",
    "default": "utf-8",
}
ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?\s]*)\?=")
# Whitespace between two encoded words is not part of the text (RFC 2047 section 6.2).
BETWEEN_WORDS = re.compile(r"(=\?[^?\s]{1,75}\?[bBqQ]\?[^?\s]*\?=)[ \t\r\n]+(?==\?[^?\s]{1,75}\?[bBqQ]\?[^?\s]*\?=)")
ADJACENT_WORDS = re.compile(r"(?:=\?[^?\s]{1,75}\?[bBqQ]\?[^?\s]*\?=)+")
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
MESSAGE_ID = re.compile(r"<\s*([^<>\s@]+@[^<>\s]+?)\s*>")
BARE_MESSAGE_ID = re.compile(r"^([^<>\s@]+@[^<>\s@]+)$")
ANGLED = re.compile(r"<\s*([^<>\s]+)\s*>")
MAX_ID_LENGTH = 250
HEX_PAIR = re.compile(rb"[0-9A-Fa-f]{2}")
FOLD = re.compile(r"\r?\n(?=[ \t])")


def python_codec(charset: str) -> str | None:
    """The codec name Python knows CHARSET by, or None when it knows no such charset."""
    name = charset.strip().strip("\"'").lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
    name = CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """DATA as text in CHARSET. When the bytes are not valid in it, UTF-8 is tried; failing that, a real declared
    charset is kept with U+FFFD for the bad bytes, and a missing, unknown or UTF-8 one is read as Windows-1252
    (what mislabelled Western mail almost always is)."""
    codec = python_codec(charset) if charset else None
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeError, LookupError, ValueError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec and codec != "utf-8":
        try:
            return data.decode(codec, errors="replace")
        except (UnicodeError, LookupError, ValueError):
            pass
    return data.decode("cp1252", errors="replace")


def raw_header_text(value: str) -> str:
    """A header value as the parser left it (8-bit bytes as surrogates) to text, bytes read as UTF-8 or 1252."""
    if value.isascii():
        return value
    try:
        data = value.encode("utf-8", errors="surrogateescape")
    except UnicodeError:
        return value.encode("utf-8", errors="replace").decode("utf-8")
    return decode_bytes(data, "utf-8")


def _q_decode(payload: str) -> bytes:
    out = bytearray()
    i = 0
    data = payload.encode("ascii", errors="replace")
    while i < len(data):
        ch = data[i]
        if ch == ord("_"):
            out.append(0x20)
        elif ch == ord("=") and HEX_PAIR.fullmatch(data[i + 1 : i + 3]):
            out.append(int(data[i + 1 : i + 3], 16))
            i += 2
        else:
            out.append(ch)
        i += 1
    return bytes(out)


def _decode_words(match: re.Match[str]) -> str:
    """A run of adjacent encoded words, each charset's bytes joined before decoding: mail programs cut long
    subjects and names inside a character (RFC 2047 forbids it), and the halves alone decode to nonsense."""
    out: list[str] = []
    charset, data = "", b""
    for word in ENCODED_WORD.finditer(match.group(0)):
        if data and word.group(1).lower() != charset:
            out.append(decode_bytes(data, charset))
            data = b""
        charset = word.group(1).lower()
        payload = word.group(3)
        data += lenient_base64(payload) if word.group(2).lower() == "b" else _q_decode(payload)
    out.append(decode_bytes(data, charset))
    return "".join(out)


def decode_header_value(value: str) -> str:
    """A raw header value decoded for reading: unfolded, encoded words decoded, control characters made spaces."""
    return decode_unfolded(unfolded_header_text(value))


def unfolded_header_text(value: str) -> str:
    """A raw header value as text (raw_header_text), its folding line breaks taken out (FOLD). A value with no line
    break (most are) is not handed to FOLD, which has no first character to look for and is tried at every one."""
    text = raw_header_text(value)
    return unfold(text) if "\n" in text else text


def unfold(text: str) -> str:
    """FOLD.sub("", TEXT) by splitting at LFs (FOLD, with no first character to look for, is tried at every one of
    a DKIM-Signature's 500): each LF before a space or tab is taken out, with the CR right before it (FOLD takes it
    whenever it takes the LF: no earlier match can hold it); whether an LF goes is told from the text as it was."""
    parts = text.split("\n")
    out = [parts[0]]
    for part in parts[1:]:
        if part[:1] in (" ", "\t"):
            if out[-1].endswith("\r"):
                out[-1] = out[-1][:-1]
        else:
            out.append("\n")
        out.append(part)
    return "".join(out)


def decode_unfolded(text: str) -> str:
    """TEXT, a header value from unfolded_header_text, decoded for reading (as decode_header_value). A text with
    nothing unprintable holds nothing CONTROL matches (every character it does match is unprintable)."""
    if "=?" in text:
        text = BETWEEN_WORDS.sub(r"\1", text)
        text = ADJACENT_WORDS.sub(_decode_words, text)
    return (text if text.isprintable() else CONTROL.sub(" ", text)).strip()


def message_id(value: str | None) -> str | None:
    """The `<id@host>` in a Message-ID style header, or None when there is none that looks like one."""
    if not value:
        return None
    match = MESSAGE_ID.search(value)
    if match:
        found = f"<{match.group(1)}>"
    else:
        bare = BARE_MESSAGE_ID.match(value.strip())
        if not bare:
            return None
        found = f"<{bare.group(1)}>"
    return found if len(found) <= MAX_ID_LENGTH else None


def reference_ids(values: tuple[str, ...], limit: int = 100) -> tuple[str, ...]:
    """Every `<...>` in References (in order, once each), up to LIMIT."""
    found: dict[str, None] = {}
    for value in values:
        for match in ANGLED.finditer(value):
            ident = f"<{match.group(1)}>"
            if len(ident) <= MAX_ID_LENGTH:
                found.setdefault(ident, None)
            if len(found) >= limit:
                return tuple(found)
    return tuple(found)


def header_date(value: str | None) -> datetime | None:
    """The Date header as an aware UTC datetime; None when missing or unreadable. A date without zone is UTC."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    try:
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
