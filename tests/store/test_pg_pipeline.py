"""On PostgreSQL a precompiled statement whose result nobody reads is queued in psycopg's pipeline and sent with the
next statement waited for (store/pg_pipeline.py): fewer round trips, the same rows, the same errors (raised a
statement later), the same transactions. Round trips counted in libpq's trace (tests/support/pg_round_trips.py)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from store import pg_pipeline
from store.db import make_engine, sessions
from store.pg_pipeline import AbortedTransaction
from store.precompiled import Precompiled
from tests.support.pg_round_trips import round_trips

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine_and_table(postgres_database: str) -> Iterator[tuple[Engine, str]]:
    engine = make_engine(postgres_database)
    table = f"pipeline_test_{uuid.uuid4().hex[:8]}"
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE {table} (id integer PRIMARY KEY, note text)"))
    try:
        yield engine, table
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE {table}"))
        engine.dispose()


def _statements(table: str) -> tuple[Precompiled, Precompiled, Precompiled]:
    insert = Precompiled(text(f"INSERT INTO {table} (id, note) VALUES (:id, :note)"), ("id", "note"))
    update = Precompiled(text(f"UPDATE {table} SET note = :note WHERE id = :id"), ("id", "note"))
    select = Precompiled(text(f"SELECT id, note FROM {table} ORDER BY id"), ())
    return insert, update, select


def _rows(engine: Engine, table: str) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        return [(row[0], row[1]) for row in connection.execute(text(f"SELECT id, note FROM {table} ORDER BY id"))]


def test_statements_nobody_reads_travel_with_the_next_one_waited_for(engine_and_table: tuple[Engine, str]) -> None:
    engine, table = engine_and_table
    insert, update, select = _statements(table)
    with (engine.connect() as connection, round_trips(connection.connection.driver_connection) as trips,
          connection.begin()):
        for n in range(3):
            insert.execute(connection, {"id": n, "note": "new"})
        insert.execute_all(connection, [{"id": 10, "note": "many"}, {"id": 11, "note": "many"}])
        assert update.rowcount(connection, {"id": 1, "note": "changed"}) == 1  # sees the queued rows
        insert.execute(connection, {"id": 20, "note": "last"})
        assert select.rows(connection, {})[-1] == (20, "last")
        insert.execute(connection, {"id": 30, "note": "before COMMIT"})
    # BEGIN and the four INSERTs (five rows) with the UPDATE; the next INSERT with the SELECT; the last INSERT with
    # COMMIT. One at a time (the code before) the same work took 11; BEGIN and COMMIT waited for on their own, 5.
    assert trips == [3]
    assert _rows(engine, table) == [(0, "new"), (1, "changed"), (2, "new"), (10, "many"), (11, "many"),
                                    (20, "last"), (30, "before COMMIT")]


def test_a_statement_of_sqlalchemys_own_sees_what_was_queued(engine_and_table: tuple[Engine, str]) -> None:
    engine, table = engine_and_table
    insert, _update, _select = _statements(table)
    with sessions(engine)() as session, session.begin():
        insert.execute(session.connection(), {"id": 1, "note": "queued"})
        assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 1
    assert _rows(engine, table) == [(1, "queued")]


def test_a_transactions_begin_travels_with_its_first_statement(engine_and_table: tuple[Engine, str]) -> None:
    """psycopg, beginning a transaction, waited for its BEGIN's answer alone; queued, it goes with the first
    statement, whether SQLAlchemy's own or a precompiled one, read or not."""
    engine, table = engine_and_table
    insert, _update, select = _statements(table)
    with engine.connect() as connection, round_trips(connection.connection.driver_connection) as trips:
        with connection.begin():  # BEGIN with SQLAlchemy's SELECT; COMMIT
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
        with connection.begin():  # BEGIN with the precompiled SELECT; COMMIT
            assert select.rows(connection, {}) == []
        with connection.begin():  # BEGIN and the INSERT with the UPDATE; COMMIT
            insert.execute(connection, {"id": 1, "note": "new"})
            assert update_note(connection, table) == 1
    assert trips == [6]  # 9 with each BEGIN waited for
    assert _rows(engine, table) == [(1, "changed")]


def test_a_queued_statements_error_comes_with_the_next_statement_of_sqlalchemys(
        engine_and_table: tuple[Engine, str]) -> None:
    """A statement of SQLAlchemy's own goes in the pipeline with those queued before it: their error is raised at
    it, as SQLAlchemy's exception, and the transaction rolls back."""
    engine, table = engine_and_table
    insert, _update, _select = _statements(table)
    insert_one(engine, insert, 1)
    with sessions(engine)() as session:
        with pytest.raises(IntegrityError), session.begin():
            insert.execute(session.connection(), {"id": 2, "note": "lost with the rest"})
            insert.execute(session.connection(), {"id": 1, "note": "a duplicate"})
            session.execute(text(f"SELECT count(*) FROM {table}"))
        with session.begin():  # the session and its connection are fine for the next transaction
            insert.execute(session.connection(), {"id": 3, "note": "kept"})
    assert _rows(engine, table) == [(1, "first"), (3, "kept")]


def update_note(connection: Connection, table: str) -> int:
    return connection.execute(text(f"UPDATE {table} SET note = 'changed' WHERE id = 1")).rowcount


def test_a_row_count_asked_for_later_comes_with_the_commit(engine_and_table: tuple[Engine, str]) -> None:
    """The outbox sender's "transmitting": its UPDATE queued, whether it matched read once committed."""
    engine, table = engine_and_table
    insert, update, _select = _statements(table)
    insert_one(engine, insert, 1)
    with engine.connect() as connection, round_trips(connection.connection.driver_connection) as trips:
        with connection.begin():
            matched = update.rowcount_later(connection, {"id": 1, "note": "changed"})
            missed = update.rowcount_later(connection, {"id": 2, "note": "no such row"})
            with pytest.raises(RuntimeError):  # not answered yet: never taken for a count
                matched()
        assert (matched(), missed()) == (1, 0)
    assert trips == [1]  # BEGIN, both UPDATEs and COMMIT
    assert _rows(engine, table) == [(1, "changed")]


def test_a_queued_statements_error_fails_the_commit_and_nothing_is_kept(engine_and_table: tuple[Engine, str]) -> None:
    engine, table = engine_and_table
    insert, update, _select = _statements(table)
    insert_one(engine, insert, 1)
    with engine.connect() as connection:
        with pytest.raises(IntegrityError), connection.begin():
            insert.execute(connection, {"id": 2, "note": "lost with the rest"})
            insert.execute(connection, {"id": 1, "note": "a duplicate"})  # its error comes with the COMMIT
        with pytest.raises(IntegrityError), connection.begin():
            insert.execute(connection, {"id": 1, "note": "a duplicate"})  # its error comes with the UPDATE
            update.rowcount(connection, {"id": 1, "note": "never"})
        with connection.begin():  # the connection is fine for the next transaction
            insert.execute(connection, {"id": 3, "note": "kept"})
    assert _rows(engine, table) == [(1, "first"), (3, "kept")]


def test_a_queued_statements_error_in_a_savepoint_rolls_back_that_savepoint_only(
        engine_and_table: tuple[Engine, str]) -> None:
    engine, table = engine_and_table
    insert, _update, _select = _statements(table)
    insert_one(engine, insert, 1)
    with sessions(engine)() as session, session.begin():
        with session.begin_nested():
            insert.execute(session.connection(), {"id": 2, "note": "kept"})
        with pytest.raises(IntegrityError), session.begin_nested():
            insert.execute(session.connection(), {"id": 3, "note": "rolled back with its savepoint"})
            insert.execute(session.connection(), {"id": 1, "note": "a duplicate"})
        insert.execute(session.connection(), {"id": 4, "note": "after it"})
    assert _rows(engine, table) == [(1, "first"), (2, "kept"), (4, "after it")]


@pytest.mark.parametrize("kept", [pg_pipeline.KEPT_SAVEPOINTS, 1])
def test_savepoints_are_kept_not_released_and_one_failing_rolls_back_alone(
        engine_and_table: tuple[Engine, str], monkeypatch: pytest.MonkeyPatch, kept: int) -> None:
    """A group's messages each in a savepoint (mailbot/intake/recording_group.py): one ending without an error is
    left in place, not RELEASEd (a round trip each); one failing is rolled back alone all the same, and COMMIT
    keeps the rest. Past KEPT_SAVEPOINTS in a transaction, RELEASE as before."""
    monkeypatch.setattr(pg_pipeline, "KEPT_SAVEPOINTS", kept)
    engine, table = engine_and_table
    insert, _update, select = _statements(table)
    insert_one(engine, insert, 1)
    with sessions(engine)() as session:
        session.begin()
        with round_trips(session.connection().connection.driver_connection) as trips:
            for n in range(2, 6):
                with contextlib.ExitStack() as failing:
                    if n == 4:
                        failing.enter_context(pytest.raises(IntegrityError))
                    with session.begin_nested():  # SAVEPOINT and INSERT queued, with the SELECT waited for
                        insert.execute(session.connection(), {"id": 1 if n == 4 else n, "note": "kept"})
                        assert select.rows(session.connection(), {})[-1][0] in (1, n - 1, n)
            session.commit()
    # Each savepoint one round trip (the first with BEGIN), the failing one's ROLLBACK TO SAVEPOINT one more (and the
    # DEALLOCATE ALL psycopg sends after any ROLLBACK, one more), COMMIT one; with one kept at most, two RELEASEs more.
    assert trips == [7 if kept > 1 else 9]
    assert _rows(engine, table) == [(1, "first"), (2, "kept"), (3, "kept"), (5, "kept")]
    with engine.begin() as connection:  # the pooled connection is fine for the next transaction
        insert.execute(connection, {"id": 6, "note": "kept"})
    assert _rows(engine, table)[-1] == (6, "kept")


def test_a_commit_after_a_queued_error_taken_for_another_statements_fails_and_keeps_nothing(
        engine_and_table: tuple[Engine, str]) -> None:
    """A group of recordings: the first message's queued INSERT fails, heard of at the next message's SAVEPOINT,
    which its caller takes for that message's failure; the COMMIT of the rest must fail, not end in a ROLLBACK
    reported as a COMMIT (psycopg's own answer for an aborted transaction), or the first message would be taken
    for recorded."""
    engine, table = engine_and_table
    insert, _update, _select = _statements(table)
    insert_one(engine, insert, 1)
    with sessions(engine)() as session:
        session.begin()
        insert.execute(session.connection(), {"id": 2, "note": "the first message's row"})
        insert.execute(session.connection(), {"id": 1, "note": "a duplicate"})  # queued: its error comes later
        with pytest.raises(IntegrityError):  # the next message's savepoint and statement: the error arrives here
            session.begin_nested()
            session.execute(text("SELECT 1"))
        with pytest.raises(AbortedTransaction):
            session.commit()
    assert _rows(engine, table) == [(1, "first")]
    with engine.begin() as connection:  # the pooled connection is fine for the next transaction
        insert.execute(connection, {"id": 3, "note": "kept"})
    assert _rows(engine, table) == [(1, "first"), (3, "kept")]


def test_a_rolled_back_transaction_leaves_nothing_queued(engine_and_table: tuple[Engine, str]) -> None:
    engine, table = engine_and_table
    insert, _update, _select = _statements(table)
    with engine.connect() as connection:
        with pytest.raises(LookupError), connection.begin():
            insert.execute(connection, {"id": 1, "note": "rolled back"})
            raise LookupError
        assert connection.connection.driver_connection._pipeline is None
        with connection.begin():
            insert.execute(connection, {"id": 2, "note": "kept"})
    assert _rows(engine, table) == [(2, "kept")]


def insert_one(engine: Engine, insert: Precompiled, row_id: int) -> None:
    with engine.begin() as connection:
        insert.execute(connection, {"id": row_id, "note": "first"})
