"""The events a transaction writes are chained in one go when the session flushes (three statements however many
there are: the head advanced, its hash set, the events inserted), in the order they were recorded; one recorded in
a savepoint that is rolled back is gone with it and leaves no gap; the chain verifies."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, event, select

from store import audit
from store.audit_verify import verify_chain
from store.db import sessions, transaction
from store.models import AuditEvent

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_flush_chains_its_events_in_three_statements(engine: Engine) -> None:
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split()))

    with transaction(sessions(engine)) as session:  # the first (the emptied PostgreSQL test store lacks the head row)
        audit.record(session, at=NOW, actor="test", action="case.decided", n=0)
    with transaction(sessions(engine)) as session:
        for n in range(1, 6):
            audit.record(session, at=NOW, actor="test", action="case.decided", n=n)
        event.listen(engine, "before_cursor_execute", seen)
        try:
            session.flush()
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    head, events = ["UPDATE", "audit_chain_head", "SET"], ["INSERT", "INTO", "audit_events"]
    assert [s.split(" ", 3)[:3] for s in statements if not s.startswith("BEGIN")] == [head, head, events]
    report = verify_chain(engine)
    assert report.intact and report.events == 6


def test_events_keep_their_order_and_a_rolled_back_savepoint_takes_its_own_with_it(engine: Engine) -> None:
    with transaction(sessions(engine)) as session:
        audit.record(session, at=NOW, actor="test", action="first")
        savepoint = session.begin_nested()
        audit.record(session, at=NOW, actor="test", action="undone")
        session.flush()
        savepoint.rollback()
        audit.record(session, at=NOW, actor="test", action="second")
        audit.record(session, at=NOW, actor="test", action="third")
    with sessions(engine)() as session:
        rows = session.execute(select(AuditEvent.seq, AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [tuple(r) for r in rows] == [(1, "first"), (2, "second"), (3, "third")]
    assert verify_chain(engine).intact
