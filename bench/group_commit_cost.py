"""What recording a backlog costs the store by [daemon] group_commit, in figures that do not move with the machine's
load: COMMITs, statements (by verb: SAVEPOINT and RELEASE among them) and this process's CPU a message, the
messages handled by the daemon's own IntakeWorker.process_batch (read ahead by [daemon] workers threads, recorded in
groups), in process on a fresh store holding the sample register: no IMAP, SMTP or scheduler.

    .venv/bin/python -m bench.group_commit_cost --messages 300 [--group-commit 1,8] [--postgres URL]
    strace -f -c -e trace=fsync,fdatasync .venv/bin/python -m bench.group_commit_cost --group-commit 8
        (the fsyncs: divide by the messages, less those of making the store, seen with --messages 0)
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from bench.bench_backlog import _database
from bench.common import Bench
from bench.pipeline_mail import pipeline_handler, pipeline_messages
from bench.sql_count import StatementCounter
from mailbot.config_sections import DaemonSection, FoldersSection
from mailbot.intake.worker import IntakeWorker
from store.db import make_engine, sessions, upgrade

BATCH = 100  # messages a batch, as the backlog bench's daemon fetches them


def run(bench: Bench, messages: list[bytes], url: str, group_commit: int) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    factory = sessions(engine)
    handler, close = pipeline_handler(bench, factory, url)
    counter = StatementCounter(engine)
    commits = Counter[str]()
    event.listen(engine, "commit", lambda _conn: commits.update(["COMMIT"]))
    worker = IntakeWorker(sessions=factory, handler=handler, source="bench", owner="bench",
                          daemon=DaemonSection(workers=2, read_ahead=2, group_commit=group_commit),
                          folders=FoldersSection(), clock=lambda: datetime.now(UTC))
    try:
        began, cpu_began = time.monotonic(), time.process_time()
        with counter.counting():
            for start in range(0, len(messages), BATCH):
                raws = {f"bench:{start + n}": raw for n, raw in enumerate(messages[start:start + BATCH])}
                claimed = worker.claim(raws)
                done = worker.process_batch(claimed, raws, threading.Event())
                assert None not in done.values(), done
        seconds, cpu = time.monotonic() - began, time.process_time() - cpu_began
    finally:
        counter.close()
        close()
        engine.dispose()
    n = max(len(messages), 1)
    return {"group_commit": group_commit, "messages": len(messages),
            "commits_per_message": round(commits["COMMIT"] / n, 3),
            "statements_per_message": {verb: round(count / n, 2) for verb, count in sorted(counter.by_verb.items())},
            "cpu_ms_per_message": round(cpu * 1000 / n, 2), "messages_per_second": round(n / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--group-commit", default="1,8", help="the group sizes to run, comma-separated")
    parser.add_argument("--postgres", default=None, metavar="URL")
    args = parser.parse_args()
    results = []
    for size in (int(s) for s in args.group_commit.split(",")):
        bench = Bench(kind="pipeline")
        messages = pipeline_messages(bench, args.messages)
        with ExitStack() as stores:
            url = (stores.enter_context(_database(args.postgres)) if args.postgres
                   else f"sqlite:///{bench.work / 'store.db'}")
            results.append(run(bench, messages, url, size))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
