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
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.errors import UsageError
from mailbot.processing.settings import Settings, settings_from

if TYPE_CHECKING:  # the pipeline loads the parsers and the form sandbox: only when a message is processed
    from mailbot.processing.record import CaseOutcome
    from mailbot.processing.understanding import Understander

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
    with understander(app.config, app.read_sessions) as understand, app.sessions() as session:
        dry_run = session.begin() if args.dry_run else None  # one transaction for the whole run, rolled back
        for name, raw in files:
            source = f"file:{Path(name).name}"
            try:
                if dry_run is None:
                    cases = handle(app.sessions, understand, raw, source=source, now=utcnow(), settings=settings)
                else:
                    cases = _rehearse(session, understand, raw, source, settings)
            except TryLater as exc:
                deferred += 1
                print(f"{name}: not decided now, try again later: {exc}", file=sys.stderr)
                continue
            except Exception as exc:  # noqa: BLE001 - a fault of ours on one message: a case for staff, no traceback
                failed += 1
                line = _unprocessable(app, session if dry_run is not None else None, name, raw, source, exc)
                print(f"{name}: handling failed ({line['error']}); recorded as {line['reference']} "
                      "(message.unprocessable) for staff to send through again", file=sys.stderr)
                del line["error"]
                _show(line, args.json)
                continue
            for case in cases:
                _show(_line(name, case), args.json)
        if dry_run is not None:
            dry_run.rollback()
    return 1 if deferred or failed else 0


def _unprocessable(app: App, dry_run: Session | None, name: str, raw: bytes, source: str,
                   exc: Exception) -> dict[str, object]:
    """Record RAW as a `message.unprocessable` case (in the dry run's transaction when there is one); its line."""
    from mailbot.config import secret_values
    from mailbot.processing.contract import content_hash, header_message_id
    from mailbot.processing.unprocessable import REASON, describe_failure, record_unprocessable
    from store.db import transaction

    error = describe_failure(exc, secret_values(app.config))
    message_id = header_message_id(raw)

    def record(session: Session) -> dict[str, object]:
        case = record_unprocessable(session, raw=raw, source=source, now=utcnow(), error=error, attempts=1,
                                    message_id=message_id, content_hash=content_hash(raw))
        return {"file": name, "message_id": message_id, "reference": case.reference, "kind": case.kind,
                "outcome": case.outcome, "reasons": [REASON], "changes": [], "replies": [], "error": error}

    if dry_run is not None:
        with dry_run.begin_nested():
            return record(dry_run)
    with transaction(app.sessions) as session:
        return record(session)


def _rehearse(session: Session, understand: Understander, raw: bytes, source: str,
              settings: Settings) -> list[CaseOutcome]:
    """What handle() would do, inside the dry run's open transaction."""
    from mailbot.processing.handle import seen_before
    from mailbot.processing.record import record

    now = utcnow()
    u = understand.understand(raw, now=now)
    if not seen_before(session, u):
        u = understand.with_forms(u, now=now)
    with session.begin_nested():
        return record(session, u, source=source, now=now, settings=settings)
