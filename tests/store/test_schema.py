"""The schema: migrations and models agree, audit is append-only, times are UTC, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from store.db import current_revision, head_revision, make_engine, sessions, transaction
from store.models import AuditEvent, Base, Organisation
from tests.support.cli import mailbot, write_config


def test_migrations_build_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(engine) == head_revision()


def test_audit_events_cannot_be_changed_or_deleted(engine: Engine) -> None:
    now = datetime.now(UTC)
    with transaction(sessions(engine)) as session:
        session.add(AuditEvent(at=now, actor="test", action="x", detail={"a": 1}))
    for statement in ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with sessions(engine)() as session:
        assert session.scalars(select(AuditEvent.actor)).all() == ["test"]


def test_times_come_back_aware_and_in_utc(engine: Engine) -> None:
    local = datetime(2026, 6, 1, 12, 30, tzinfo=timezone(timedelta(hours=1)))
    with transaction(sessions(engine)) as session:
        session.add(Organisation(code="T1", name="T", type="other", created_at=local, updated_at=local))
    with sessions(engine)() as session:
        org = session.scalars(select(Organisation)).one()
    assert org.created_at == local
    assert org.created_at.tzinfo is not None and org.created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), transaction(sessions(engine)) as session:
        session.add(Organisation(code="T1", name="T", type="other", created_at=datetime(2026, 1, 1),
                                 updated_at=datetime(2026, 1, 1)))
        session.flush()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/s.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_sqlite_store_is_created_on_first_use_by_any_command(tmp_path: Path) -> None:
    config = write_config(tmp_path, "sqlite:///deep/down/store.db")
    result = mailbot("--config", config, "org", "show", "A81001")
    assert result.status == 2 and "no organisation" in result.err
    engine = make_engine(f"sqlite:///{tmp_path}/deep/down/store.db")
    assert current_revision(engine) == head_revision()


@pytest.mark.postgres
def test_postgres_store_must_be_upgraded_deliberately(tmp_path: Path, postgres_database: str) -> None:
    # A second, empty database beside the session's one.
    admin = make_engine(postgres_database.rsplit("/", 1)[0] + "/test", isolation_level="AUTOCOMMIT")
    name = postgres_database.rsplit("/", 1)[1] + "_fresh"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = postgres_database.rsplit("/", 1)[0] + "/" + name
        config = write_config(tmp_path, url)
        refused = mailbot("--config", config, "org", "show", "A81001")
        assert refused.status == 2
        assert "run `mailbot db upgrade` first" in refused.err
        upgraded = mailbot("--config", config, "db", "upgrade")
        assert upgraded.status == 0 and f"upgraded from empty to {head_revision()}" in upgraded.out
        again = mailbot("--config", config, "db", "upgrade")
        assert again.status == 0 and "already at" in again.out
        assert mailbot("--config", config, "org", "show", "A81001").err.count("no organisation") == 1
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
