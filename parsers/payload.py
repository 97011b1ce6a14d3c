"""An attachment's content where it lies in the raw message, decoded only when someone asks, a slice at a time.

A big attachment is not decoded when the message is parsed: its place in the raw bytes is kept (found by the text
the MIME parser read, and checked byte for byte), so the message is held once. Its type is told from the first
bytes and its size counted without decoding it; a form is decoded when it is read, one at a time; any other big
attachment never is, unless a person downloads it.
"""

from __future__ import annotations

import base64
import binascii
import io
import quopri
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

SLICE = 1 << 18  # bytes read at a time (a multiple of 4)
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = bytes(set(range(256)) - set(_ALPHABET))
SNIFF_BYTES = 65536


@dataclass(frozen=True)
class Payload:
    """SOURCE[START:END] under a transfer encoding: "base64", "quoted-printable", or "" (the bytes themselves)."""

    source: bytes = field(repr=False)
    start: int
    end: int
    encoding: str = ""

    @classmethod
    def of(cls, data: bytes) -> Payload:
        """Content already decoded (small parts, and parts not found in the raw message)."""
        return cls(data, 0, len(data))

    @property
    def encoded_size(self) -> int:
        return self.end - self.start

    def _slices(self, limit: int | None = None) -> Iterator[memoryview]:
        view = memoryview(self.source)[self.start:self.end]
        stop = len(view) if limit is None else min(len(view), limit)
        return (view[i: min(i + SLICE, stop)] for i in range(0, stop, SLICE))

    def decode(self) -> bytes:
        """The content, decoded (base64 as far as it goes: characters it does not have are skipped)."""
        if self.encoding == "base64":
            decoded = io.BytesIO()  # grown in place and handed over as it is: never the pieces and a join at once
            for piece in _base64_pieces(self._slices()):
                decoded.write(piece)
            return decoded.getvalue()
        if self.encoding == "quoted-printable":
            return quopri.decodestring(memoryview(self.source)[self.start:self.end].tobytes())
        if self.start == 0 and self.end == len(self.source):
            return self.source
        return self.source[self.start:self.end]

    def head(self, size: int = SNIFF_BYTES) -> bytes:
        """About the first SIZE decoded bytes (enough to tell a file's type), decoding no more than that."""
        if self.encoding == "base64":
            return b"".join(_base64_pieces(self._slices(size * 4 // 3 + 1024), final=False))
        if self.encoding == "quoted-printable":
            return quopri.decodestring(memoryview(self.source)[self.start:min(self.end, self.start + size)].tobytes())
        return self.source[self.start:min(self.end, self.start + size)]

    def decoded_size(self) -> int:
        """The decoded length, counted without decoding (base64) or decoding a slice at a time."""
        if self.encoding == "base64":
            count = sum(len(bytes(piece).translate(None, _NOT_BASE64)) for piece in self._slices())
            count -= 1 if count % 4 == 1 else 0
            return count // 4 * 3 + (count % 4 - 1 if count % 4 else 0)
        if self.encoding == "quoted-printable":
            return len(self.decode())
        return self.encoded_size


class Decoded:
    """A payload's content decoded a slice at a time as it is read, never held whole: for handing a form to the
    form-reading child straight from the raw message. Its length is counted by decoding it once (and letting the
    pieces go), so that the pieces sent afterwards, decoded the same way, are exactly that many bytes."""

    def __init__(self, payload: Payload) -> None:
        self.payload = payload
        self._size: int | None = None

    def pieces(self) -> Iterator[bytes | memoryview]:
        if self.payload.encoding == "base64":
            return _base64_pieces(self.payload._slices())
        if self.payload.encoding == "quoted-printable":
            return iter((self.payload.decode(),))
        return self.payload._slices()

    def __len__(self) -> int:
        if self._size is None:
            self._size = sum(len(piece) for piece in self.pieces())
        return self._size

    def __bytes__(self) -> bytes:
        return self.payload.decode()


def _base64_pieces(slices: Iterable[memoryview], final: bool = True) -> Iterator[bytes]:
    """Decoded base64 of SLICES (memoryviews), 4-character groups at a time: lenient_base64, streamed."""
    carry = b""
    for piece in slices:
        cleaned = carry + bytes(piece).translate(None, _NOT_BASE64)
        whole = len(cleaned) - len(cleaned) % 4
        carry = cleaned[whole:]
        if whole:
            yield _b64(cleaned[:whole])
    if final and carry and len(carry) % 4 != 1:
        yield _b64(carry + b"=" * (-len(carry) % 4))


def _b64(data: bytes) -> bytes:
    try:
        return base64.b64decode(data)
    except (binascii.Error, ValueError):
        return b""


def locate(raw: bytes, text: str, after: int) -> tuple[int, int] | None:
    """Where TEXT (a part's undecoded content as the MIME parser read it) lies in RAW at or after AFTER, checked
    byte for byte; None when it is not there as it is (a part of an encoded forwarded message, say)."""
    needle = text[:256].encode("ascii", "surrogateescape")
    start = raw.find(needle, after)
    if start < 0 or not needle:
        return None
    view = memoryview(raw)
    for offset in range(0, len(text), SLICE):
        expected = text[offset: offset + SLICE].encode("ascii", "surrogateescape")
        if view[start + offset: start + offset + len(expected)] != expected:
            return None
    return start, start + len(text)
