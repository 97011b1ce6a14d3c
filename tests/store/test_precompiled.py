"""store/precompiled.py: a statement sent precompiled writes exactly the row the Core path writes (the stored
values compared as the database holds them, not as read back through the types), and reads back what the Core path
reads, on SQLite and PostgreSQL: aware datetimes, JSON (nested, non-ASCII, null), booleans, bytes, enums. It refuses
what it would not convert as Core does (a Python default left to fill), and the engine's statement events see it."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Engine,
    Enum,
    Integer,
    LargeBinary,
    bindparam,
    event,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from store.audit_chain import GENESIS
from store.cases import _key_count, claim_first_sightings, key_seen, next_case, store_message
from store.db import sessions, transaction
from store.models import AuditEvent, Case, MessageKey, OutboxMessage, ReferenceCounter
from store.precompiled import Precompiled
from store.types import JSONType, UTCDateTime

# Not UTC on purpose: both paths must turn it into the same stored UTC value.
AT = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
CASE_COLUMNS = tuple(c.key for c in Case.__table__.columns)
OUTBOX_COLUMNS = tuple(c.key for c in OutboxMessage.__table__.columns if c.key != "id")
EVENT_COLUMNS = ("at", "actor", "action", "case_id", "org_code", "detail", "seq", "prev_hash", "hash")


def _case(case_id: int, reference: str) -> dict[str, Any]:
    return {"id": case_id, "reference": reference, "kind": "permission_request", "outcome": "flagged",
            "reasons": ["request.unclear"], "checks": [{"name": "x", "ok": True, "n": 1.5, "none": None}],
            "fields": {"a": [1, "é", {"b": None}], "ü": "\u202e"}, "changes": [], "org_code": "A81001",
            "sender": "a@nhs.net", "subject": "Café — hello", "message_row_id": None, "part": None,
            "parent_case_id": None, "needs_review": True, "assigned_to": None, "created_at": AT, "updated_at": AT,
            "decided_at": AT, "decided_by": "mailbot",
            **{k: None for k in CASE_COLUMNS if k not in (
                "id", "reference", "kind", "outcome", "reasons", "checks", "fields", "changes", "org_code", "sender",
                "subject", "message_row_id", "part", "parent_case_id", "needs_review", "assigned_to", "created_at",
                "updated_at", "decided_at", "decided_by")}}


def _outbox(case_id: int, n: int) -> dict[str, Any]:
    return {"case_id": case_id, "message_id": f"<{case_id}.{n}@x>", "purpose": "reply", "recipient": "a@nhs.net",
            "subject": "Re: Café", "body": "body ✓", "headers": {"In-Reply-To": "<m@x>", "list": [1, 2]},
            "user_id": None, "status": "pending", "attempts": 0, "next_attempt_at": AT, "last_error": None,
            "claimed_by": None, "claimed_at": None, "sent_at": None, "created_at": AT,
            **{k: None for k in OUTBOX_COLUMNS if k not in (
                "case_id", "message_id", "purpose", "recipient", "subject", "body", "headers", "user_id", "status",
                "attempts", "next_attempt_at", "last_error", "claimed_by", "claimed_at", "sent_at",
                "created_at")}}


def _stored(engine: Engine, table: str, key: str, value: Any) -> dict[str, Any]:
    """The row as the database holds it: read by plain SQL, through no column type."""
    with engine.connect() as connection:
        row = connection.execute(text(f"SELECT * FROM {table} WHERE {key} = :v"), {"v": value}).mappings().one()
    return dict(row)


def test_rows_written_precompiled_are_the_rows_core_writes(engine: Engine) -> None:
    with transaction(sessions(engine)) as session:
        connection = session.connection()
        ref_a, id_a, _ = next_case(session, 2026)  # (on SQLite the next id is the largest plus one)
        connection.execute(insert(Case), _case(id_a, ref_a))
        ref_b, id_b, _ = next_case(session, 2026)
        Precompiled(insert(Case), CASE_COLUMNS).execute(connection, _case(id_b, ref_b))
        core_id = connection.execute(insert(OutboxMessage).returning(OutboxMessage.id), _outbox(id_a, 1)).scalar_one()
        ((fast_id,),) = Precompiled(insert(OutboxMessage).returning(OutboxMessage.id), OUTBOX_COLUMNS).rows(
            connection, _outbox(id_b, 1))
        event = {"at": AT, "actor": "mailbot", "action": "case.decided", "org_code": "A81001",
                 "detail": {"reasons": ["é"], "n": None}, "prev_hash": GENESIS, "hash": "f" * 64}
        connection.execute(insert(AuditEvent), {**event, "case_id": id_a, "seq": 10**9})
        Precompiled(insert(AuditEvent), EVENT_COLUMNS).execute(connection, {**event, "case_id": id_b,
                                                                             "seq": 10**9 + 1})
    assert isinstance(fast_id, int) and fast_id == core_id + 1
    core, fast = _stored(engine, "cases", "id", id_a), _stored(engine, "cases", "id", id_b)
    assert {k: v for k, v in fast.items() if k not in ("id", "reference")} == \
           {k: v for k, v in core.items() if k not in ("id", "reference")}
    core, fast = _stored(engine, "outbox", "id", core_id), _stored(engine, "outbox", "id", fast_id)
    assert {k: v for k, v in fast.items() if k not in ("id", "case_id", "message_id")} == \
           {k: v for k, v in core.items() if k not in ("id", "case_id", "message_id")}
    core, fast = _stored(engine, "audit_events", "seq", 10**9), _stored(engine, "audit_events", "seq", 10**9 + 1)
    assert {k: v for k, v in fast.items() if k not in ("id", "seq", "case_id")} == \
           {k: v for k, v in core.items() if k not in ("id", "seq", "case_id")}
    with sessions(engine)() as session:  # and read back through the model, as staff see them
        a, b = session.get(Case, id_a), session.get(Case, id_b)
        assert a is not None and b is not None
        assert (b.created_at, b.fields, b.checks, b.needs_review) == (a.created_at, a.fields, a.checks, True)
        assert b.created_at == AT and b.created_at.tzinfo == UTC


def test_several_rows_written_by_one_executemany_are_the_rows_core_writes(engine: Engine) -> None:
    """execute_all of several rows: the compiled SQL's executemany, each row converted as one is."""
    event_at = {"at": AT, "actor": "mailbot", "action": "case.decided", "org_code": "A81001", "case_id": None,
                "prev_hash": GENESIS, "hash": "e" * 64}
    details = [{"reasons": ["é"], "n": None}, {"granted": ["Café", "\u202e"], "none": []}, {}]
    with transaction(sessions(engine)) as session:
        connection = session.connection()
        connection.execute(insert(AuditEvent), [{**event_at, "detail": d, "seq": 2 * 10**9 + n}
                                                for n, d in enumerate(details)])
        Precompiled(insert(AuditEvent), EVENT_COLUMNS).execute_all(connection, [
            {**event_at, "detail": d, "seq": 3 * 10**9 + n} for n, d in enumerate(details)])
    for n in range(len(details)):
        core = _stored(engine, "audit_events", "seq", 2 * 10**9 + n)
        fast = _stored(engine, "audit_events", "seq", 3 * 10**9 + n)
        assert {k: v for k, v in fast.items() if k not in ("id", "seq")} == \
               {k: v for k, v in core.items() if k not in ("id", "seq")}


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


TYPED = (bindparam("at", type_=UTCDateTime()), bindparam("doc", type_=JSONType),
         bindparam("colour", type_=Enum(Colour, native_enum=False)), bindparam("flag", type_=Boolean()),
         bindparam("blob", type_=LargeBinary()))


@pytest.mark.parametrize("values", [
    {"at": AT, "doc": {"é": [1, None, {"x": "\u202e"}]}, "colour": Colour.GREEN, "flag": True, "blob": b"\x00\xff"},
    {"at": None, "doc": [], "colour": None, "flag": False, "blob": b""},
])
def test_values_returned_are_converted_as_core_converts_them(engine: Engine, values: dict[str, Any]) -> None:
    statement = select(*TYPED, literal_column("7").label("seven"))
    with engine.connect() as connection:
        core = tuple(connection.execute(statement, values).one())
        (fast,) = Precompiled(statement, values).rows(connection, values)
    assert fast == core
    assert fast[0] == values["at"] and fast[2] is values["colour"] and fast[3] is values["flag"]


def test_a_column_left_to_its_python_default_is_refused(engine: Engine) -> None:
    with engine.connect() as connection:
        fast = Precompiled(insert(AuditEvent), [c for c in EVENT_COLUMNS if c != "detail"])  # detail=dict default
        with pytest.raises(ValueError, match="detail"):
            fast.execute(connection, {"at": AT})


def test_a_statement_sent_precompiled_is_seen_by_the_engines_events(engine: Engine) -> None:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    update = Precompiled(text("UPDATE reference_counters SET last_value = last_value WHERE year = :year"),
                         ["year"])
    with engine.begin() as connection:
        assert update.rowcount(connection, {"year": 1999}) == 0
    assert [s for s in seen if s.startswith("UPDATE")] == [
        "UPDATE reference_counters SET last_value = last_value WHERE year = ?" if engine.dialect.name == "sqlite"
        else "UPDATE reference_counters SET last_value = last_value WHERE year = %(year)s"]


def test_statements_in_a_transaction_are_sent_on_the_cursor_and_seen_by_the_events(engine: Engine) -> None:
    """Inside a transaction a statement goes straight to the DBAPI cursor (store.precompiled.send), several rows
    as one executemany: the engine's cursor events see each, with its parameters as sent and whether it is many."""
    seen: list[tuple[str, Any, bool]] = []
    contexts: list[object] = []
    after: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda c, cur, s, p, ctx, many: seen.append((s, p, many)))
    event.listen(engine, "after_cursor_execute",
                 lambda c, cur, s, p, ctx, many: (after.append(s), contexts.append(ctx)))
    counter = Precompiled(text("UPDATE reference_counters SET last_value = last_value + 1 WHERE year = :year"),
                          ["year"])
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO reference_counters (year, last_value) VALUES (1998, 0), (1999, 0)"))
        seen.clear()
        after.clear()
        contexts.clear()
        assert counter.rowcount(connection, {"year": 1999}) == 1
        counter.execute_all(connection, [{"year": 1998}, {"year": 1999}, {"year": 1997}])
        assert Precompiled(select(bindparam("year", type_=Integer()) + 1), ["year"]).rows(
            connection, {"year": 1999}) == [(2000,)]
    positional = engine.dialect.name == "sqlite"
    assert [(many, p) for _s, p, many in seen[:2]] == [
        (False, (1999,) if positional else {"year": 1999}),
        (True, [(1998,), (1999,), (1997,)] if positional else [{"year": 1998}, {"year": 1999}, {"year": 1997}])]
    assert len(seen) == 3 and seen[2][0].startswith("SELECT") and seen[2][2] is False
    assert after == [s for s, _p, _many in seen]
    assert contexts == [None, None, None]  # no execution context was built: not the exec_driver_sql path
    with engine.connect() as connection:
        assert dict(connection.execute(text("SELECT year, last_value FROM reference_counters WHERE year > 1997"))
                    .all()) == {1998: 1, 1999: 2}


def test_a_statement_the_database_refuses_raises_what_core_raises(engine: Engine) -> None:
    """A DBAPI error on the cursor path is SQLAlchemy's exception, as exec_driver_sql raises it, and the transaction
    is rolled back whole."""
    insert_counter = Precompiled(insert(ReferenceCounter), ["year", "last_value"])
    with pytest.raises(IntegrityError), engine.begin() as connection:
        insert_counter.execute(connection, {"year": 1996, "last_value": 1})
        insert_counter.execute_all(connection, [{"year": 1995, "last_value": 1}, {"year": 1996, "last_value": 2}])
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM reference_counters WHERE year < 1997")).scalar() == 0


def test_outside_a_transaction_a_statement_begins_one_as_core_does(engine: Engine) -> None:
    """On a connection not yet in a transaction the statement goes by exec_driver_sql, which begins one (SQLite's
    BEGIN IMMEDIATE with it): nothing is written outside a transaction."""
    with engine.connect() as connection:
        assert not connection.in_transaction()
        Precompiled(insert(ReferenceCounter), ["year", "last_value"]).execute(
            connection, {"year": 1994, "last_value": 1})
        assert connection.in_transaction()
        connection.rollback()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM reference_counters WHERE year = 1994")).scalar() == 0


def test_key_seen_precompiled_answers_what_its_core_statement_answers(engine: Engine) -> None:
    """store.cases.key_seen sends its IN of N keys precompiled (N up to 8): the same answer as the expanding IN it
    replaces for every number of keys and every mix of seen and unseen, one SELECT each, no IN expanded."""
    factory = sessions(engine)
    with transaction(factory) as session:
        message_id = store_message(session, raw=b"x", source="test", message_id="<m@x>", content_hash="h",
                                   received_at=AT).id
        claim_first_sightings(session, [f"seen:{n}" for n in range(10)], message_id)
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    for keys in ([], ["seen:0"], ["unseen:0"], ["unseen:0", "seen:1"], ["unseen:0", "unseen:1"],
                 [f"unseen:{n}" for n in range(7)] + ["seen:9"], [f"unseen:{n}" for n in range(8)],
                 [f"unseen:{n}" for n in range(9)] + ["seen:2"], [f"unseen:{n}" for n in range(12)]):
        with factory() as session:
            core = (session.scalar(select(func.count()).select_from(MessageKey)
                                   .where(MessageKey.key.in_(keys))) or 0) > 0
        seen.clear()
        with factory() as session:
            fast = key_seen(session, keys)
        assert fast == core == any(k.startswith("seen:") for k in keys), keys
        selects = [s for s in seen if s.startswith("SELECT")]
        assert len(selects) == 1, selects
        if 0 < len(keys) <= 8:  # one bind a key, as compiled once (not an expanding parameter's rendering)
            assert selects[0] == _key_count(len(keys))._form(engine.dialect).sql
    with factory() as session:
        assert key_seen(session, "seen:3") and not key_seen(session, "unseen:3")


def test_a_datetime_converted_once_is_the_value_core_converts_in_any_column(engine: Engine) -> None:
    """The last datetime converted is remembered (store.precompiled._last_remembered): the same object given again,
    in another UTCDateTime column of another statement, and others between, each stored as Core stores it."""
    later = AT + timedelta(minutes=1, microseconds=7)
    statement = select(bindparam("a", type_=UTCDateTime()), bindparam("b", type_=UTCDateTime()))
    other = select(bindparam("c", type_=UTCDateTime()))
    with engine.begin() as connection:
        core = {at: connection.execute(statement, {"a": at, "b": at}).one()[0] for at in (AT, later)}
        fast, fast_other = Precompiled(statement, ["a", "b"]), Precompiled(other, ["c"])
        for a, b in ((AT, AT), (later, AT), (AT, later), (later, later)):
            assert fast.rows(connection, {"a": a, "b": b}) == [(core[a], core[b])]
            assert fast_other.rows(connection, {"c": b}) == [(core[b],)]
    assert core[AT] != core[later]
