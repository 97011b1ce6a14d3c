"""Over-long MIME headers shortened before the standard library parses them.

The stdlib reads Content-Type and Content-Disposition parameters in time that grows with the square of the header's
length (each parameter re-copies the rest), so one hostile header of a few megabytes would hold the mailbox for
hours. No real mail needs more than a few hundred bytes there; beyond MAX_MIME_HEADER the value is cut at a
parameter boundary. Only the copy handed to the parser is changed: ParsedMessage.raw stays as received.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_MIME_HEADER = 4096
MIME_HEADER = re.compile(rb"(?im)^(content-[a-z0-9-]{0,40}[ \t]*:)([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)")


def shorten_mime_headers(raw: bytes) -> tuple[bytes, int]:
    """RAW with every Content-* header value cut to MAX_MIME_HEADER bytes, and how many were cut. RAW itself (not a
    copy) when none is too long, as in all real mail: a big message is not copied for nothing."""
    if all(len(match.group(2)) <= MAX_MIME_HEADER for match in mime_headers(raw)):
        return raw, 0
    cut_count = 0

    def cut(match: re.Match[bytes]) -> bytes:
        nonlocal cut_count
        value = match.group(2)
        if len(value) <= MAX_MIME_HEADER:
            return match.group(0)
        cut_count += 1
        value = value[:MAX_MIME_HEADER]
        semicolon = value.rfind(b";")
        value = value[:semicolon] if semicolon > 0 else value
        return match.group(1) + value.rstrip(b"\r\n \t;")

    return MIME_HEADER.sub(cut, raw), cut_count


def mime_headers(raw: bytes) -> Iterator[re.Match[bytes]]:
    """MIME_HEADER.finditer(RAW)'s matches, tried only where a line starts with "content-" (any case): a match
    starts at a line start and holds no line that does, so these are all its tries that can match. The regular
    expression tried at every byte of a message cost a tenth of a millisecond a form."""
    for start in _content_line_starts(raw):
        if (match := MIME_HEADER.match(raw, start)) is not None:
            yield match


_PIECE = 1 << 16
_LINE_START = b"\ncontent-"


def _content_line_starts(raw: bytes) -> Iterator[int]:
    """Where a line of RAW starts with "content-" in any case, in order; RAW is lower-cased a piece at a time (as a
    case-blind bytes pattern, ASCII letters only), never copied whole: a big message stays the only copy."""
    if raw[:8].lower() == _LINE_START[1:]:
        yield 0
    for start in range(0, len(raw), _PIECE):
        piece = raw[start: start + _PIECE + len(_LINE_START) - 1].lower()  # what begins in this piece, whole
        at = piece.find(_LINE_START)
        while 0 <= at < _PIECE:
            yield start + at + 1
            at = piece.find(_LINE_START, at + 1)
