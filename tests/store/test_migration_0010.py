"""Migration 0010 (phones on record, assignments, message fingerprints) goes down to 0009 and up again on SQLite,
whose `cases` table carries the triggers of 0004 (a batch copy of it cannot be renamed into place)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from store.db import _alembic_config, make_engine, upgrade


def test_0010_down_and_up_again(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        upgrade(engine)
        command.downgrade(_alembic_config(engine), "0009")
        assert "phone" not in {c["name"] for c in inspect(engine).get_columns("users")}
        assert "message_digests" not in inspect(engine).get_table_names()
        command.upgrade(_alembic_config(engine), "head")
        assert {"assigned_to", "assigned_at"} <= {c["name"] for c in inspect(engine).get_columns("cases")}
        assert "ix_cases_org_created" in {i["name"] for i in inspect(engine).get_indexes("cases")}
    finally:
        engine.dispose()
