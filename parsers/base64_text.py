"""Base64 text as mail carries it: often damaged (a character base64 has not, a line cut short), read as far as it
goes rather than refused. Both checks run as C loops (bytes.translate) over ASCII text, not a regular expression
tried at every character of an attachment, and never copy a big body whole."""

from __future__ import annotations

import base64
import binascii
import re

_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/]")
# The ASCII characters _NOT_BASE64 matches, as bytes for bytes.translate to drop (a C loop, not a regular
# expression tried at every character of an attachment).
_NOT_BASE64_BYTES = bytes(c for c in range(128) if _NOT_BASE64.match(chr(c)))


def lenient_base64(payload: str) -> bytes:
    """PAYLOAD's base64 decoded as far as it goes: characters base64 does not have are skipped, padding fixed."""
    # (a text of megabytes, which the parser's set-aside bodies never are, is cleaned as before: one copy of it)
    cleaned = (payload.encode("ascii").translate(None, _NOT_BASE64_BYTES) if len(payload) <= 1 << 20
               and payload.isascii() else _NOT_BASE64.sub("", payload).encode("ascii"))
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned)
    except (binascii.Error, ValueError):
        return b""


DAMAGED_BASE64 = re.compile(r"[^A-Za-z0-9+/=\s]")
# The ASCII characters DAMAGED_BASE64 does not match: an ASCII text left with none of them once these are dropped
# (bytes.translate, a C loop) is not damaged.
_BASE64_TEXT_BYTES = bytes(c for c in range(128) if not DAMAGED_BASE64.match(chr(c)))


def damaged_base64(text: str) -> bool:
    """Whether TEXT holds a character base64 text has not (DAMAGED_BASE64 finds one); a piece at a time, so that a
    big body is never copied whole."""
    for start in range(0, len(text), 1 << 16):
        piece = text[start: start + (1 << 16)]
        if piece.isascii() and not piece.encode("ascii").translate(None, _BASE64_TEXT_BYTES):
            continue
        if DAMAGED_BASE64.search(piece) is not None:
            return True
    return False
