"""store.models.base.made: a model made with its attributes put in its dict is the object its constructor makes
(transient, the same attributes, nothing loaded), flushes to the same rows (the unit of work's insert and
store/new_case_rows.py's alike), and what is changed on it afterwards is written as the constructor's object's is;
a name that is not a column is refused. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from store.cases import next_case
from store.db import sessions, transaction
from store.models import AuditEvent, Case, CaseReason, OutboxMessage
from store.models.base import add_made, made

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _case(case_id: int | None, reference: str) -> dict[str, Any]:
    # Columns left out on purpose (reasons, assigned_to...): their defaults must come the same way for both.
    return {"id": case_id, "reference": reference, "kind": "permission_request", "outcome": "flagged",
            "checks": [{"x": 1, "é": None}], "fields": {"a": [1]}, "changes": [], "org_code": "A81001",
            "subject": "Hello", "needs_review": True, "created_at": NOW, "updated_at": NOW}


def _outbox(case_id: int, reference: str) -> dict[str, Any]:
    return {"case_id": case_id, "message_id": f"<{reference}.1@x>", "purpose": "reply", "recipient": "a@nhs.net",
            "subject": "Re: Hello", "body": "body", "headers": {"To": "a@nhs.net"}, "status": "pending",
            "attempts": 0, "next_attempt_at": NOW, "created_at": NOW}


def _row(engine: Engine, table: str, key: str, value: object) -> dict[str, Any]:
    with engine.connect() as connection:
        return dict(connection.execute(text(f"SELECT * FROM {table} WHERE {key} = :v"), {"v": value}).mappings().one())


def _unlike(model: type[Any]) -> set[str]:
    return {"id", "reference", "case_id", "message_id"} if model is not AuditEvent else {"id", "seq", "hash",
                                                                                         "prev_hash", "case_id"}


@pytest.mark.parametrize("given_id", [True, False], ids=["inserted-by-new_case_rows", "by-the-unit-of-work"])
def test_an_object_made_is_the_constructors_object_and_writes_its_rows(engine: Engine, given_id: bool) -> None:
    ids: dict[str, tuple[int, int, int]] = {}
    for how in ("constructor", "made"):
        build: Any = (lambda model, **values: model(**values)) if how == "constructor" else made
        with transaction(sessions(engine)) as session:
            reference, case_id, _ = next_case(session, 2026)
            case = build(Case, **_case(case_id if given_id else None, reference))
            assert inspect(case).transient and "reasons" not in case.__dict__
            add: Any = session.add if how == "constructor" else lambda obj: add_made(session, obj)  # noqa: B023
            add(case)
            session.flush()
            row = build(OutboxMessage, **_outbox(case.id, reference))
            event = build(AuditEvent, at=NOW, actor="mailbot", action="case.decided", case_id=case.id,
                          org_code="A81001", detail={"n": 1})
            add(row)
            add(event)
            session.flush()
            case.outcome, row.attempts = "approved", 2  # changed afterwards: an UPDATE each
            session.flush()
            ids[how] = (case.id, row.id, event.seq)
    for table, key, n, model in (("cases", "id", 0, Case), ("outbox", "id", 1, OutboxMessage),
                                 ("audit_events", "seq", 2, AuditEvent)):
        constructed, fast = (_row(engine, table, key, ids[how][n]) for how in ("constructor", "made"))
        assert {k: v for k, v in fast.items() if k not in _unlike(model)} == \
               {k: v for k, v in constructed.items() if k not in _unlike(model)}
    assert _row(engine, "cases", "id", ids["made"][0])["outcome"] == "approved"
    assert _row(engine, "outbox", "id", ids["made"][1])["attempts"] == 2


def test_a_name_that_is_not_a_column_is_refused() -> None:
    with pytest.raises(TypeError, match="colour"):
        made(Case, reference="OE-1", colour="red")
    with pytest.raises(TypeError, match="parent"):  # a relationship: its foreign key would not be set
        made(Case, reference="OE-1", parent=Case())


def _session_state(session: Any) -> list[tuple[str, bool, int | None, bool]]:
    return [(type(obj).__name__, inspect(obj).pending, inspect(obj).insert_order, inspect(obj).session_id ==
             session.hash_key) for obj in session.new]


def test_add_made_leaves_the_session_as_session_add_leaves_it(engine: Engine) -> None:
    """add_made skips only the save-update cascade: the objects pending in the same order with the same insert
    order; one with a relationship set (whose cascade adds what it names) goes by Session.add itself."""
    states = []
    for add in ("session.add", "add_made"):
        with transaction(sessions(engine)) as session:
            reference, case_id, _ = next_case(session, 2026)
            parent = made(Case, **_case(None, reference + "P"))
            objects = [made(Case, **_case(case_id, reference)), made(CaseReason, case_id=case_id, code="x"),
                       made(OutboxMessage, **_outbox(case_id, reference)),
                       made(AuditEvent, at=NOW, actor="mailbot", action="a", case_id=case_id, org_code=None,
                            detail={}),
                       Case(**_case(None, reference + "C"), parent=parent)]
            for obj in objects:
                session.add(obj) if add == "session.add" else add_made(session, obj)
            assert parent in session.new  # by the cascade, both ways
            states.append(_session_state(session))
            session.rollback()
    assert states[0] == states[1]
    assert [name for name, *_ in states[0]] == ["Case", "CaseReason", "OutboxMessage", "AuditEvent", "Case", "Case"]
