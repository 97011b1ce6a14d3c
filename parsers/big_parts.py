"""Big base64 bodies set aside before the standard library's MIME parser reads a message, so that it never holds
them: it reads every body line by line into short strings and joins them (for a 9 MB PDF, some 30 MB of small
objects that the allocator keeps long after), and holds every part's text until the whole tree is built.

Each run of base64 lines of at least SET_ASIDE_FROM bytes that begins right after an empty line (where a part's
headers end) and ends at a line beginning with "--" (where a boundary may be), or at the end of the message, is
replaced by a short stand-in naming it; the parser sees the rest as it is. A part whose whole content is one big
stand-in becomes a place in the raw message (parsers.payload), as parsers.mime_body would have found it; wherever else
a stand-in landed (a smaller part, or a run that was not a whole part after all), the text it stood for is put back
before anything reads it, so the parse is the same as over the whole message.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from email.message import Message

# Small ones too: the parser reads a body a line at a time (some microseconds a line), so a 30 KB PDF cost more to
# parse than the rest of its message. parsers.mime_body puts back, and decodes, a part smaller than its LAZY_FROM.
SET_ASIDE_FROM = 4096
_EMPTY_LINE = re.compile(rb"\n\r?\n")
# Base64 characters and line ends: one character class, so that matching megabytes keeps no state per line.
_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/=\r\n]+")
_NONCE_BYTES = 8
_STAND_IN = re.compile(rf"stand-in-([0-9a-f]{{{2 * _NONCE_BYTES}}})-\d+")


@dataclass
class SetAside:
    """The message as the parser should read it, and where each stand-in's text lies in the original."""

    shrunk: bytes
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    nonce: str = ""

    def span_of(self, text: object) -> tuple[int, int] | None:
        """Where TEXT, when it is exactly one stand-in, lies in the original message."""
        if not self.spans or not isinstance(text, str) or len(text) > 80:
            return None
        return self.spans.get(text.strip())

    def restore(self, text: str, raw: bytes) -> str:
        """TEXT with every stand-in in it replaced by the original text it stands for."""
        if not self.spans or self.nonce not in text:
            return text
        # Every stand-in of this message, and nothing else: the pattern is compiled once, not with each nonce (a
        # fresh compile a message), so one naming another nonce is left as it is. No match can hold the start of
        # another ("s" comes only first), so every stand-in of this nonce is found, as with the nonce in the pattern.
        return _STAND_IN.sub(lambda m: _text(raw, self.spans[m.group(0)]) if m.group(1) == self.nonce
                             else m.group(0), text)


def _text(raw: bytes, span: tuple[int, int]) -> str:
    return raw[span[0]:span[1]].decode("ascii", "surrogateescape")


# The bytes _BASE64_RUN matches, for bytes.translate to drop: a piece left with none is in the run whole.
_BASE64_RUN_BYTES = bytes(c for c in range(256) if _BASE64_RUN.fullmatch(bytes([c])))
_RUN_PIECE = 2048


def base64_run_end(raw: bytes, start: int) -> int:
    """Where the run of base64 characters and line ends at START ends: _BASE64_RUN.match(RAW, START)'s end, or START
    when there is none. Whole pieces of the run are passed over with bytes.translate (a C loop over a table, a few
    instructions a byte); only the piece where the run ends is matched (the pattern's repeat costs some forty a
    byte: a 30 KB PDF's run cost more than a fifth of its message's parse)."""
    position = start
    while position < len(raw):
        piece = raw[position: position + _RUN_PIECE]
        if piece.translate(None, _BASE64_RUN_BYTES):  # the run ends in this piece
            run = _BASE64_RUN.match(raw, position)
            return run.end() if run is not None else position
        position += len(piece)
    return max(position, start)


def set_aside(raw: bytes) -> SetAside:
    """RAW with its big base64 bodies replaced by stand-ins (RAW itself when it has none)."""
    if len(raw) < SET_ASIDE_FROM:
        return SetAside(raw)
    nonce = secrets.token_hex(_NONCE_BYTES)
    pieces: list[bytes] = []
    spans: dict[str, tuple[int, int]] = {}
    position = 0
    search = 0
    while (empty := _EMPTY_LINE.search(raw, search)) is not None:
        start = empty.end()
        end = base64_run_end(raw, start)
        search = max(end, start)
        at_boundary = raw.startswith(b"--", end) and raw[end - 1:end] == b"\n"
        if end - start < SET_ASIDE_FROM or not (end == len(raw) or at_boundary):
            continue
        if end < len(raw):  # the line break before a boundary belongs to the boundary: the text ends before it
            end -= 2 if raw[end - 2:end] == b"\r\n" else 1
        name = f"stand-in-{nonce}-{len(spans)}"
        spans[name] = (start, end)
        pieces.append(raw[position:start])
        pieces.append(name.encode("ascii"))
        position = end
    if not spans:
        return SetAside(raw)
    pieces.append(raw[position:])
    return SetAside(b"".join(pieces), spans, nonce)


def restore(part: Message, aside: SetAside | None, raw: bytes | None) -> None:
    """Put back in PART's content the text of any stand-in in it (before anything reads it as text)."""
    if aside is None or raw is None or not aside.spans:
        return
    payload = getattr(part, "_payload", None)
    if isinstance(payload, str):
        setattr(part, "_payload", aside.restore(payload, raw))  # noqa: B010 - set_payload would change the charset
