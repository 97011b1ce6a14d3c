"""Migration 0012 (organisation status): organisations already in the store become active; down and up again, on
SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect, text

from store.db import _alembic_config, upgrade


def test_existing_organisations_are_active_and_the_column_goes_down_and_up(engine: Engine) -> None:
    upgrade(engine)
    config = _alembic_config(engine)
    command.downgrade(config, "0011")
    assert "status" not in {c["name"] for c in inspect(engine).get_columns("organisations")}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (code, name, type, created_at, updated_at) "
                          "VALUES ('A81001', 'The Oakwood Surgery', 'gp_practice', :t, :t)"),
                     {"t": "2026-01-01 00:00:00"})
    command.upgrade(config, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT code, status FROM organisations")).all() == [("A81001", "active")]
