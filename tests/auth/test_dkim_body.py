"""The streaming DKIM body hash (parsers.dkim_body) against dkimpy's own over the whole body, and signatures checked
with it: the same answers as before, for a fraction of the memory."""

from __future__ import annotations

import base64
import hashlib
import random
import re
import tracemalloc
from datetime import UTC, datetime
from types import SimpleNamespace

import dkim
import pytest
from dkim.canonicalization import CanonicalizationPolicy

from parsers.dkim_body import body_hash, body_start, collapsed, crlf_lines
from rules.sender import AuthPolicy, authenticate_sender
from tests.support.dkim_signing import KeyRing, SigningKey, message, sign


def dkimpy_body_hash(raw: bytes, relaxed: bool) -> tuple[bytes, int]:
    """What dkimpy hashes: its own split of the message, its own canonicalisation of the whole body."""
    _headers, body = dkim.rfc822_parse(raw) if not raw.startswith((b"\n", b"\r\n")) else ([], _after_blank(raw))
    policy = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed" if relaxed else b"simple/simple")
    canonical = policy.canonicalize_body(body)
    return hashlib.sha256(canonical).digest(), len(canonical)


def _after_blank(raw: bytes) -> bytes:
    return b"\r\n".join(re.split(rb"\r?\n", raw)[1:])


# The corners of line ends and white space a sender can choose: bare CR, bare LF, CR CR LF, trailing tabs and
# spaces, blank lines at the end, no line end at the end, a body of nothing but blank lines.
PIECES = (b"a", b" ", b"\t", b"\r", b"\n", b"\r\n", b"xyz", b"\r\r\n", b"  \r\n", b"\r\n\r\n", b"\t\n")


@pytest.mark.parametrize("seed", range(4))
def test_streaming_body_hash_equals_dkimpys_on_hostile_bodies(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(1500):
        body = b"".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 30)))
        raw = b"From: a@nhs.net\r\nSubject: x\r\n\r\n" + body if rnd.random() < 0.8 else b"From: a@nhs.net\n\n" + body
        for relaxed in (False, True):
            expected = dkimpy_body_hash(raw, relaxed)
            for chunk in (1, 2, 5, 1 << 20):  # chunk edges everywhere, and long lines cut mid-way
                got = body_hash(raw, body_start(raw), relaxed=relaxed, chunk=chunk)
                assert (got.digest, got.length) == expected, (raw, relaxed, chunk)


@pytest.mark.parametrize("seed", range(4))
def test_line_ends_and_white_space_are_rewritten_as_the_regular_expressions_would(seed: int) -> None:
    chance = random.Random(seed)
    samples = [b"", b"\n", b"\r", b"\r\n", b"  ", b"\t", b" \t \t", b" " * 1000 + b"\t" * 999, b"a\r\r\n\nb"]
    samples += [b"".join(chance.choice(PIECES) for _ in range(chance.randrange(1, 300))) for _ in range(300)]
    for piece in samples:
        assert crlf_lines(piece) == re.sub(rb"\r?\n", b"\r\n", piece), piece
        assert collapsed(piece) == re.sub(rb"[\t ]+", b" ", piece), piece


@pytest.mark.parametrize("raw", [b"", b"From: a@nhs.net", b"From: a@nhs.net\r\n", b"\r\nbody", b"\nbody\n",
                                 b"From: a@nhs.net\r\n\r\n", b"From: a\r\r\n\r\nbody"])
def test_odd_message_shapes_hash_as_dkimpy_does(raw: bytes) -> None:
    for relaxed in (False, True):
        got = body_hash(raw, body_start(raw), relaxed=relaxed)
        assert (got.digest, got.length) == dkimpy_body_hash(raw, relaxed)


def test_a_long_line_of_spaces_is_hashed_right() -> None:
    raw = b"From: a@nhs.net\r\n\r\nx" + b" " * 3000 + b"y" + b"\t " * 2000 + b"\r\n\r\nz  "
    for relaxed in (False, True):
        got = body_hash(raw, body_start(raw), relaxed=relaxed, chunk=512)  # the line is cut many times
        assert (got.digest, got.length) == dkimpy_body_hash(raw, relaxed)
    # Megabytes of white space (dkimpy's own regular expressions would take hours here): one space, relaxed.
    huge = b"From: a@nhs.net\r\n\r\nx" + b" \t" * 2_000_000 + b"y" + b" " * 2_000_000 + b"\r\n"
    assert body_hash(huge, body_start(huge), relaxed=True) == body_hash(b"\r\nx y\r\n", 2, relaxed=True)


def test_a_big_signed_message_is_verified_without_a_copy_of_its_body(policy: AuthPolicy, ring: KeyRing,
                                                                    good_key: SigningKey) -> None:
    """A 6 MB signed body: authenticated, and the check holds well under one copy of the message at a time
    (dkimpy over the whole message made several: lines, the CRLF join, and each canonical form)."""
    attachment = base64.encodebytes(random.Random(1).randbytes(4_500_000)).replace(b"\n", b"\r\n")
    for canonicalize in ((b"relaxed", b"relaxed"), (b"relaxed", b"simple")):
        raw = sign(message(body="See the attached.\r\n" + attachment.decode()), good_key, canonicalize=canonicalize)
        tracemalloc.start()
        verdict = authenticate_sender(SimpleNamespace(raw=raw), policy, ring, now=datetime.now(UTC))
        _now, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert verdict.authenticated, verdict.problems
        assert peak < 2_500_000, f"checking a {len(raw):,} byte message took {peak:,} bytes"
        tampered = raw[:-100] + raw[-100:].replace(b"A", b"B", 1).replace(b"a", b"b", 1)
        verdict = authenticate_sender(SimpleNamespace(raw=tampered), policy, ring, now=datetime.now(UTC))
        assert not verdict.authenticated
        assert any("body hash mismatch" in p for p in verdict.problems), verdict.problems
