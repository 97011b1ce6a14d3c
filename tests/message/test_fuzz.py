"""Seeded mutations of the sample messages through parse_message and classify: nothing raises, every result is
well formed. Deterministic (random.Random with fixed seeds), so a failure names its seed and case and repeats."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from parsers.kinds import Classification, KindContext, classify
from parsers.message import Attachment, MessageLimits, ParsedMessage, parse_message
from parsers.vocabulary.kinds import Kind
from tests.message.samples import ID_DOMAIN, MAILBOX, SYSTEM, all_samples
from tests.support.deep_headers import ADDRESS_HEADERS, deep_shapes

CTX = KindContext(mailbox_address=MAILBOX, system_address=SYSTEM, message_id_domain=ID_DOMAIN)
# Small limits, so the part, depth and size limits are reached by mutated messages too.
LIMITS = (MessageLimits(), MessageLimits(max_bytes=3000, max_parts=4, max_depth=2))
CASES = 10_000
SEEDS = 4
NASTY = (b"\r\n", b"\n\n", b"--", b"=?", b"?=", b"=?utf-8?B?", b"=?x?Q?=FF", b"\x00", b"\xff\xfe", b"<", b">",
         b"boundary=", b"Content-Type: multipart/mixed; boundary=x\r\n", b"Content-Transfer-Encoding: base64\r\n",
         b"charset=\"", b"\r\n ", b";", b"\"", b"%PDF-", b"\x89PNG\r\n\x1a\n", b"<html><blockquote>", b"<script>",
         b"Content-Type: message/rfc822\r\n\r\n", b"filename*=utf-8''%2F%00", b"Auto-Submitted: auto-replied\r\n")
Mutation = Callable[[random.Random, bytes, list[bytes]], bytes]


def _flip(rng: random.Random, raw: bytes, _: list[bytes]) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def _truncate(rng: random.Random, raw: bytes, _: list[bytes]) -> bytes:
    return raw[: rng.randrange(len(raw) + 1)]


def _insert(rng: random.Random, raw: bytes, _: list[bytes]) -> bytes:
    at = rng.randrange(len(raw) + 1)
    return raw[:at] + rng.choice(NASTY) * rng.randint(1, 3) + raw[at:]


def _delete(rng: random.Random, raw: bytes, _: list[bytes]) -> bytes:
    at = rng.randrange(len(raw) + 1)
    return raw[:at] + raw[at + rng.randint(1, 200):]


def _duplicate_header(rng: random.Random, raw: bytes, _: list[bytes]) -> bytes:
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    line = rng.choice(lines)
    for _ in range(rng.randint(1, 3)):
        lines.insert(rng.randrange(len(lines) + 1), line)
    return b"\r\n".join(lines) + sep + body


def _damage_boundary(rng: random.Random, raw: bytes, _: list[bytes]) -> bytes:
    boundaries = re.findall(rb"\r\n--([^\r\n]{1,80})", raw)
    if not boundaries:
        return _insert(rng, raw, [])
    target = rng.choice(boundaries)
    replacement = rng.choice([b"", target[:-1], target + b"x", target + b"--", b"--" + target, target.upper()])
    return raw.replace(b"--" + target, b"--" + replacement, rng.randint(1, 3))


def _splice(rng: random.Random, raw: bytes, others: list[bytes]) -> bytes:
    other = rng.choice(others)
    return raw[: rng.randrange(len(raw) + 1)] + other[rng.randrange(len(other) + 1):]


def _nest(rng: random.Random, raw: bytes, _: list[bytes]) -> bytes:
    depth = rng.randint(1, 12)
    wrapped = raw
    for level in range(depth):
        wrapped = (b"Content-Type: multipart/mixed; boundary=n%d\r\n\r\n--n%d\r\n" % (level, level) + wrapped
                   + b"\r\n--n%d--\r\n" % level)
    return b"From: a@nhs.net\r\nSubject: nested\r\n" + wrapped


def _shuffle_lines(rng: random.Random, raw: bytes, _: list[bytes]) -> bytes:
    lines = raw.split(b"\r\n")
    i, j = sorted(rng.sample(range(len(lines)), 2)) if len(lines) > 1 else (0, 0)
    lines[i], lines[j] = lines[j], lines[i]
    return b"\r\n".join(lines)


SHAPES = {depth: list(deep_shapes(depth).values()) for depth in (3, 1000, 3000)}


def _deep_address_header(rng: random.Random, raw: bytes, _: list[bytes]) -> bytes:
    """An address header nested deeper than the standard library's parsers recurse, replacing or added."""
    name = rng.choice(ADDRESS_HEADERS)
    value = rng.choice(SHAPES[rng.choice(list(SHAPES))]).format(address=rng.choice((SYSTEM, MAILBOX, "a@nhs.net")))
    line = f"{name}: {value}".encode()
    replaced = re.sub(rb"(?mi)^" + name.encode() + rb":[^\r\n]*", lambda _m: line, raw, count=1)
    return replaced if replaced != raw else line + b"\r\n" + raw


MUTATIONS: tuple[Mutation, ...] = (_flip, _truncate, _insert, _delete, _duplicate_header, _damage_boundary,
                                   _splice, _nest, _shuffle_lines, _deep_address_header)


def mutate(rng: random.Random, raw: bytes, others: list[bytes]) -> bytes:
    for _ in range(rng.randint(1, 3)):
        raw = rng.choice(MUTATIONS)(rng, raw, others)
    return raw


def check_parsed(parsed: ParsedMessage, raw: bytes) -> None:
    assert isinstance(parsed, ParsedMessage)
    assert parsed.raw == raw and parsed.size == len(raw) and len(parsed.content_hash) == 64
    for pairs in (parsed.headers, parsed.raw_headers):
        assert all(isinstance(n, str) and isinstance(v, str) for n, v in pairs)
    assert len(parsed.headers) == len(parsed.raw_headers)
    for text in (parsed.subject, parsed.body_text, parsed.text, parsed.quoted_text, parsed.signature_text,
                 parsed.content_type, *parsed.defects, *parsed.header_defects, *parsed.part_types):
        assert isinstance(text, str)
        text.encode("utf-8")  # no lone surrogates left over from 8-bit bytes
    for ident in (parsed.message_id, parsed.in_reply_to, *parsed.references):
        assert ident is None or (ident.startswith("<") and ident.endswith(">"))
    assert parsed.date is None or (isinstance(parsed.date, datetime) and parsed.date.tzinfo is UTC)
    assert "\n" not in parsed.subject and "\r" not in parsed.subject
    for a in parsed.attachments:
        assert isinstance(a, Attachment) and a.size == len(a.data)
        assert "/" not in a.filename and "\\" not in a.filename and not any(ord(c) < 32 for c in a.filename)
        assert a.sniffed_type and a.declared_type == a.declared_type.lower()


def check_classification(found: Classification) -> None:
    assert isinstance(found, Classification) and found.kind in set(Kind)
    assert found.follow_up_reference is None or re.fullmatch(r"OE-\d{4}-\d{6}", found.follow_up_reference)
    assert (found.kind == Kind.FOLLOW_UP) == (found.follow_up_reference is not None)
    assert found.notes and all(isinstance(n, str) for n in found.notes)


@pytest.mark.parametrize("seed", range(SEEDS))
def test_mutated_messages_never_break_parsing_or_classifying(seed: int) -> None:
    samples = list(all_samples().values())
    rng = random.Random(seed)
    started = time.monotonic()
    kinds: set[Kind] = set()
    for case in range(CASES // SEEDS):
        raw = mutate(rng, rng.choice(samples), samples)
        limits = LIMITS[case % 2]
        try:
            parsed = parse_message(raw, limits)
            check_parsed(parsed, raw)
            found = classify(parsed, CTX)
            check_classification(found)
        except Exception as exc:  # pragma: no cover - the message names the reproducer
            raise AssertionError(f"seed {seed}, case {case}: {raw[:200]!r}...") from exc
        kinds.add(found.kind)
        if case % 250 == 0:
            assert parse_message(raw, limits) == parsed  # deterministic
    assert len(kinds) >= 4  # the mutations did not all collapse into one kind
    assert time.monotonic() - started < 20


def test_the_unmutated_samples_are_well_formed() -> None:
    for name, raw in all_samples().items():
        parsed = parse_message(raw)
        check_parsed(parsed, raw)
        check_classification(classify(parsed, CTX))
        assert parsed.subject, name
