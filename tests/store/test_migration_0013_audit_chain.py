"""Migration 0013 (the audit chain) chains the events a store already has, in the order they were written, keeps
the append-only triggers, and goes down to 0012 and up again; on SQLite and on a fresh PostgreSQL database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from store.audit_verify import verify_chain
from store.db import _alembic_config, make_engine
from tests.store.audit_tampering import append_events
from tests.support.servers import PG_ADMIN_URL


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
        yield engine
        engine.dispose()
        return
    request.getfixturevalue("postgres_database")  # fails or skips as the suite does when PostgreSQL is missing
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"mailbot_m0013_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_0013_chains_existing_events_and_goes_down_and_up(empty_engine: Engine) -> None:
    config = _alembic_config(empty_engine)
    command.upgrade(config, "0012")
    old = 5003  # more than the migration's page of 5,000
    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (at, actor, action, detail) "
                          "VALUES (:at, 'old', 'case.decided', :detail)"),
                     [{"at": f"2026-11-0{n % 9 + 1} 10:00:{n % 60:02d}", "detail": f'{{"n": {n}, "b": [1, "x"]}}'}
                      for n in range(old)])
    command.upgrade(config, "head")
    report = verify_chain(empty_engine)
    assert report.intact and report.events == old and report.head is not None and report.head.seq == old
    with empty_engine.connect() as conn:
        order = conn.execute(text("SELECT id FROM audit_events ORDER BY seq")).scalars().all()
        assert order == sorted(order)
    append_events(empty_engine, 2)  # new events carry on the migrated chain
    assert verify_chain(empty_engine).intact and verify_chain(empty_engine).events == old + 2
    with pytest.raises(DBAPIError, match="append-only"), empty_engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'x'"))
    with pytest.raises(DBAPIError, match="append-only"), empty_engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))
    command.downgrade(config, "0012")
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == old + 2
    with pytest.raises(DBAPIError, match="append-only"), empty_engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))
    command.upgrade(config, "head")
    assert verify_chain(empty_engine).intact
