"""store/new_case_rows.py: a new case (its id given), its reasons and its outbox rows inserted through Core at
flush hold exactly the rows the unit of work writes (the same Python defaults), and are afterwards in the session
as persistent, loaded objects with their ids: reading them costs no statement, changing them is an UPDATE; on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, event, func, inspect, select, text

from store import audit
from store.audit_verify import verify_chain
from store.cases import next_case
from store.confirmations import Signatory, open_confirmation
from store.db import sessions, transaction
from store.models import Case, CaseReason, OutboxMessage, SignatoryConfirmation
from store.outbox import case_rows

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CASE_COLUMNS = [c.key for c in Case.__table__.columns if c.key not in ("id", "reference")]
OUTBOX_COLUMNS = [c.key for c in OutboxMessage.__table__.columns if c.key not in ("id", "case_id", "message_id")]


def _add(session, case_id: int | None, reference: str) -> tuple[Case, OutboxMessage]:  # type: ignore[no-untyped-def]
    # Columns left out on purpose (reasons, assigned_to, last_error...): their defaults must be the same either way.
    case = Case(id=case_id, reference=reference, kind="permission_request", outcome="flagged", checks=[{"x": 1}],
                fields={"a": [1]}, org_code="A81001", subject="Hello", created_at=NOW, updated_at=NOW)
    session.add(case)
    if case_id is None:
        session.flush()  # the unit of work's own insert, to compare with
    row = OutboxMessage(case_id=case.id, message_id=f"<{reference}.1@x>", purpose="reply", recipient="a@nhs.net",
                        subject="Re: Hello", body="body", next_attempt_at=NOW, created_at=NOW)
    session.add(row)
    session.add(CaseReason(case_id=case.id, code="request.unclear"))
    audit.record(session, at=NOW, actor="mailbot", action="case.decided", case_id=case.id)
    return case, row


def test_rows_inserted_through_core_are_the_unit_of_works_rows_and_stay_in_the_session(engine: Engine) -> None:
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split()[:3]))

    with transaction(sessions(engine)) as session:
        _add(session, None, "OE-2026-900001")  # a case without a given id: the unit of work inserts it all
    with transaction(sessions(engine)) as session:
        reference, case_id, _ = next_case(session, 2026)
        case, row = _add(session, case_id, reference)
        event.listen(engine, "before_cursor_execute", seen)
        try:
            session.flush()
            assert inspect(case).persistent and inspect(row).persistent and row.id is not None
            assert case.assigned_to is None and case.reasons == [] and row.status == "pending"  # no statement
            # The case, the rows naming it, then (after the chain's head) its audit event; nothing else.
            assert statements[:3] == ["INSERT INTO cases", "INSERT INTO case_reasons", "INSERT INTO outbox"]
            if engine.dialect.name == "postgresql":  # the head moved on and the event inserted in one statement
                assert statements[3:] == ["WITH h AS"], statements
            else:
                assert statements[-1] == "INSERT INTO audit_events", statements
                assert all(s.startswith("UPDATE audit_chain_head") for s in statements[3:-1]), statements
            case.outcome = "approved"
            session.flush()
            assert statements[-1] == "UPDATE cases SET"
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    with sessions(engine)() as session:
        by_orm, by_core = session.scalars(select(Case).order_by(Case.id)).all()
        assert by_core.id == case_id and by_core.outcome == "approved"
        by_core.outcome = by_orm.outcome
        assert [getattr(by_core, k) for k in CASE_COLUMNS] == [getattr(by_orm, k) for k in CASE_COLUMNS]
        orm_row, core_row = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert core_row.id == row.id and core_row.case_id == case_id
        assert [getattr(core_row, k) for k in OUTBOX_COLUMNS] == [getattr(orm_row, k) for k in OUTBOX_COLUMNS]
        assert sorted(session.scalars(select(CaseReason.case_id))) == sorted([by_orm.id, by_core.id])
    assert verify_chain(engine).intact


def test_a_rolled_back_transaction_lets_go_of_them_as_the_unit_of_work_would(engine: Engine) -> None:
    session = sessions(engine)()
    try:
        with session.begin():
            reference, case_id, _ = next_case(session, 2026)
            case, row = _add(session, case_id, reference)
            session.flush()
            assert inspect(case).persistent and inspect(row).persistent
            session.rollback()
        assert inspect(case).transient and inspect(row).transient  # as pending objects flushed then rolled back
        assert case.reference == reference and row.subject == "Re: Hello"  # still readable, with no statement
    finally:
        session.close()
    with sessions(engine)() as session:
        assert session.scalar(select(Case.id).where(Case.id == case_id)) is None


def test_a_cases_outbox_rows_go_in_with_ids_rising_in_the_order_they_were_queued(engine: Engine) -> None:
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split()[:3]))

    with transaction(sessions(engine)) as session:
        reference, case_id, _ = next_case(session, 2026)
        case, first = _add(session, case_id, reference)
        more = [OutboxMessage(case_id=case_id, message_id=f"<{reference}.{n}@x>", purpose="notice",
                              recipient=f"p{n}@nhs.net", subject=f"Notice {n}", body="body", next_attempt_at=NOW,
                              created_at=NOW) for n in (2, 3, 4)]
        session.add_all(more)
        event.listen(engine, "before_cursor_execute", seen)
        try:
            session.flush()
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        queued = [first, *more]
        assert all(inspect(row).persistent for row in queued)
        assert [row.id for row in queued] == sorted(row.id for row in queued)
        assert statements.count("INSERT INTO outbox") == 1  # one statement, one round trip, for the four
    with sessions(engine)() as session:
        stored = session.execute(select(OutboxMessage.id, OutboxMessage.message_id).order_by(OutboxMessage.id))
        assert [(i, m) for i, m in stored] == [(row.id, row.message_id) for row in queued]


def test_an_older_cases_next_reply_number_counts_what_the_core_count_counts(engine: Engine) -> None:
    """store.outbox.case_rows.next_number counts an older case's rows precompiled: what the Core count it replaces
    gives, rows still pending flushed and counted first (as that statement's autoflush did), and not under
    no_autoflush; counted once a transaction."""
    with transaction(sessions(engine)) as session:
        reference, case_id, _ = next_case(session, 2026)
        _add(session, case_id, reference)

    def core_count(session) -> int:  # type: ignore[no-untyped-def]
        return session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.case_id == case_id)) or 0

    def pending_row(session, n: int) -> None:  # type: ignore[no-untyped-def]
        session.add(OutboxMessage(case_id=case_id, message_id=f"<{reference}.{n}@x>", purpose="reply",
                                  recipient="a@nhs.net", subject="Re", body="b", next_attempt_at=NOW,
                                  created_at=NOW))

    for autoflush in (True, False):
        counts = []
        for count in (core_count, lambda s: case_rows.next_number(s, case_id) - 1):
            with sessions(engine)() as session, session.begin():
                pending_row(session, 2)
                if autoflush:
                    counts.append(count(session))
                else:
                    with session.no_autoflush:
                        counts.append(count(session))
                session.rollback()
        assert counts == ([2, 2] if autoflush else [1, 1])
    with sessions(engine)() as session, session.begin():
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        assert [case_rows.next_number(session, case_id) for _ in range(3)] == [2, 2, 2]
        assert len([s for s in statements if s.startswith("SELECT")]) == 1


def test_a_new_cases_signatory_confirmation_is_the_unit_of_works_row_and_is_not_looked_for(engine: Engine) -> None:
    """store.confirmations.open_confirmation on a case made in this transaction: no SELECT for a row it cannot
    have, the row inserted through Core (the one the unit of work writes: compared with one inserted by the unit of
    work, through its relationship to the case) and persistent with its id; opened again, the same row, updated.
    On an older case the row is looked for as before."""
    signatory = Signatory("Dr Ada Jones", "Ada.Jones@nhs.net", "caldicott_guardian")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    ids = {}
    for how in ("unit of work", "core"):
        with transaction(sessions(engine)) as session:
            reference, case_id, _ = next_case(session, 2026)
            case, _row = _add(session, case_id, reference)
            case_rows.new_case(session, case_id)
            statements.clear()
            if how == "core":
                row = open_confirmation(session, case, signatory, now=NOW, days=14)
            else:
                row = SignatoryConfirmation(case=case, waiting_since=NOW, requests=1, address="ada.jones@nhs.net",
                                            full_name="Dr Ada Jones", role="caldicott_guardian", status="waiting",
                                            requested_at=NOW, remind_at=NOW + timedelta(days=7),
                                            expires_at=NOW + timedelta(days=14))
                session.add(row)
                session.flush()
            assert inspect(row).persistent and row.id is not None
            ids[how] = row.id
            if how == "core":
                assert not [s for s in statements if "FROM signatory_confirmations" in s]
                assert [s for s in statements if s.startswith("INSERT INTO signatory_confirmations")]
                again = open_confirmation(session, case, signatory, now=NOW, days=14)
                assert again is row and row.requests == 2
    with engine.connect() as connection:
        core, by_uow = (dict(connection.execute(text("SELECT * FROM signatory_confirmations WHERE id = :id"),
                                                {"id": ids[how]}).mappings().one()) for how in ("core", "unit of work"))
    assert core.pop("requests") == 2 and by_uow.pop("requests") == 1
    assert {k: v for k, v in core.items() if k not in ("id", "case_id")} == \
           {k: v for k, v in by_uow.items() if k not in ("id", "case_id")}
    with transaction(sessions(engine)) as session:  # an older case: looked for, found, started again
        case = session.get(Case, core["case_id"])
        assert case is not None
        statements.clear()
        row = open_confirmation(session, case, signatory, now=NOW, days=14)
        assert row.id == ids["core"] and row.requests == 3
        assert [s for s in statements if "FROM signatory_confirmations" in s]
