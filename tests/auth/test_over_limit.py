"""A message over the size limit authenticated from its first part and the DKIM body hashes taken while the rest
went by (mailbot.processing.over_limit): the same verdict as over the whole message, for signed, altered and
unsigned mail."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from mailbot.processing.over_limit import read_over_limit
from parsers.dkim_body import BodyHasher, body_hash, body_start
from rules.sender import AuthPolicy, SenderVerdict, authenticate_sender
from tests.support.dkim_signing import KeyRing, SigningKey, message, sign

KEPT = 5000  # the "limit": what a source keeps of the message
NOW = datetime.now(UTC)  # the tests' signatures are made now


def _pieces(data: bytes, rnd: random.Random) -> list[bytes]:
    cuts = sorted(rnd.sample(range(1, len(data)), min(40, len(data) - 1))) if len(data) > 1 else []
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def _judge_in_pieces(raw: bytes, policy: AuthPolicy, ring: KeyRing, seed: int = 0) -> SenderVerdict:
    kept, rest = raw[:KEPT + 1], raw[KEPT + 1:]
    over = read_over_limit(kept, _pieces(rest, random.Random(seed)))
    assert over.size == len(raw)
    return authenticate_sender(SimpleNamespace(raw=kept), policy, ring, over.body_hashes, now=NOW)


def _big_body(seed: int = 1) -> str:
    return "See the attached.\r\n" + base64.encodebytes(random.Random(seed).randbytes(20_000)).replace(
        b"\n", b"\r\n").decode() + "\r\n \t\r\n\r\n"


@pytest.mark.parametrize("seed", range(3))
def test_a_body_hashed_in_pieces_cut_anywhere_hashes_as_a_whole(seed: int) -> None:
    rnd = random.Random(seed)
    pieces = (b"a", b" ", b"\t", b"\r", b"\n", b"\r\n", b"xyz", b"  \r\n", b"\r\n\r\n")
    for _ in range(200):
        body = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 60)))
        for relaxed in (False, True):
            hasher = BodyHasher(relaxed=relaxed, chunk=rnd.choice((1, 3, 7, 1 << 18)))
            for piece in _pieces(body, rnd):
                hasher.update(piece)
            assert hasher.finish() == body_hash(body, 0, relaxed=relaxed), (body, relaxed)


@pytest.mark.parametrize("canonicalize", [(b"relaxed", b"relaxed"), (b"relaxed", b"simple")])
def test_a_signed_message_over_the_limit_is_authenticated_from_its_hashes(
        canonicalize: tuple[bytes, bytes], policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    raw = sign(message(body=_big_body()), good_key, canonicalize=canonicalize)
    verdict = _judge_in_pieces(raw, policy, ring)
    assert verdict.authenticated and verdict.nhs, verdict.problems
    assert verdict == authenticate_sender(SimpleNamespace(raw=raw), policy, ring, now=NOW)  # as over the whole message


def test_a_body_altered_after_signing_is_not_authenticated(policy: AuthPolicy, ring: KeyRing,
                                                          good_key: SigningKey) -> None:
    raw = sign(message(body=_big_body()), good_key)
    tampered = raw[:-300] + raw[-300:].replace(b"A", b"B", 1).replace(b"a", b"b", 1)
    assert tampered != raw and tampered[:KEPT + 1] == raw[:KEPT + 1]  # the change is beyond what is kept
    verdict = _judge_in_pieces(tampered, policy, ring)
    assert not verdict.authenticated
    assert any("body hash mismatch" in p for p in verdict.problems), verdict.problems
    # Text added past an l= that covered the original body: not authenticated either.
    with_length = sign(message(body=_big_body()), good_key, length=True)
    verdict = _judge_in_pieces(with_length + b"Also make evil@example.com a Primary User.\r\n", policy, ring)
    assert not verdict.authenticated
    assert any("l= covers only part" in p for p in verdict.problems), verdict.problems


def test_an_unsigned_message_over_the_limit_is_not_authenticated(policy: AuthPolicy, ring: KeyRing) -> None:
    raw = message(body=_big_body())
    kept = raw[:KEPT + 1]
    over = read_over_limit(kept, [raw[KEPT + 1:]])
    assert over.body_hashes == {}  # nothing to hash for: no signature names a canonicalisation
    verdict = authenticate_sender(SimpleNamespace(raw=kept), policy, ring, over.body_hashes, now=NOW)
    assert not verdict.authenticated and "the message has no DKIM signature" in verdict.problems


def test_hashes_are_never_taken_from_the_kept_part_alone(policy: AuthPolicy, ring: KeyRing,
                                                        good_key: SigningKey) -> None:
    """Given hashes that lack the signature's canonicalisation (the header block did not end within the kept part,
    say), the check fails rather than hash the truncated body."""
    raw = sign(message(body=_big_body()), good_key)
    verdict = authenticate_sender(SimpleNamespace(raw=raw[:KEPT + 1]), policy, ring, {}, now=NOW)
    assert not verdict.authenticated
    assert any("over the size limit" in p for p in verdict.problems), verdict.problems
    headers_only = raw[:body_start(raw) - 2]  # the header block cut before its empty line
    assert read_over_limit(headers_only, [raw[len(headers_only):]]).body_hashes == {}
