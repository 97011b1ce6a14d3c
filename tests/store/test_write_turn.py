"""Writers of one process take turns for SQLite's write lock (store/sqlite_write_turn.py): a writer waiting for
another thread's transaction waits blocked, asking SQLite nothing and burning no CPU, goes on as soon as that
transaction ends, and the turn is given back however a transaction ends. Another process still meets SQLite's
lock, and a writer still gives up on it after the busy timeout (and waits for it: tests/store/test_write_lock_wait.py,
whose other connection takes no turn, as another process's would not)."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import IntegrityError, OperationalError

import store.db
from store.db import make_engine, sessions, transaction
from store.sqlite_write_turn import TurnTakingConnection, _turn_for

HOLD_SECONDS = 1.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def _turn_taken(engine: Engine) -> bool:
    turn = _turn_for(engine.url.database)
    assert turn is not None
    return turn.locked()


def _begins(engine: Engine) -> list[str]:
    """BEGIN statements the engine sends from now on."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return seen


def test_a_writer_waiting_for_another_thread_takes_no_cpu_and_goes_on_when_it_commits(engine: Engine) -> None:
    holding = threading.Event()
    committed_at: list[float] = []
    waited: dict[str, float] = {}

    def hold() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            holding.set()
            time.sleep(HOLD_SECONDS)
        committed_at.append(time.monotonic())

    def write() -> None:
        cpu = time.thread_time()
        with transaction(sessions(engine)) as session:
            session.execute(text("INSERT INTO t VALUES (2)"))  # (the session begins its transaction here)
            waited["began"] = time.monotonic()
        waited["cpu"] = time.thread_time() - cpu

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    begins = _begins(engine)
    writer = threading.Thread(target=write)
    writer.start()
    holder.join(30)
    writer.join(30)
    assert begins == ["BEGIN IMMEDIATE"]  # one, sent once the turn was the writer's: no tries while it waited
    # Asking SQLite every millisecond through SQLAlchemy, as before, cost 40-60 ms of CPU over the second.
    assert waited["cpu"] < 0.015
    assert waited["began"] >= committed_at[0]
    assert waited["began"] - committed_at[0] < 0.25
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]
    assert not _turn_taken(engine)


def test_many_writers_of_one_process_send_one_begin_a_transaction(engine: Engine) -> None:
    begins = _begins(engine)
    per_thread = 40

    def write(first: int) -> None:
        for n in range(first, first + per_thread):
            with transaction(sessions(engine)) as session:
                session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})

    threads = [threading.Thread(target=write, args=(i * per_thread,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(begins) == 4 * per_thread
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT n) FROM t")).scalar() == 4 * per_thread
    assert not _turn_taken(engine)


def test_the_turn_is_given_back_when_a_transaction_commits_or_rolls_back(engine: Engine) -> None:
    with transaction(sessions(engine)) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        assert _turn_taken(engine)
    assert not _turn_taken(engine)
    with pytest.raises(ZeroDivisionError), transaction(sessions(engine)) as session:
        session.execute(text("INSERT INTO t VALUES (2)"))
        _ = 1 / 0
    assert not _turn_taken(engine)
    with engine.connect() as conn:  # a connection given back to the pool in a transaction is rolled back
        conn.execute(text("INSERT INTO t VALUES (3)"))
        assert _turn_taken(engine)
    assert not _turn_taken(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t")).scalars().all() == [1]


def test_a_commit_that_fails_keeps_the_turn_until_its_rollback(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY "
                          "DEFERRED)"))
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO child VALUES (7)"))  # no parent 7: checked at COMMIT
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            conn.commit()
        assert _turn_taken(engine)  # SQLite keeps the transaction open after a failed COMMIT...
    assert not _turn_taken(engine)  # ...until the pool rolls it back
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), transaction(sessions(engine)) as session:
        session.execute(text("INSERT INTO child VALUES (8)"))
    assert not _turn_taken(engine)
    with transaction(sessions(engine)) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))


def test_the_turn_is_given_back_when_a_connection_is_invalidated_or_collected(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert _turn_taken(engine)
        conn.invalidate()
        assert not _turn_taken(engine)
    path = engine.url.database
    assert path is not None
    raw = TurnTakingConnection(path, isolation_level=None, check_same_thread=False)
    assert raw.take_turn(1.0)
    raw.execute("BEGIN IMMEDIATE")
    del raw
    gc.collect()
    assert not _turn_taken(engine)


def test_a_begin_that_fails_gives_the_turn_back(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store.db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    path = engine.url.database
    assert path is not None
    other = _other_process_holding(Path(path))
    try:
        began = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"), transaction(sessions(engine)) as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
        assert time.monotonic() - began >= 0.3
        assert not _turn_taken(engine)
    finally:
        _release(other)
    with transaction(sessions(engine)) as session:
        session.execute(text("INSERT INTO t VALUES (2)"))


def test_a_writer_that_waited_its_whole_busy_timeout_for_its_turn_asks_sqlite_anyway(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The turn only orders writers: one held past the busy timeout by a stuck thread of its own process (here a
    transaction that never began writing) still writes when SQLite lets it."""
    monkeypatch.setattr(store.db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    turn = _turn_for(engine.url.database)
    assert turn is not None
    with turn, transaction(sessions(engine)) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t")).scalars().all() == [1]


_HOLD = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


def _other_process_holding(path: Path) -> subprocess.Popen[str]:
    other = subprocess.Popen([sys.executable, "-c", _HOLD, str(path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert other.stdout is not None
    assert other.stdout.readline().strip() == "held"
    return other


def _release(other: subprocess.Popen[str]) -> None:
    assert other.stdin is not None
    other.stdin.write("\n")
    other.stdin.close()
    assert other.wait(30) == 0
