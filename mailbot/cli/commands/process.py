"""`mailbot process [--dry-run] --json FILE.eml ...`: handle each file as if it had just arrived (SPEC 15).

The store is changed and replies are written to the outbox (not sent); one JSON object a line per case. With
--dry-run everything happens in one transaction that is rolled back at the end, so later files see what earlier
ones would have done. A message whose sender cannot be judged now (DNS) is named on stderr and not recorded; a
message the mailbot fails on is recorded as a `message.unprocessable` case (its error on stderr and on the case,
never a traceback); either way the exit status is then 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.errors import UsageError
from mailbot.processing.settings import settings_from

if TYPE_CHECKING:  # the pipeline loads the parsers and the form sandbox: only when a message is processed
    from mailbot.processing.record import CaseOutcome

def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("process", help="handle message files as if they had just arrived")
    parser.add_argument("--dry-run", action="store_true", help="decide and show, but change nothing")
    parser.add_argument("--json", action="store_true", help="one JSON object a line per case (SPEC 15)")
    parser.add_argument("files", nargs="+", metavar="FILE.eml")
    parser.set_defaults(handler=run)


def _line(file: str, case: CaseOutcome) -> dict[str, object]:
    line: dict[str, object] = {
        "file": file, "message_id": case.message_id, "reference": case.reference, "kind": case.kind,
        "outcome": case.outcome, "reasons": case.reasons, "changes": case.changes, "replies": case.replies}
    if case.confirms is not None:  # a signatory_confirmation: the case it confirms, after the answer (SPEC 15)
        line["confirms"] = case.confirms
        # SPEC 15: the line carries that case's outcome and changes (the answer's own case changes nothing itself:
        # handling it made the confirmed case's changes).
        line["changes"] = case.confirms["changes"]
    return line


def _show(line: dict[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(line, ensure_ascii=False), flush=True)
        return
    reasons = ", ".join(line["reasons"]) or "-"  # type: ignore[arg-type]
    print(f"{line['file']}: {line['reference']} {line['kind']} {line['outcome']} ({reasons})", flush=True)


def _read_all(paths: list[str]) -> list[tuple[str, bytes]]:
    files = []
    for name in paths:
        try:
            files.append((name, Path(name).read_bytes()))
        except OSError as exc:
            raise UsageError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    return files


def run(args: argparse.Namespace) -> int:
    from mailbot.processing.contract import TryLater
    from mailbot.processing.handle import handle
    from mailbot.processing.services import understander

    app = App.from_args(args)
    files = _read_all(args.files)  # every file is readable before anything is recorded
    settings = settings_from(app.config)
    deferred = failed = 0
    with understander(app.config, app.read_sessions) as understand, _store(app, args.dry_run) as store:
        for name, raw in files:
            source = f"file:{Path(name).name}"
            try:
                cases = handle(store, understand, raw, source=source, now=utcnow(), settings=settings)
            except TryLater as exc:
                deferred += 1
                print(f"{name}: not decided now, try again later: {exc}", file=sys.stderr)
                continue
            except Exception as exc:  # noqa: BLE001 - a fault of ours on one message: a case for staff, no traceback
                failed += 1
                line = _unprocessable(app, store, name, raw, source, exc)
                print(f"{name}: handling failed ({line['error']}); recorded as {line['reference']} "
                      "(message.unprocessable) for staff to send through again", file=sys.stderr)
                del line["error"]
                _show(line, args.json)
                continue
            for case in cases:
                _show(_line(name, case), args.json)
    return 1 if deferred or failed else 0


@contextmanager
def _store(app: App, dry_run: bool) -> Iterator[sessionmaker[Session]]:
    """The sessions the run records with. For a dry run they share one connection whose transaction is rolled back
    at the end: each transaction the real path opens becomes a savepoint in it, so later files see what earlier
    ones would have done and the very code that records a message runs, yet nothing is kept."""
    if not dry_run:
        yield app.sessions
        return
    with app.engine.connect() as connection:
        rehearsal = connection.begin()
        try:
            yield sessionmaker(connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
        finally:
            rehearsal.rollback()


def _unprocessable(app: App, store: sessionmaker[Session], name: str, raw: bytes, source: str,
                   exc: Exception) -> dict[str, object]:
    """Record RAW as a `message.unprocessable` case in STORE; its line."""
    from mailbot.config import secret_values
    from mailbot.processing.contract import content_hash, header_message_id
    from mailbot.processing.unprocessable import REASON, describe_failure, record_unprocessable
    from store.db import transaction

    error = describe_failure(exc, secret_values(app.config))
    message_id = header_message_id(raw)
    with transaction(store) as session:
        case = record_unprocessable(session, raw=raw, source=source, now=utcnow(), error=error, attempts=1,
                                    message_id=message_id, content_hash=content_hash(raw))
        return {"file": name, "message_id": message_id, "reference": case.reference, "kind": case.kind,
                "outcome": case.outcome, "reasons": [REASON], "changes": [], "replies": [], "error": error}
