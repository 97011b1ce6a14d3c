"""On PostgreSQL the statements run for every message stay prepared on the server (store.db): the pool hands out
the connection given back last, and reads of one statement each (single_reads) run in autocommit, so that no
ROLLBACK makes psycopg deallocate what the connection had prepared."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from store.db import make_engine, reading, sessions, single_reads, transaction

# A statement of its own, to find among the connection's prepared ones.
WRITE = text("UPDATE reference_counters SET last_value = last_value WHERE year = :year /* prepared-test */")
READ = text("SELECT count(*) FROM reference_counters WHERE year = :year")


@pytest.mark.postgres
def test_a_statement_run_for_every_message_stays_prepared(postgres_database: str) -> None:
    engine = make_engine(postgres_database)
    try:
        held = [engine.connect() for _ in range(3)]  # the pool holds three connections, as a daemon's does
        for connection in held:
            connection.close()
        writes, reads = sessions(engine), single_reads(sessions(engine))
        for _ in range(4):  # each message: a read, then the recording transaction
            with reads() as session:
                session.execute(READ, {"year": 1999}).scalar_one()
            with transaction(writes) as session:
                session.execute(WRITE, {"year": 1999})
        with engine.connect() as connection:
            prepared = connection.execute(text(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%prepared-test%'")).scalar_one()
        assert prepared == 1
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("reads", ["single_reads", "reading"])
def test_reads_on_postgresql_open_no_transaction(postgres_database: str, reads: str) -> None:
    engine = make_engine(postgres_database)
    factory = single_reads(sessions(engine)) if reads == "single_reads" else sessions(reading(engine))
    try:
        with factory() as session:
            # In autocommit each statement is a transaction of its own: two statements, two transaction ids.
            first = session.execute(text("SELECT txid_current()")).scalar_one()
            second = session.execute(text("SELECT txid_current()")).scalar_one()
        assert first != second
    finally:
        engine.dispose()
