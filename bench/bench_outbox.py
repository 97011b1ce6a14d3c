"""The daemon's cost of sending replies: commits, SQL statements and the sender's CPU time per mail sent.

    .venv/bin/python -m bench.bench_outbox [--rate 150] [--seconds 10] [--backlog 0] [--postgres URL] [--smtp]

A real `Daemon` (scheduler, heartbeat, housekeeping; an empty Maildir source, a Maildir sink) runs while a
producer queues replies at RATE a second, each followed by the wake-up a handled message gives the sender
(`worker.after_message`), as cases recorded by the intake would. `--backlog N` queues N replies before the daemon
starts instead. `--smtp` hands the mails to an SMTP server (aiosmtpd, discarding them) in a process of its own,
as the daemon does in production, instead of the Maildir sink (whose fsync a mail is most of the sender's time).
Counted in the sender's own drains only (a thread-local mark): the statements every cursor executes
(one BEGIN a transaction on SQLite, its tries while the producer holds the write lock left out; COMMIT
not counted, as in bench/sql_count.py), the commits, and the thread CPU time
(time.thread_time). Those do not move with the machine's load, unlike the rate; the reply's wait (queued to
recorded as sent) is given too. The producer uses an engine of its own, outside the counts.
"""

from __future__ import annotations

import argparse
import json
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from types import SimpleNamespace
from typing import Any

from sqlalchemy import event, select

from bench.bench_backlog import _database
from bench.sql_count import verb
from mailbot.daemon.scheduler import Daemon
from store.db import make_engine, sessions, transaction, upgrade
from store.models import Case, OutboxMessage
from tests.support.daemon_setup import daemon_config, empty_maildir
from tests.support.listening import free_port
from tests.support.simple_handler import SimpleHandler

_draining = threading.local()


def _queue(factory: Any, n: int, start: int) -> None:
    now = datetime.now(UTC)
    with transaction(factory) as session:
        for i in range(start, start + n):
            case = Case(reference=f"OE-2026-{i:06d}", kind="unclear", outcome="approved", reasons=[], checks=[],
                        fields={}, changes=[], created_at=now, updated_at=now)
            session.add(case)
            session.flush()
            session.add(OutboxMessage(case_id=case.id, message_id=f"<{case.reference}.1@mailbot.test>",
                                      purpose="reply", recipient=f"person{i}@nhs.net", subject=f"Re: {i}",
                                      body="Hello.\n", headers={"From": "pcse.openexeter@nhs.net",
                                                                "To": f"person{i}@nhs.net"},
                                      status="pending", attempts=0, next_attempt_at=now, created_at=now))


@contextmanager
def _smtp_server() -> Iterator[Any]:
    """An aiosmtpd that accepts and discards every mail, in a process of its own (its CPU not the daemon's)."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
                               "aiosmtpd.handlers.Sink"])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield SimpleNamespace(port=port)
    finally:
        server.terminate()
        server.wait()


def run(url: str, base: Path, rate: float, seconds: float, backlog: int, smtp: Any = None) -> dict[str, object]:
    empty_maildir(base / "inbox")
    engine = make_engine(url)
    upgrade(engine)
    producer = sessions(make_engine(url))
    daemon = Daemon(daemon_config(url, base=base, imap={}, smtp=smtp, outbox_seconds=2, housekeeping_seconds=30),
                    sessions(engine), SimpleHandler(sessions(engine)))
    statements: Counter[str] = Counter()
    commits, cpu, drains = [0], [0.0], [0]

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if getattr(_draining, "on", False):
            statements[verb(statement)] += 1

    def committed(_conn: Any) -> None:
        if getattr(_draining, "on", False):
            commits[0] += 1

    event.listen(engine, "before_cursor_execute", seen)
    event.listen(engine, "commit", committed)
    drain = daemon.outbox_job.work

    def counted_drain() -> Any:
        _draining.on = True
        began = time.thread_time()
        try:
            return drain()
        finally:
            cpu[0] += time.thread_time() - began
            drains[0] += 1
            _draining.on = False

    daemon.outbox_job.work = counted_drain
    total = backlog or int(rate * seconds)
    if backlog:
        _queue(producer, backlog, 0)
    rusage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    daemon.start()
    try:
        if not backlog:
            for i in range(total):
                pause = started + i / rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                _queue(producer, 1, i)
                daemon.worker.after_message()  # type: ignore[misc]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with producer() as session:
                if session.scalar(select(OutboxMessage.id).where(OutboxMessage.status != "sent").limit(1)) is None:
                    break
            time.sleep(0.05)
        elapsed = time.monotonic() - started
    finally:
        daemon.shutdown()
    after = resource.getrusage(resource.RUSAGE_SELF)
    with producer() as session:
        waits = sorted((s - c).total_seconds() for s, c in session.execute(
            select(OutboxMessage.sent_at, OutboxMessage.created_at).where(OutboxMessage.status == "sent")))
    sent = len(waits)
    return {"store": engine.dialect.name, "sink": "smtp" if smtp else "maildir", "sent": sent, "of": total,
            "drains": drains[0],
            "commits_per_mail": round(commits[0] / sent, 3),
            # One BEGIN a transaction counted (PostgreSQL's is no statement of its own); SQLite's BEGIN IMMEDIATE
            # asked again while the producer holds the write lock is contention, not the sender's work.
            "statements_per_mail": round((sum(statements.values()) - statements["BEGIN"]
                                          + (commits[0] if statements["BEGIN"] else 0)) / sent, 3),
            "statements": dict(statements), "sender_cpu_ms_per_mail": round(1000 * cpu[0] / sent, 3),
            "process_cpu_ms_per_mail": round(1000 * (after.ru_utime + after.ru_stime - rusage.ru_utime
                                                     - rusage.ru_stime) / sent, 3),
            "wait_p50_ms": round(1000 * median(waits), 1), "wait_p95_ms": round(1000 * waits[int(0.95 * sent)], 1),
            "seconds": round(elapsed, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=150.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--backlog", type=int, default=0, help="queue this many before starting, no producer")
    parser.add_argument("--postgres", default=None, metavar="URL", help="a new database on this server")
    parser.add_argument("--smtp", action="store_true", help="send to an SMTP server, not the Maildir sink")
    args = parser.parse_args()
    with (tempfile.TemporaryDirectory() as tmp, _database(args.postgres) as pg,
          _smtp_server() if args.smtp else nullcontext() as smtp):
        url = pg or f"sqlite:///{tmp}/store.db"
        print(json.dumps(run(url, Path(tmp), args.rate, args.seconds, args.backlog, smtp)))


if __name__ == "__main__":
    main()
