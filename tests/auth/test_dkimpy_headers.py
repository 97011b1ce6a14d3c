"""rules.dkim_verify.dkimpy_headers is dkimpy's own reading of a header block (rfc822_parse) wherever split_message
found no defect, on real, hostile and mutated mail and on generated header blocks: the DKIM verifier hashes the
fields dkimpy would have read. A block with a defect is read by dkimpy itself."""

from __future__ import annotations

import random
from typing import Any

import dkim
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.raw_headers import split_message
from rules.dkim_verify import dkimpy_headers
from tests.message.test_feed_parser import CORPUS
from tests.message.test_fuzz import mutate


def _dkimpy(header_block: bytes) -> Any:
    try:
        return dkim.rfc822_parse(header_block)[0]
    except Exception as exc:  # noqa: BLE001 - which error, and its text, are part of the reading
        return ("raised", type(exc).__name__, str(exc))


def _ours(raw: bytes) -> Any:
    try:
        return dkimpy_headers(split_message(raw))
    except Exception as exc:  # noqa: BLE001 - which error, and its text, are part of the reading
        return ("raised", type(exc).__name__, str(exc))


def _check(raw: bytes) -> bool:
    """Whether RAW's header block has no defect (the case dkimpy_headers reads itself); either way, the same."""
    headers = split_message(raw)
    assert _ours(raw) == _dkimpy(headers.header_block)
    return not headers.defects


def test_real_and_hostile_mail_reads_as_dkimpy_reads_it() -> None:
    clean = [name for name, raw in CORPUS.items() if _check(raw)]
    assert len(clean) > 40  # most of it has no defect: the fields split already are what is compared


@pytest.mark.parametrize("seed", range(3))
def test_mutated_mail_reads_as_dkimpy_reads_it(seed: int) -> None:
    rng = random.Random(seed)
    samples = [raw for raw in CORPUS.values() if len(raw) < 100_000]
    assert sum(_check(mutate(rng, rng.choice(samples), samples)) for _ in range(300)) > 30


_LINES = st.sampled_from([b"From: a@nhs.net", b"From a@nhs.net Thu Nov 26", b"To:b@nhs.net", b" folded", b"\tfolded",
                          b"Subject: x: y", b"::x", b"X-A :b", b"x", b"", b"DKIM-Signature: v=1;", b"a\rb: c",
                          b"K\x00: v", b"\xc3\xa9: v", b"Received: by\r", b"Na-me:", b" ", b"From:"])


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(_LINES, max_size=8), ends=st.lists(st.sampled_from([b"\r\n", b"\n"]), min_size=8, max_size=8),
       body=st.sampled_from([b"", b"\r\n", b"\r\nbody\r\n", b"\nbody"]))
def test_generated_header_blocks_read_as_dkimpy_reads_them(lines: list[bytes], ends: list[bytes],
                                                             body: bytes) -> None:
    _check(b"".join(line + end for line, end in zip(lines, ends, strict=False)) + body)
