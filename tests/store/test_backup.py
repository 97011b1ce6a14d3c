"""`mailbot db backup PATH`: a SQLite store copied while a writer keeps appending audit events restores to a store
that passes `audit verify`; a PostgreSQL store gets the pg_dump route, which is run here for real."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from store import audit
from store.audit_verify import verify_chain
from store.db import make_engine, sessions, transaction, upgrade
from tests.store.audit_tampering import append_events
from tests.support.cli import mailbot, write_config
from tests.support.servers import PG_ADMIN_URL, missing_server


def fill(engine: Engine, events: int) -> None:
    """Many events in one transaction, so the copy has megabytes to read while the writer goes on."""
    with transaction(sessions(engine)) as session:
        for n in range(events):
            audit.record(session, at=datetime(2026, 11, 30, tzinfo=UTC), actor="filler", action="case.decided",
                         n=n, padding="x" * 1000)


class Writer(threading.Thread):
    """Appends audit events, one transaction each, until told to stop."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.engine, self.stop, self.written, self.error = engine, threading.Event(), 0, None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                append_events(self.engine, 1, actor="writer")
                self.written += 1
        except BaseException as exc:  # noqa: BLE001 - the test asserts there was none
            self.error = exc


def test_backup_while_a_writer_writes_restores_to_a_verified_store(tmp_path: Path, sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    fill(engine, 3000)
    config = write_config(tmp_path, sqlite_url)
    writer = Writer(engine)
    writer.start()
    try:
        while writer.written < 5:
            assert writer.error is None and writer.is_alive()
            time.sleep(0.01)
        before = writer.written
        result = mailbot("--config", config, "db", "backup", tmp_path / "copy.db")
        during = writer.written - before
        while writer.written < before + during + 5:  # still writing after the copy
            assert writer.error is None and writer.is_alive()
            time.sleep(0.01)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None
    assert result.status == 0, result.err
    assert "audit chain head" in result.out
    copy = tmp_path / "copy.db"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".copy.db.partial")]
    # Restore: the copy becomes the store of another installation, which verifies and carries on.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(copy, restored / "store.db")
    restored_config = write_config(restored, f"sqlite:///{restored / 'store.db'}")
    verified = mailbot("--config", restored_config, "audit", "verify", "--json")
    assert verified.status == 0, verified.out
    restored_engine = make_engine(f"sqlite:///{restored / 'store.db'}")
    try:
        report = verify_chain(restored_engine)
        assert report.intact and 3000 + before <= report.events < 3000 + writer.written
        append_events(restored_engine, 3)
        assert verify_chain(restored_engine).intact
    finally:
        restored_engine.dispose()
        engine.dispose()
    assert verify_chain(make_engine(sqlite_url)).events == 3000 + writer.written


def test_backup_never_overwrites(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, sqlite_url)
    (tmp_path / "taken.db").write_text("something else")
    result = mailbot("--config", config, "db", "backup", tmp_path / "taken.db")
    assert result.status == 2 and "already exists" in result.err
    assert (tmp_path / "taken.db").read_text() == "something else"


@pytest.mark.postgres
def test_postgres_store_is_backed_up_with_pg_dump(tmp_path: Path, postgres_database: str) -> None:
    engine = make_engine(postgres_database)
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"mailbot_restore_{uuid.uuid4().hex[:10]}"
    try:
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_events, audit_chain_head, cases RESTART IDENTITY CASCADE"))
        append_events(engine, 5)
        config = write_config(tmp_path, postgres_database)
        told = mailbot("--config", config, "db", "backup", tmp_path / "pg.dump")
        assert told.status == 2 and "pg_dump --format=custom" in told.err and "pg_restore" in told.err
        assert not (tmp_path / "pg.dump").exists()
        pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
        if pg_dump is None or pg_restore is None:
            missing_server("pg_dump and pg_restore")
        assert pg_dump is not None and pg_restore is not None
        libpq = make_url(postgres_database).set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run([pg_dump, "--format=custom", f"--file={tmp_path / 'pg.dump'}", libpq], check=True,
                       timeout=120)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        target = make_url(libpq).set(database=name).render_as_string(hide_password=False)
        subprocess.run([pg_restore, "--no-owner", f"--dbname={target}", str(tmp_path / "pg.dump")], check=True,
                       timeout=120)
        restored = make_engine(make_url(postgres_database).set(database=name).render_as_string(hide_password=False))
        try:
            upgrade(restored)  # already at head: nothing to do
            report = verify_chain(restored)
            assert report.intact and report.events == 5
            append_events(restored, 2)
            assert verify_chain(restored).intact
        finally:
            restored.dispose()
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
