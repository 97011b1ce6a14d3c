"""A DKIM body hash (RFC 6376 3.4.3, 3.4.4, 3.7) computed a chunk at a time over the raw message, never holding a
canonical copy of the body: a 25 MB message costs a few megabytes to authenticate, not several copies of itself.

The result is byte for byte what dkimpy computes over the whole body (tests/auth/test_dkim_body.py compares the two
on hostile bodies), including its readings of the corners: lines end at CR LF or a bare LF (a bare CR is text),
an unterminated last line gets a CR LF, "relaxed" leaves trailing white space on an unterminated last line, and an
empty body canonicalises to CR LF ("simple") or nothing ("relaxed"). Unlike dkimpy's, it takes linear time on a
long run of white space (dkimpy's "relaxed" backtracks: minutes for a few hundred kilobytes of spaces).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

CHUNK = 1 << 18  # the working memory is a few times this, whatever the size of the message
# The end of a line that a later byte could still change (a CR that may start a line end; for "relaxed" also white
# space that may turn out to be trailing, or to run on): kept back until the line goes on.
_OPEN_TAIL = {False: re.compile(rb"\r?\Z"), True: re.compile(rb"[\t ]*\r?\Z")}
_CRLF = b"\r\n"
_BLANKS = _CRLF * 32768
_EMPTY_LINE = re.compile(rb"\n\r?\n")


@dataclass(frozen=True)
class BodyHash:
    digest: bytes  # sha256 of the canonical body
    length: int  # bytes in the canonical body (what l= must cover)


def crlf_lines(piece: bytes) -> bytes:
    """PIECE with every line end (CR LF or a bare LF) made CR LF, as re.sub(rb"\\r?\\n", CRLF, piece) makes it
    without the regular expression's try at every byte (ten times slower on a base64 attachment): nothing to do when
    every LF follows a CR; else the CR before each LF is dropped and every LF becomes CR LF."""
    lf = piece.count(b"\n")
    if not lf or lf == piece.count(_CRLF):
        return piece
    return piece.replace(_CRLF, b"\n").replace(b"\n", _CRLF)


def collapsed(piece: bytes) -> bytes:
    """PIECE with each run of spaces and tabs made one space, as re.sub(rb"[\\t ]+", b" ", piece) makes it, with
    C-speed searches (nothing to do in a base64 attachment): runs of spaces halve at every pass, no pass joins two."""
    # (find, not `in`: `bytes in bytes` first tries its operand as a number, at the cost of an exception)
    if piece.find(b"\t") >= 0:
        piece = piece.replace(b"\t", b" ")
    while piece.find(b"  ") >= 0:
        piece = piece.replace(b"  ", b" ")
    return piece


class _Canonical:
    """The canonical body fed piece by piece to a hash; trailing blank lines are held back until text follows them,
    since the canonical form drops them at the very end."""

    def __init__(self, relaxed: bool) -> None:
        self.relaxed = relaxed
        self.hash = hashlib.sha256()
        self.length = 0
        self.pending_blank = 0  # blank lines seen, not yet known not to be the end of the body
        self.emitted = False
        self.open_line = False  # part of the current line was emitted already (a very long line)

    def _out(self, data: bytes) -> None:
        self.hash.update(data)
        self.length += len(data)

    def _flush_blank(self) -> None:
        while self.pending_blank:
            count = min(self.pending_blank, len(_BLANKS) // 2)
            self._out(_BLANKS[: 2 * count])
            self.pending_blank -= count

    def _text(self, piece: bytes) -> bytes:
        return collapsed(piece) if self.relaxed else piece

    def lines(self, piece: bytes) -> None:
        """PIECE: whole lines, the last ending in LF."""
        piece = crlf_lines(piece)
        if self.relaxed:  # compressed first, so that no regular expression backtracks over a long run of spaces
            piece = collapsed(piece).replace(b" \r\n", _CRLF)
        if self.open_line:  # the rest of a line begun earlier: text even when this part is empty
            end = piece.index(_CRLF) + 2
            self._out(piece[:end])
            self.open_line = False
            piece = piece[end:]
        end = len(piece)
        while end >= 2 and piece.endswith(_CRLF, 0, end):
            end -= 2
        blanks = (len(piece) - end) // 2
        if end == 0:
            self.pending_blank += blanks
            return
        self._flush_blank()
        self._out(piece[:end])
        self._out(_CRLF)
        self.emitted = True
        self.pending_blank = blanks - 1

    def part_line(self, piece: bytes) -> None:
        """PIECE: text in the middle of a line, ending in a byte no later byte can change."""
        self._flush_blank()
        self._out(self._text(piece))
        self.emitted = True
        self.open_line = True

    def finish(self, tail: bytes) -> BodyHash:
        """TAIL: what follows the last LF (an unterminated last line, often empty)."""
        tail = self._text(tail)
        if tail or self.open_line:
            self._flush_blank()
            self._out(tail + _CRLF)
        elif not self.emitted and not self.relaxed:
            self._out(_CRLF)
        return BodyHash(self.hash.digest(), self.length)


class BodyHasher:
    """One canonicalisation's body hash fed a piece at a time (pieces of any size, cut anywhere): for a message
    too big to hold, whose body arrives in pieces and is let go of as it goes."""

    def __init__(self, *, relaxed: bool, chunk: int = CHUNK) -> None:
        self.relaxed = relaxed
        self.chunk = chunk
        self.canonical = _Canonical(relaxed)
        self.carry = b""

    def update(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        for position in range(0, len(view), self.chunk):
            self._block(self.carry + view[position: position + self.chunk].tobytes())

    def _block(self, block: bytes) -> None:
        last = block.rfind(b"\n")
        if last >= 0:
            self.canonical.lines(block[: last + 1])
            self.carry = block[last + 1:]
        else:
            self.carry = block
        if len(self.carry) > self.chunk:  # one very long line: emit all but what a later byte could still change
            if self.relaxed:  # a run of white space counts as one space whatever follows (and searches stay linear)
                self.carry = collapsed(self.carry)
            keep = _OPEN_TAIL[self.relaxed].search(self.carry)
            cut = keep.start() if keep is not None else len(self.carry)
            if cut:
                self.canonical.part_line(self.carry[:cut])
                self.carry = self.carry[cut:]

    def finish(self) -> BodyHash:
        return self.canonical.finish(self.carry)


def body_hash(raw: bytes | memoryview, start: int, *, relaxed: bool, chunk: int = CHUNK) -> BodyHash:
    """The sha256 body hash of RAW's body, which begins at START, under simple or relaxed canonicalisation."""
    hasher = BodyHasher(relaxed=relaxed, chunk=chunk)
    hasher.update(memoryview(raw)[start:])
    return hasher.finish()


def body_start(raw: bytes | memoryview) -> int:
    """Where the body begins as dkimpy reads a message: after the first empty line (lines end at CR LF or LF); the
    end of RAW when there is none."""
    view = bytes(raw[:2]) if isinstance(raw, memoryview) else raw[:2]
    if view.startswith(b"\n"):
        return 1
    if view.startswith(b"\r\n"):
        return 2
    match = _EMPTY_LINE.search(raw)
    return match.end() if match is not None else len(raw)
