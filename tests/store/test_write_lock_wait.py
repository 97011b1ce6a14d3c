"""A writer on SQLite that finds the write lock held asks for it again in short steps (store.db._begin_writing), not
in SQLite's growing sleeps: it waits while the lock is held, goes on once it is free, and gives up with
SQLAlchemy's OperationalError after the busy timeout, as before. The time it saves is measured by
bench/bench_backlog.py (README: Performance), not here."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import store.db
from store.db import make_engine, sessions, transaction


def _holder(path: Path) -> sqlite3.Connection:
    """Another connection holding the write lock (as another daemon's transaction would)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_writer_waits_while_the_lock_is_held_and_goes_on_once_it_is_free(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    other = _holder(path)
    wrote = threading.Event()

    def write() -> None:
        with transaction(sessions(engine)) as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
        wrote.set()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert not wrote.wait(0.5), "wrote while another connection held the write lock"
        other.execute("COMMIT")
        assert wrote.wait(30)
    finally:
        writer.join(30)
        other.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t")).scalars().all() == [1]
        busy = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert busy == store.db.SQLITE_BUSY_TIMEOUT_MS  # SQLite's own wait is back for every other statement
    engine.dispose()


def test_a_writer_gives_up_after_the_busy_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "store.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    monkeypatch.setattr(store.db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    other = _holder(path)
    try:
        began = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"), transaction(sessions(engine)) as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
        assert time.monotonic() - began >= 0.3
    finally:
        other.close()
    with engine.connect() as conn:  # the connection was given back whole: it writes once the lock is free
        conn.execute(text("INSERT INTO t VALUES (2)"))
        conn.commit()
        assert conn.execute(text("SELECT n FROM t")).scalars().all() == [2]
    engine.dispose()
