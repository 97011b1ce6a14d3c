"""Two writers of one SQLite file taking turns (store/sqlite_write_turn.py), as the daemon's recording and its
outbox sender do, beside threads busy in Python (reading ahead): how many recording transactions a second, with
the writer's switch interval around its blocking calls (HANDBACK_SWITCH_SECONDS) and without it (the usual 1 ms
throughout, as before).

    .venv/bin/python -m bench.bench_write_handback [--seconds 3] [--rounds 3] [--busy 2] [--handback-ms 0.1]

The "recording" inserts ten 2 KB rows a transaction, the "sender" updates one row twice a transaction every
5 ms; both BEGIN IMMEDIATE, COMMIT with synchronous=FULL on a WAL file. Rounds alternate, so a change in the
machine's load falls on both alike.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import store.sqlite_write_turn as turns
from bench.bench_switch_interval import busy_in_python
from mailbot.daemon.scheduler import SWITCH_INTERVAL_SECONDS
from store.sqlite_write_turn import TurnTakingConnection


def _connect(path: Path) -> TurnTakingConnection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, factory=TurnTakingConnection)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=15000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def _transaction(conn: TurnTakingConnection, statements: list[tuple[str, tuple[object, ...]]]) -> None:
    conn.take_turn(15.0)
    conn.execute("BEGIN IMMEDIATE")
    for statement, parameters in statements:
        conn.execute(statement, parameters)
    conn.commit()


def recordings_per_second(work: Path, seconds: float, busy: int, handback: float) -> float:
    turns.HANDBACK_SWITCH_SECONDS = handback
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    path = work / f"handback-{time.monotonic_ns()}.db"
    recorder, sender = _connect(path), _connect(path)
    recorder.execute("CREATE TABLE t (a INTEGER, b TEXT)")
    recorder.execute("CREATE TABLE o (id INTEGER PRIMARY KEY, status TEXT)")
    recorder.execute("INSERT INTO o (status) VALUES ('pending')")
    stop = threading.Event()
    blob = "x" * 2000

    def send() -> None:
        while not stop.is_set():
            _transaction(sender, [("UPDATE o SET status = 'sent' WHERE id = 1", ()),
                                  ("UPDATE o SET status = 'transmitting' WHERE id = 1", ())])
            time.sleep(0.005)

    threads = [threading.Thread(target=busy_in_python, args=(stop,)) for _ in range(busy)]
    threads.append(threading.Thread(target=send))
    for thread in threads:
        thread.start()
    done, end = 0, time.perf_counter() + seconds
    try:
        while time.perf_counter() < end:
            _transaction(recorder, [("INSERT INTO t VALUES (?, ?)", (i, blob)) for i in range(10)])
            done += 1
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        recorder.close()
        sender.close()
    return done / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", type=int, default=2)
    parser.add_argument("--handback-ms", type=float, default=turns.HANDBACK_SWITCH_SECONDS * 1000)
    args = parser.parse_args()
    variants = {"usual interval throughout": SWITCH_INTERVAL_SECONDS,
                f"{args.handback_ms:g} ms around blocking calls": args.handback_ms / 1000}
    found: dict[str, list[float]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as work:
        for _ in range(args.rounds):
            for name, handback in variants.items():
                found[name].append(round(recordings_per_second(Path(work), args.seconds, args.busy, handback), 1))
    print(json.dumps({"recordings_per_second": found,
                      "medians": {name: statistics.median(rates) for name, rates in found.items()}}, indent=2))


if __name__ == "__main__":
    main()
