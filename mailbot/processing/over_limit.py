"""A message over `[limits] max_message_bytes`, read without holding it whole: the sources keep its first limit+1
bytes (enough for the headers and for the case staff see) and feed the rest, a piece at a time, to the DKIM body
hashers, so that a signed big message can still be authenticated (SPEC 4, 12) and its sender told it is too large,
while an unsigned or altered one gets no reply at all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from parsers.dkim_body import BodyHash, BodyHasher
from parsers.raw_headers import split_message
from rules.dkim_checks import body_canonicalisations


@dataclass(frozen=True)
class OverLimit:
    """What was learnt of a message over the size limit while all of it went by: its whole size, and its body's
    hash under each canonicalisation its signatures name (True: relaxed)."""

    size: int
    body_hashes: Mapping[bool, BodyHash] = field(default_factory=dict)


class OverLimitReader:
    """Fed the message's bytes in order: first the part that is kept (at least the header block), then the rest,
    piece by piece; nothing of the rest is held."""

    def __init__(self, kept: bytes) -> None:
        headers = split_message(kept)
        self.size = len(kept)
        self.hashers: dict[bool, BodyHasher] = {}
        if _header_block_ends(kept, headers.body_start):  # else the body's start is not known: nothing to hash
            wanted = body_canonicalisations(headers) if headers.count("DKIM-Signature") else frozenset()
            self.hashers = {relaxed: BodyHasher(relaxed=relaxed) for relaxed in sorted(wanted)}
            for hasher in self.hashers.values():
                hasher.update(memoryview(kept)[headers.body_start:])

    def update(self, piece: bytes | memoryview) -> None:
        self.size += len(piece)
        for hasher in self.hashers.values():
            hasher.update(piece)

    def finish(self) -> OverLimit:
        return OverLimit(self.size, {relaxed: hasher.finish() for relaxed, hasher in self.hashers.items()})


def read_over_limit(kept: bytes, rest: Iterable[bytes | memoryview]) -> OverLimit:
    """KEPT (the first part of the message) and REST (the pieces that follow it, in order) read as one message."""
    reader = OverLimitReader(kept)
    for piece in rest:
        reader.update(piece)
    return reader.finish()


def _header_block_ends(kept: bytes, start: int) -> bool:
    """Whether the empty line that ends the header block lies within KEPT (START: where the body would begin)."""
    return start < len(kept) or kept.endswith((b"\n\n", b"\n\r\n")) or kept in (b"\n", b"\r\n")
