"""The events a transaction writes are chained in one go when the session flushes (two statements however many
there are when the head is where this process left it: the head moved on, the events inserted; one on PostgreSQL,
the events inserted from the head's UPDATE in a data-modifying CTE; the head taken afresh when another writer moved
it), in the order they were recorded; one recorded in a savepoint that is rolled
back is gone with it and leaves no gap; the chain verifies."""

from __future__ import annotations

from datetime import UTC, datetime

from pytest import MonkeyPatch
from sqlalchemy import Engine, event, select, text
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
HEAD_AND_EVENTS = ["WITH", "h", "AS"]  # PostgreSQL's: store.audit_chain._MOVE_ON_AND_INSERT


def test_a_flush_chains_its_events_in_two_statements(engine: Engine) -> None:
    with transaction(sessions(engine)) as session:  # the first (the emptied PostgreSQL test store lacks the head row)
        audit.record(session, at=NOW, actor="test", action="case.decided", n=0)
    with transaction(sessions(engine)) as session:
        for n in range(1, 6):
            audit.record(session, at=NOW, actor="test", action="case.decided", n=n)
        assert _flush_statements(engine, session) == (
            [HEAD_AND_EVENTS] if engine.dialect.name == "postgresql" else [HEAD, EVENTS])
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
        # Tried (on PostgreSQL with the events, none inserted), taken, its hash set, the events inserted.
        assert _flush_statements(engine, session) == (
            [HEAD_AND_EVENTS, HEAD, HEAD, EVENTS] if engine.dialect.name == "postgresql" else
            [HEAD, HEAD, HEAD, EVENTS])
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


def test_events_inserted_with_the_heads_move_are_the_rows_the_two_statements_write(engine: Engine,
                                                                                  monkeypatch: MonkeyPatch) -> None:
    """PostgreSQL's one statement (the head's UPDATE and the events' INSERT from it: arrays unnested, the detail as
    jsonb) writes every column as the head's UPDATE and the events' INSERT one after the other write it; on SQLite
    (always two statements) the same test holds trivially."""
    details = [{"reasons": ["a.b"], "mails": 1}, {"z": "é\u2028\"", "nested": {"10": [1.5, None], "2": True}}, {}]

    def write(actor: str) -> None:
        with transaction(sessions(engine)) as session:
            for n, detail in enumerate(details):
                audit.record(session, at=datetime(2026, 12, 1, 9, n, 5, 123456, tzinfo=UTC), actor=actor,
                             action=f"act.{n}", case_id=None, org_code=("A81001", None, "Ü")[n], **detail)

    write("first")  # (the emptied PostgreSQL test store lacks the head row: this one restarts it)
    write("merged")
    with monkeypatch.context() as patched:  # the two statements' way
        patched.setattr(audit_chain, "chain_and_insert", lambda connection, rows: (
            audit_chain.chain(connection, rows), audit_chain._INSERT_EVENTS.execute_all(connection, rows)))
        write("apart")
    with engine.connect() as connection:
        written = {actor: [(seq, *rest) for seq, *rest in rows] for actor, rows in (
            (actor, connection.execute(text(
                "SELECT seq, CAST(at AS TEXT), action, case_id, org_code, CAST(detail AS TEXT) FROM audit_events "
                "WHERE actor = :actor ORDER BY id"), {"actor": actor}).all())
            for actor in ("merged", "apart"))}
    merged, apart = written["merged"], written["apart"]
    assert [row[0] for row in merged] == [4, 5, 6] and [row[0] for row in apart] == [7, 8, 9]  # ids rise with seqs
    assert [row[1:] for row in merged] == [row[1:] for row in apart]
    assert verify_chain(engine).intact
