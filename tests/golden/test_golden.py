"""The golden corpus: every message's JSON line and the store after the whole corpus, exactly as reviewed.

A difference means behaviour changed: read it, and if the change is meant, regenerate with
`python -m tests.golden.make_corpus --expected` (new messages) or re-run write_expected (same messages), then
review the diff of expected.jsonl and expected-store.json before committing.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.golden.run_corpus import HERE, MESSAGES, normalised, run


def test_the_corpus_has_at_least_fifty_messages() -> None:
    assert len(list(MESSAGES.glob("*.eml"))) >= 50


def test_every_message_gives_its_expected_lines_and_store(tmp_path: Path) -> None:
    doc = normalised(run(tmp_path))
    expected_lines = [json.loads(line) for line in (HERE / "expected.jsonl").read_text().splitlines()]
    expected = normalised({"lines": expected_lines, **json.loads((HERE / "expected-store.json").read_text())})
    for got, want in zip(doc["lines"], expected["lines"], strict=True):
        assert got == want, want["file"]
    assert doc == expected
