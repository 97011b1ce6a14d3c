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


def decode_encoded_word(charset: str, encoding: str, text: str) -> str:
    try:
        codec = codecs.lookup(charset)
    except LookupError as exc:
        raise EncodedWordError(f"unknown charset {charset!r}") from exc
    try:
        if encoding.lower() == "b":
            data = base64.b64decode(text.encode("ascii"), validate=True)
        else:
            data = _Q_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), text.replace("_", " ").encode("ascii"))
        text_out = codec.decode(data)[0]
    except (binascii.Error, UnicodeError, ValueError, TypeError) as exc:
        raise EncodedWordError(f"an encoded word that does not decode ({exc.__class__.__name__})") from exc
    if not isinstance(text_out, str):  # "base64", "zlib" and the like are codecs, but not charsets
        raise EncodedWordError(f"unknown charset {charset!r}")
    return text_out


def decoded_words(value: str) -> list[str]:
    """The decoded text of every encoded word in VALUE; raises EncodedWordError."""
    return [decode_encoded_word(m.group(1), m.group(2), m.group(3)) for m in ENCODED_WORD.finditer(value)]

