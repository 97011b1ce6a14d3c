"""What someone with the database's owner rights could do to the audit trail behind the mailbot's back: switch the
append-only triggers off, drop the unique seq, and write rows with plain SQL. The tests use it to see that
`audit verify` notices."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text

from store import audit
from store.db import sessions, transaction

APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
]


def append_events(engine: Engine, count: int, *, actor: str = "test") -> None:
    """COUNT events, one transaction each, the way the mailbot writes them."""
    factory = sessions(engine)
    for n in range(count):
        with transaction(factory) as session:
            audit.record(session, at=datetime(2026, 12, 1, 9, 0, n % 60, n, tzinfo=UTC), actor=actor,
                         action="case.decided", org_code="A81001", n=n, note="ünïcode ✓")


@contextmanager
def unguarded(engine: Engine, *, drop_unique_seq: bool = False) -> Iterator[Connection]:
    """A connection on which UPDATE and DELETE of audit events work; the guards come back afterwards (the
    PostgreSQL database is shared by the test session: what was written unguarded is removed first)."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        if sqlite:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
            if drop_unique_seq:
                # SQLite cannot drop a table constraint: rebuild the table without it, as an attacker would.
                conn.execute(text("CREATE TABLE audit_copy AS SELECT * FROM audit_events"))
                conn.execute(text("DROP TABLE audit_events"))
                conn.execute(text("ALTER TABLE audit_copy RENAME TO audit_events"))
        else:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
            if drop_unique_seq:
                conn.execute(text("ALTER TABLE audit_events DROP CONSTRAINT uq_audit_events_seq"))
    try:
        with engine.connect() as conn:
            yield conn
            conn.commit()
    finally:
        if not sqlite:
            with engine.begin() as conn:
                if drop_unique_seq:
                    conn.execute(text("DELETE FROM audit_events"))
                    conn.execute(text("ALTER TABLE audit_events ADD CONSTRAINT uq_audit_events_seq UNIQUE (seq)"))
                conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
        elif not drop_unique_seq:
            with engine.begin() as conn:
                for statement in APPEND_ONLY_SQLITE:
                    conn.execute(text(statement))
