"""A writer blocked in C on the store (its COMMIT's fsync, its wait for the turn) takes the GIL back after a short
switch interval (store/sqlite_write_turn.py, HANDBACK_SWITCH_SECONDS), and the interpreter's usual interval is back
once it holds the GIL again: the write lock, and the turn given back only with the GIL, are not kept for a whole
usual interval by a thread busy in Python meanwhile. SQLite only: PostgreSQL's writers take no turn."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from store.db import make_engine, sessions, transaction
from store.sqlite_write_turn import HANDBACK_SWITCH_SECONDS, TurnTakingConnection, _quick_handback

USUAL = 0.005


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(USUAL)
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()
    sys.setswitchinterval(before)


def test_a_commit_runs_with_the_short_interval_and_leaves_the_usual_one(engine: Engine) -> None:
    seen: list[tuple[str, float]] = []
    with engine.connect() as conn:
        dbapi = conn.connection.driver_connection
        assert isinstance(dbapi, TurnTakingConnection)
        dbapi.set_trace_callback(lambda statement: seen.append((statement, sys.getswitchinterval())))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.commit()
        dbapi.set_trace_callback(None)
    assert ("COMMIT", pytest.approx(HANDBACK_SWITCH_SECONDS)) in seen
    assert [interval for statement, interval in seen if statement.startswith("INSERT")] == [
        pytest.approx(USUAL)]  # the transaction's own work keeps the usual interval
    assert sys.getswitchinterval() == pytest.approx(USUAL)


def test_a_writer_waits_for_its_turn_with_the_short_interval(engine: Engine) -> None:
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction(sessions(engine)) as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
            holding.set()
            done.wait(10)

    def write() -> None:
        with transaction(sessions(engine)) as session:
            session.execute(text("INSERT INTO t VALUES (2)"))

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    assert sys.getswitchinterval() == pytest.approx(USUAL)  # holding the turn, not blocked: the usual interval
    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 10
    while sys.getswitchinterval() != pytest.approx(HANDBACK_SWITCH_SECONDS) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sys.getswitchinterval() == pytest.approx(HANDBACK_SWITCH_SECONDS)  # the writer waiting for its turn
    done.set()
    holder.join(10)
    writer.join(10)
    assert sys.getswitchinterval() == pytest.approx(USUAL)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]


def test_the_usual_interval_comes_back_when_the_last_of_overlapping_blocks_ends() -> None:
    before = sys.getswitchinterval()
    sys.setswitchinterval(USUAL)
    try:
        first_in, second_in, first_may_end = threading.Event(), threading.Event(), threading.Event()

        def first() -> None:
            with _quick_handback():
                first_in.set()
                first_may_end.wait(10)

        thread = threading.Thread(target=first)
        thread.start()
        assert first_in.wait(10)
        with _quick_handback():
            second_in.set()
            first_may_end.set()
            thread.join(10)
            assert sys.getswitchinterval() == pytest.approx(HANDBACK_SWITCH_SECONDS)  # the first ended: still ours
        assert sys.getswitchinterval() == pytest.approx(USUAL)
        with pytest.raises(ZeroDivisionError), _quick_handback():
            _ = 1 / 0
        assert sys.getswitchinterval() == pytest.approx(USUAL)
    finally:
        sys.setswitchinterval(before)
