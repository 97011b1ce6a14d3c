"""What the interpreter's switch interval does to a committing transaction while another thread is busy in Python:
the daemon's case (mailbot.daemon.scheduler.SWITCH_INTERVAL_SECONDS), where the message being recorded lets go of
the interpreter lock at each commit's fsync and a thread reading the next message ahead (parsing, DKIM) holds it.

    .venv/bin/python -m bench.bench_switch_interval [--transactions 200] [--intervals 5,1,0.5]

For each interval (milliseconds), the mean time of one SQLite transaction (BEGIN IMMEDIATE, an insert, a select,
COMMIT on a WAL file) with no other thread, and beside one busy thread. Rounds alternate, so a change in the
machine's load falls on every interval alike.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path


def busy_in_python(stop: threading.Event) -> None:
    """Pure-Python work until STOP: a thread that holds the GIL whenever it can (as reading ahead does)."""
    total = 0
    while not stop.is_set():
        for i in range(1000):
            total += i * i


def transaction_ms(path: Path, transactions: int, interval: float, busy: bool) -> float:
    sys.setswitchinterval(interval)
    stop = threading.Event()
    thread = threading.Thread(target=busy_in_python, args=(stop,)) if busy else None
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS t (a INTEGER)")
        if thread is not None:
            thread.start()
        began = time.perf_counter()
        for i in range(transactions):
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO t VALUES (?)", (i,))
            db.execute("SELECT count(*) FROM t").fetchone()
            db.execute("COMMIT")
        return (time.perf_counter() - began) / transactions * 1000
    finally:
        stop.set()
        if thread is not None:
            thread.join()
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transactions", type=int, default=200)
    parser.add_argument("--intervals", default="5,1,0.5", help="milliseconds, comma-separated")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    intervals = [float(ms) for ms in args.intervals.split(",")]
    found: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "switch.db"
        for _ in range(args.rounds):
            for ms in intervals:
                for busy in (False, True):
                    key = f"{ms:g} ms, {'one busy thread' if busy else 'alone'}"
                    found.setdefault(key, []).append(round(transaction_ms(path, args.transactions, ms / 1000, busy), 2))
    print(json.dumps({"ms_per_transaction": found}, indent=2))


if __name__ == "__main__":
    main()
