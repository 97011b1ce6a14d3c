"""Processing the golden corpus on a fresh store, and what the suite compares: every JSON line of
`mailbot process --json`, and the store after it (each organisation as `org show --json`, the outbox, the queue)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select

from store.db import make_engine, sessions
from store.models import Case, OutboxMessage
from tests.support.cli import mailbot, write_config

HERE = Path(__file__).parent
MESSAGES = HERE / "messages"
CLOCK = "2026-11-30T12:00:00+00:00"  # the corpus is dated November 2026; the run happens "then"
ORGS = ("A81001", "A81002", "B82010", "RX1", "Y01234")


@contextmanager
def _clock() -> Iterator[None]:
    before = os.environ.get("MAILBOT_CLOCK")
    os.environ["MAILBOT_CLOCK"] = CLOCK
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("MAILBOT_CLOCK", None)
        else:
            os.environ["MAILBOT_CLOCK"] = before


def _cli(config: Path, *argv: str) -> str:
    result = mailbot("--config", config, *argv)
    assert result.status == 0, result.err
    return result.out


def run(directory: Path) -> dict[str, Any]:
    """Process the whole corpus in DIRECTORY's fresh store; the results as one JSON-able document."""
    store = f"sqlite:///{directory / 'store.db'}"
    config = write_config(directory, store, f'[auth]\ntest_public_keys = "{HERE / "test-keys.txt"}"\n')
    sample = resources.files("mailbot.demo") / "sample"
    with _clock():
        for table in ("applications", "organisations", "users", "signatories"):
            _cli(config, "import", table, str(sample / f"{table}.csv"))
        files = sorted(MESSAGES.glob("*.eml"))
        lines = [json.loads(line) for line in _cli(config, "process", "--json", *map(str, files)).splitlines()]
        orgs = {code: json.loads(_cli(config, "org", "show", code, "--json")) for code in ORGS}
    for line in lines:
        line["file"] = Path(line["file"]).name
    engine = make_engine(store)
    with sessions(engine)() as session:
        outbox = [{"case": ref, "purpose": row.purpose, "to": row.recipient, "subject": row.subject,
                   "message_id": row.message_id}
                  for row, ref in session.execute(select(OutboxMessage, Case.reference)
                                                  .join(Case, Case.id == OutboxMessage.case_id)
                                                  .order_by(OutboxMessage.id))]
        queue = list(session.scalars(select(Case.reference).where(Case.needs_review).order_by(Case.id)))
    engine.dispose()
    return {"lines": lines, "orgs": orgs, "outbox": outbox, "queue": queue}


def normalised(doc: dict[str, Any]) -> dict[str, Any]:
    """References carry the year they were made in; the corpus is replayed at a fixed clock, but be safe."""
    return json.loads(re.sub(r"OE-\d{4}-", "OE-YYYY-", json.dumps(doc, sort_keys=True)))


def write_expected() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        doc = run(Path(tmp))
    (HERE / "expected.jsonl").write_text("".join(json.dumps(line, sort_keys=True) + "\n" for line in doc["lines"]))
    store = {k: v for k, v in doc.items() if k != "lines"}
    (HERE / "expected-store.json").write_text(json.dumps(store, indent=1, sort_keys=True) + "\n")
    print(f"{len(doc['lines'])} lines, {len(doc['outbox'])} outbox rows, {len(doc['queue'])} in the queue")
