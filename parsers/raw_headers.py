"""The header block of a raw message, split exactly as dkimpy splits it, and stricter.

Sender authentication must read the same header fields the DKIM verifier hashed: if this parser and dkimpy disagreed
about where a field starts or ends, a signed From could be shown while an unsigned one is judged (or the other way
round). So lines are split on CRLF or LF, a field name is the text before the first colon (printable ASCII, no
space), and anything dkimpy would skip or reject, or any other mail parser could read differently (a bare CR, a NUL,
a stray "From " line, a continuation with nothing to continue) is a defect that makes the sender ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from parsers.dkim_body import body_start

_LINE_BREAK = re.compile(rb"\r?\n")
_FIELD_NAME = re.compile(rb"([\x21-\x39\x3b-\x7e]+):")
MAX_DEFECTS_LISTED = 5
# Header fields there may be only one of (RFC 5322 3.6, RFC 2045): an unsigned extra copy of one that a DKIM
# signature covers lets a sender show readers text nobody signed.
SINGLETON_FIELDS = frozenset({
    "from", "sender", "reply-to", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to", "references",
    "mime-version", "content-type", "content-transfer-encoding",
})


def without_line_breaks(data: bytes) -> bytes:
    """DATA with every CR LF and bare LF taken out, as _LINE_BREAK.sub(b"", DATA) leaves it: each CR the pattern
    takes is one right before an LF, and str.replace takes exactly those (CR LF pairs never overlap). (find, not
    `in`: split_message says why.)"""
    return data.replace(b"\r\n", b"").replace(b"\n", b"") if data.find(b"\n") >= 0 else data


def line_split(data: bytes) -> list[bytes]:
    """DATA split at every CR LF or bare LF, as _LINE_BREAK.split(DATA) splits it: at each LF, the CR right before
    it (if any) going with it."""
    lines = data.split(b"\n")
    last = len(lines) - 1
    return [line[:-1] if index < last and line.endswith(b"\r") else line for index, line in enumerate(lines)]


@dataclass(frozen=True)
class RawField:
    """One header field: NAME as written, VALUE the raw bytes after the colon with folding line breaks kept."""

    name: str
    value: bytes
    # NAME lower-case, made once: the checks look fields up by name a hundred times a message.
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.name.lower())

    @property
    def unfolded(self) -> bytes:
        """The value with folding line breaks removed (RFC 5322 2.2.3): _LINE_BREAK.sub(b"", value), without the
        regular expression's try at every byte (it has no first character to look for)."""
        return without_line_breaks(self.value)


@dataclass(frozen=True)
class RawHeaders:
    fields: tuple[RawField, ...]
    defects: tuple[str, ...]
    # The whole message, not copied, and where its body begins (as dkimpy reads it): the body is hashed from there
    # a chunk at a time (parsers.dkim_body), never split into lines or copied whole.
    raw: bytes = field(default=b"", repr=False)
    body_start: int = 0

    @property
    def header_block(self) -> bytes:
        """The header fields and the empty line after them, as written (a small copy: no body)."""
        return self.raw[: self.body_start]

    def named(self, name: str) -> tuple[RawField, ...]:
        return self._by_key.get(name.lower(), ())

    @cached_property
    def _by_key(self) -> dict[str, tuple[RawField, ...]]:
        """The fields by lower-case name, each name's in order: the checks ask for fields by name a dozen times a
        message, and each asking went through every field."""
        grouped: dict[str, list[RawField]] = {}
        for f in self.fields:
            grouped.setdefault(f.key, []).append(f)
        return {key: tuple(fields) for key, fields in grouped.items()}

    def count(self, name: str) -> int:
        return len(self.named(name))


def split_message(raw: bytes) -> RawHeaders:
    """The header fields (top to bottom), where the body begins, and every way the header block is malformed."""
    defects: list[str] = []
    start = body_start(raw)
    block = raw[:start]
    lines = line_split(block)
    # Only a block with a NUL, or a CR not before an LF, has a line holding either (line_split takes the CR of each
    # CR LF): most have neither, and are not asked again a line (`bytes in bytes` first tries its operand as a
    # number, at the cost of an exception, some 500 instructions).
    suspect = block.find(b"\x00") >= 0 or block.count(b"\r") != block.count(b"\r\n")
    names: list[str] = []
    values: list[list[bytes]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:
            i += 1
            break
        if suspect and (b"\r" in line or b"\x00" in line):
            defects.append(f"header line {i + 1} holds a bare carriage return or a NUL byte")
        if line[:1] in (b" ", b"\t"):
            if not names:
                defects.append("the message starts with a folded line that continues no header field")
            else:
                values[-1].append(line)
        elif (match := _FIELD_NAME.match(line)) is not None:
            names.append(match.group(1).decode("ascii"))
            values.append([line[match.end():]])
        elif line.startswith(b"From ") and i == 0:
            pass  # an mbox separator line, as dkimpy skips it
        else:
            defects.append(f"header line {i + 1} is not a header field")
        i += 1
    fields = tuple(RawField(n, b"\r\n".join(v)) for n, v in zip(names, values, strict=True))
    if len(defects) > MAX_DEFECTS_LISTED:  # a person reads these: a few say enough
        defects[MAX_DEFECTS_LISTED:] = [f"and {len(defects) - MAX_DEFECTS_LISTED} more malformed header lines"]
    return RawHeaders(fields=fields, defects=tuple(defects), raw=raw, body_start=start)
