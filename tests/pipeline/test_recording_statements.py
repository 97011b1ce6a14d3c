"""Recording a permission request costs one statement a table it writes, in the transaction that also finishes its
intake claim: the raw message, its digests, its first-sighting keys, the reference counter, the audit chain's head,
the case, its reply, its audit event and the intake record; on SQLite after the BEGIN IMMEDIATE that takes the
write lock; on PostgreSQL the message's row, digests and keys in one statement (one round trip). The count does not
depend on the machine's load: this is what the benchmark's statements per message (bench/sql_count.py) stand on.
The register's rows are left aside: they are read only when the register changed since they were last read
(store/register_cache.py; here the first request's grant changed it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from mailbot.config import load_config
from mailbot.processing.contract import HandleResult
from mailbot.processing.handle import record_understood, understood
from mailbot.processing.record import CaseOutcome
from mailbot.processing.services import understander
from mailbot.processing.settings import settings_from
from store import intake
from store.audit_verify import verify_chain
from store.db import make_engine, sessions, transaction
from store.models import IntakeRecord, MessageDigest, MessageKey, OutboxMessage
from tests.pipeline.conftest import Bot, now
from tests.pipeline.messages import permission_mail


@pytest.fixture
def engine_of(bot_on_each_store: Bot) -> Iterator[tuple[Bot, Engine]]:
    engine = make_engine(bot_on_each_store.store_url)
    with engine.begin() as conn:  # the test databases are emptied by TRUNCATE, the version row with them
        conn.execute(text("INSERT INTO register_version (id, token) VALUES (1, 'after-truncate') "
                          "ON CONFLICT (id) DO NOTHING"))
    yield bot_on_each_store, engine
    engine.dispose()


def _words(statement: str) -> str:
    """INSERT INTO cases, UPDATE intake, BEGIN IMMEDIATE, WITH m ...: a statement's first words."""
    words = statement.split()
    if words[0].upper() == "INSERT":
        return " ".join(words[:3])
    return " ".join(words[:2])


Statement = tuple[str, Any]  # its text and its parameters (the first row's, for several rows)


def _record_two_requests(bot: Bot, engine: Engine) -> list[list[Statement]]:
    """Two permission requests claimed, understood and recorded as the daemon does; each one's statements while
    recording (after understanding), with their parameters."""
    config = load_config(bot.config, environ={})
    factory = sessions(engine)
    recorded: list[list[Statement]] = []
    with understander(config, factory) as understand:
        for n in range(2):  # the second: the register snapshot already filled, the statements already known
            raw = permission_mail(bot, applications="Prior Notification List")
            at, key = now(), f"test:{n}"
            with transaction(factory) as session:
                assert intake.claim(session, source="test", key=key, owner="test", now=at,
                                    lease=timedelta(minutes=5)) is not None
            u = understood(factory, understand, raw, now=at)

            def finish(session: Session, cases: list[CaseOutcome], key: str = key, at: datetime = at) -> None:
                result = HandleResult(cases[0].outcome, tuple(c.case_id for c in cases))
                intake.complete(session, key=key, owner="test", now=at, outcome=result.outcome,
                                case_ids=result.case_ids, message_id=None, content_hash=None)

            statements: list[Statement] = []

            def seen(_conn: object, _cursor: object, statement: str, parameters: object, _context: object,
                     executemany: bool, statements: list[Statement] = statements) -> None:
                several = executemany and isinstance(parameters, list | tuple)
                statements.append((statement, parameters[0] if several else parameters))  # type: ignore[index]

            event.listen(engine, "before_cursor_execute", seen)
            try:
                [case] = record_understood(factory, u, source=key, now=at, settings=settings_from(config),
                                           then=finish)
            finally:
                event.remove(engine, "before_cursor_execute", seen)
            assert case.outcome == "approved", case
            recorded.append(statements)
    return recorded


def test_a_permission_request_is_recorded_in_a_statement_a_table(engine_of: tuple[Bot, Engine]) -> None:
    bot, engine = engine_of
    recorded = [[_words(s) for s, _ in statements] for statements in _record_two_requests(bot, engine)]
    register = ("SELECT organisations.", "SELECT signatories.", "SELECT applications.", "SELECT users.")
    written = Counter(w for w in recorded[1] if not w.startswith(register))
    each_once = ["INSERT INTO reference_counters", "INSERT INTO cases", "INSERT INTO outbox", "UPDATE intake"]
    if engine.dialect.name == "sqlite":
        each_once += ["BEGIN IMMEDIATE", "INSERT INTO messages", "INSERT INTO message_digests",
                      "INSERT INTO message_keys", "UPDATE audit_chain_head", "INSERT INTO audit_events"]
    else:
        each_once += ["WITH m", "WITH h"]  # messages, message_digests and message_keys; the chain's head and events
    assert written == Counter(each_once), recorded[1]
    factory = sessions(engine)
    with factory() as session:
        assert session.scalar(select(IntakeRecord.status).where(IntakeRecord.key == "test:1")) == intake.DONE
        assert len(session.scalars(select(MessageKey)).all()) == 4  # each message's Message-ID and DKIM b=
        assert session.scalars(select(MessageDigest)).all()
        assert len(set(session.scalars(select(OutboxMessage.case_id)))) == 2  # each case its reply
    assert verify_chain(engine).intact


# The tables that grow with every message: a statement reading one of them row by row (SQLite's SCAN) would cost
# more with every case the store holds (issue 15: the rate must hold with 1,000,000 cases in the store).
GROWING = {"messages", "message_digests", "message_keys", "cases", "case_reasons", "outbox", "audit_events",
           "intake", "signatory_confirmations"}


def test_recording_finds_every_row_it_reads_by_an_index(bot: Bot) -> None:
    """Each statement recording a permission request makes (the reference counter's with the case's id and the
    sender's replies today, the intake record's update ...) finds its rows through an index or the rowid, as
    SQLite's query plan says: none reads a table that grows with the store from end to end."""
    engine = make_engine(bot.store_url)
    try:
        statements = _record_two_requests(bot, engine)[1]
        raw = engine.raw_connection()
        try:
            # Planned without the foreign keys: an INSERT into a parent table (messages) plans a search for child
            # rows (message_keys has no index on message_row_id) that SQLite runs only while deferred foreign-key
            # violations are outstanding, which recording never leaves (an insert takes 0.01 ms with 1,000,000
            # keys in the store). The checks on the child side find their parents by rowid.
            raw.cursor().execute("PRAGMA foreign_keys = OFF")
            plans = {statement: [row[-1] for row in raw.cursor().execute(f"EXPLAIN QUERY PLAN {statement}",
                                                                         parameters)]
                     for statement, parameters in statements if not statement.startswith("BEGIN")}
        finally:
            raw.close()
    finally:
        engine.dispose()
    assert any("ix_outbox_lower_recipient_created" in line for plan in plans.values() for line in plan), plans
    scans = {statement: plan for statement, plan in plans.items()
             if any(line.split()[:2] in (["SCAN", table] for table in GROWING) for line in plan)}
    assert not scans, scans
