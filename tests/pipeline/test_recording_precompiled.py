"""A message recorded with its single-row statements sent precompiled (store/precompiled.py) leaves exactly the rows
the Core path leaves: the same message recorded both ways at the same moment, the first time rolled back, every row
it wrote compared as the database holds it (through no column type), on SQLite and PostgreSQL. Only what a
sequence hands out (PostgreSQL ids, which a rollback does not give back) and what is made from them may differ."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Connection, text

from mailbot.config import load_config
from mailbot.processing.handle import understood
from mailbot.processing.record import record
from mailbot.processing.services import understander
from mailbot.processing.settings import settings_from
from mailbot.processing.understanding import Understanding
from store.audit_verify import verify_chain
from store.db import make_engine, sessions
from store.encoded_json import EncodedJSON
from store.precompiled import Precompiled
from tests.pipeline.conftest import Bot, now
from tests.pipeline.messages import form_mail, permission_mail

TABLES = {"messages": "id", "message_digests": "digest", "message_keys": "key", "cases": "id", "outbox": "id",
          "audit_events": "seq", "reference_counters": "year", "user_applications": "user_id, application_id",
          "users": "username"}
# Given by a sequence on PostgreSQL (not rolled back), or made from such an id (an event's hash names its case).
SEQUENCED = {"id", "case_id", "message_row_id", "hash", "prev_hash"}


def _written(connection: Connection, tables: dict[str, str] = TABLES) -> dict[str, list[dict[str, Any]]]:
    return {table: [{k: v for k, v in row.items() if k not in SEQUENCED} for row in connection.execute(
        text(f"SELECT * FROM {table} ORDER BY {key}")).mappings()] for table, key in tables.items()}


Written = tuple[Any, dict[str, list[dict[str, Any]]]]


def _recorded_both_ways(bot: Bot, raw: bytes, slow_path: Callable[[], AbstractContextManager[None]],
                        tables: dict[str, str] = TABLES,
                        slow_understanding: Callable[[Understanding], Understanding] = lambda u: u,
                        ) -> tuple[Written, Written]:
    """RAW understood once and recorded twice at the same moment, first with SLOW_PATH in force (rolled back),
    then as the mailbot records it: each time its case and the rows of TABLES it wrote. The chain is checked
    intact after. SLOW_UNDERSTANDING: the understanding the first recording is given, made of the one the second
    is given."""
    config = load_config(bot.config, environ={})
    settings = settings_from(config)
    engine = make_engine(bot.store_url)
    factory = sessions(engine)
    written: list[Written] = []
    try:
        with understander(config, factory) as understand:
            at = now()
            u = understood(factory, understand, raw, now=at)
            for path in (slow_path, nullcontext):  # the first rolled back: the second records it afresh
                given = slow_understanding(u) if path is slow_path else u
                with path(), factory() as session, session.begin() as transaction:
                    [case] = record(session, given, source="test:1", now=at, settings=settings)
                    session.flush()
                    written.append((case, _written(session.connection(), tables)))
                    if path is slow_path:
                        transaction.rollback()
        assert verify_chain(engine).intact
    finally:
        engine.dispose()
    slow, fast = written
    return slow, fast


@contextmanager
def _through_core() -> Iterator[None]:
    """Precompiled statements sent the Core way (Connection.execute) while the block runs."""
    saved = Precompiled.execute, Precompiled.rows, Precompiled.rowcount, Precompiled.execute_all
    Precompiled.execute = lambda self, c, p: c.execute(self.statement, dict(p)).close()  # type: ignore[method-assign]
    Precompiled.execute_all = lambda self, c, rows: (  # type: ignore[method-assign]
        c.execute(self.statement, [dict(r) for r in rows]).close() if rows else None)
    Precompiled.rows = lambda self, c, p: [  # type: ignore[method-assign]
        tuple(r) for r in c.execute(self.statement, dict(p))]
    Precompiled.rowcount = lambda self, c, p: c.execute(self.statement, dict(p)).rowcount  # type: ignore[method-assign]
    try:
        yield
    finally:
        Precompiled.execute, Precompiled.rows, Precompiled.rowcount, Precompiled.execute_all = saved  # type: ignore[method-assign]


def test_a_message_recorded_precompiled_leaves_the_rows_the_core_path_leaves(bot_on_each_store: Bot) -> None:
    raw = permission_mail(bot_on_each_store, applications="Prior Notification List")
    (core_case, core), (fast_case, fast) = _recorded_both_ways(bot_on_each_store, raw, _through_core)
    assert fast_case.outcome == core_case.outcome == "approved"
    assert (fast_case.reference, fast_case.reasons, fast_case.replies) == \
           (core_case.reference, core_case.reasons, core_case.replies)
    assert all(fast[table] for table in ("messages", "cases", "outbox", "audit_events")), fast
    # The grant (store.changes.apply_permissions' precompiled statements) is among the rows compared.
    assert [c for c in fast_case.changes if "granted Prior Notification List" in c] == fast_case.changes != []
    assert fast == core


@contextmanager
def _confirmation_by_the_unit_of_work() -> Iterator[None]:
    """A signatory confirmation looked for and inserted the unit of work's way while the block runs (as before
    store/new_case_rows.py inserted one opened for a new case, and store.confirmations skipped the look)."""
    import store.confirmations
    import store.new_case_rows

    saved = store.new_case_rows.SignatoryConfirmation, store.confirmations.made_in_this_transaction
    store.new_case_rows.SignatoryConfirmation = type("NotAConfirmation", (), {})  # type: ignore[assignment,misc]
    store.confirmations.made_in_this_transaction = lambda session, case_id: False
    try:
        yield
    finally:
        store.new_case_rows.SignatoryConfirmation, store.confirmations.made_in_this_transaction = saved  # type: ignore[misc]


def test_a_form_waiting_for_its_signatory_leaves_the_rows_the_unit_of_work_leaves(bot_on_each_store: Bot) -> None:
    """A Primary User form that waits for its signatory: its confirmation inserted through Core, not looked for
    (the case is new), leaves every row the unit of work's path leaves."""
    (slow_case, slow), (fast_case, fast) = _recorded_both_ways(
        bot_on_each_store, form_mail(bot_on_each_store, "kate.doe@nhs.net"), _confirmation_by_the_unit_of_work,
        {**TABLES, "signatory_confirmations": "status"})
    assert fast_case.outcome == slow_case.outcome == "pending"
    assert fast["signatory_confirmations"] and len(fast["outbox"]) == 2, fast
    assert fast == slow


@pytest.mark.parametrize("kind", ["permission", "form"])
def test_what_is_made_while_a_message_is_read_ahead_leaves_the_rows_the_recording_made_itself(
        bot_on_each_store: Bot, kind: str) -> None:
    """A message's digests and its case's fields made while it is understood (read ahead: understood), the fields
    encoded then (store/encoded_json.py), leave every row the recording leaves making them itself: the fields'
    JSON text on SQLite, as the database holds it, included."""
    bot = bot_on_each_store
    raw = (permission_mail(bot, applications="Prior Notification List") if kind == "permission"
           else form_mail(bot, "kate.doe@nhs.net"))

    def made_in_the_recording(u: Understanding) -> Understanding:
        assert u.digests and u.case_fields is not None  # made ahead, else nothing is compared
        [(_, fields)] = u.case_fields[1]
        assert type(fields) is EncodedJSON and fields.text == json.dumps(dict(fields))
        return replace(u, digests=None, case_fields=None)

    (slow_case, slow), (fast_case, fast) = _recorded_both_ways(
        bot, raw, nullcontext, {**TABLES, "signatory_confirmations": "status"}, made_in_the_recording)
    assert fast_case.outcome == slow_case.outcome == ("approved" if kind == "permission" else "pending")
    assert fast["message_digests"] and fast["cases"], fast
    assert fast == slow
