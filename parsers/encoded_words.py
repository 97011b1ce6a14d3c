"""RFC 2047 encoded words in a raw header value, decoded strictly (a word that cannot be decoded is an error)."""

from __future__ import annotations

import base64
import binascii
import codecs
import re

ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?\s]*)\?=")
_Q_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")


class EncodedWordError(ValueError):
    """An encoded word whose charset is unknown or whose text does not decode."""


def _word_bytes(encoding: str, text: str) -> bytes:
    try:
        if encoding.lower() == "b":
            return base64.b64decode(text.encode("ascii"), validate=True)
        return _Q_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), text.replace("_", " ").encode("ascii"))
    except (binascii.Error, UnicodeError, ValueError, TypeError) as exc:
        raise EncodedWordError(f"an encoded word that does not decode ({exc.__class__.__name__})") from exc


def _decoded(charset: str, data: bytes) -> str:
    try:
        codec = codecs.lookup(charset)
    except LookupError as exc:
        raise EncodedWordError(f"unknown charset {charset!r}") from exc
    try:
        text_out = codec.decode(data)[0]
    except (UnicodeError, ValueError, TypeError) as exc:
        raise EncodedWordError(f"an encoded word that does not decode ({exc.__class__.__name__})") from exc
    if not isinstance(text_out, str):  # "base64", "zlib" and the like are codecs, but not charsets
        raise EncodedWordError(f"unknown charset {charset!r}")
    return text_out


def decoded_words(value: str) -> list[str]:
    """The decoded text of every run of encoded words in VALUE (adjacent words of one charset, only whitespace
    between them, decoded together: mail programs cut a long name inside a character); raises EncodedWordError."""
    runs: list[tuple[str, bytes]] = []
    end = -1
    for m in ENCODED_WORD.finditer(value):
        data = _word_bytes(m.group(2), m.group(3))
        charset = m.group(1).lower()
        if runs and runs[-1][0] == charset and not value[end:m.start()].strip(" \t\r\n"):
            runs[-1] = (charset, runs[-1][1] + data)
        else:
            runs.append((charset, data))
        end = m.end()
    return [_decoded(charset, data) for charset, data in runs]

