"""Telling a current store without Alembic (store/schema_version.py): the same answer as Alembic's, and a store
that is not current is still left to Alembic (upgraded, or refused with what to do)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from store.db import current_revision, ensure_schema, head_revision, make_engine, upgrade
from store.schema_version import at_head, head_in_files


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert head_in_files() == head_revision()


def test_only_a_store_at_the_head_is_current(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        assert not at_head(engine)  # no schema at all
        upgrade(engine)
        assert at_head(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0014'"))
        assert not at_head(engine) and current_revision(engine) == "0014"  # Alembic's to upgrade
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head_revision()})
        assert not at_head(engine)  # two revisions recorded: Alembic's to judge
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version WHERE version_num = '0014'"))
        assert at_head(engine)
        ensure_schema(engine)
    finally:
        engine.dispose()


def test_a_current_store_is_opened_without_loading_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    check = ("import json, sys; from store.db import ensure_schema, make_engine; "
             f"engine = make_engine({url!r}); ensure_schema(engine); "
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    assert "sqlalchemy" in loaded and "alembic" not in loaded
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
