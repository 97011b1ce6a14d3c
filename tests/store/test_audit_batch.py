"""The events a transaction writes are chained in one go when the session flushes (two statements however many
there are when the head is where this process left it: the head moved on, the events inserted; the head taken
afresh when another writer moved it), in the order they were recorded; one recorded in a savepoint that is rolled
back is gone with it and leaves no gap; the chain verifies."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from store import audit, audit_chain
from store.audit_verify import verify_chain
from store.db import sessions, transaction
from store.models import AuditEvent

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _flush_statements(engine: Engine, session: Session) -> list[list[str]]:
    """The first three words of each statement SESSION's flush sends, BEGIN aside."""
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split()))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        session.flush()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return [s.split(" ", 3)[:3] for s in statements if not s.startswith("BEGIN")]


HEAD, EVENTS = ["UPDATE", "audit_chain_head", "SET"], ["INSERT", "INTO", "audit_events"]


def test_a_flush_chains_its_events_in_two_statements(engine: Engine) -> None:
    with transaction(sessions(engine)) as session:  # the first (the emptied PostgreSQL test store lacks the head row)
        audit.record(session, at=NOW, actor="test", action="case.decided", n=0)
    with transaction(sessions(engine)) as session:
        for n in range(1, 6):
            audit.record(session, at=NOW, actor="test", action="case.decided", n=n)
        assert _flush_statements(engine, session) == [HEAD, EVENTS]
    report = verify_chain(engine)
    assert report.intact and report.events == 6


def test_a_head_another_writer_moved_is_taken_afresh(engine: Engine) -> None:
    """What this process remembers of the head is only a guess: another daemon (played here by forgetting that
    this process wrote two events) or a rolled-back transaction leaves it behind, and the chain still joins up."""
    with transaction(sessions(engine)) as session:
        audit.record(session, at=NOW, actor="test", action="first")
    remembered = dict(audit_chain._LAST_WRITTEN)
    with transaction(sessions(engine)) as session:
        audit.record(session, at=NOW, actor="other", action="second")
        audit.record(session, at=NOW, actor="other", action="third")
    audit_chain._LAST_WRITTEN.update(remembered)
    with transaction(sessions(engine)) as session:
        audit.record(session, at=NOW, actor="test", action="fourth")
        assert _flush_statements(engine, session) == [HEAD, HEAD, HEAD, EVENTS]  # tried, taken, its hash set
    with sessions(engine)() as session:
        session.begin()
        audit.record(session, at=NOW, actor="test", action="rolled back")
        session.flush()
        session.rollback()
    with transaction(sessions(engine)) as session:
        audit.record(session, at=NOW, actor="test", action="fifth")
    with sessions(engine)() as session:
        rows = session.execute(select(AuditEvent.seq, AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [tuple(r) for r in rows] == [(1, "first"), (2, "second"), (3, "third"), (4, "fourth"), (5, "fifth")]
    assert verify_chain(engine).intact


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
