"""store.cases.next_case: a new case's reference and the id it is to have, in the statement that reads the message's
other values, so the case goes in once, as decided and applied, with the audit events and reasons naming it
inserted after it in the same flush; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, event, literal, select

from store import audit
from store.audit_verify import verify_chain
from store.cases import next_case
from store.db import sessions, transaction
from store.models import AuditEvent, Case, CaseReason
from store.review import set_new_case_reasons

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _case(case_id: int, reference: str) -> Case:
    return Case(id=case_id, reference=reference, kind="permission_request", outcome="approved", checks=[],
                fields={}, changes=[], sender="someone@nhs.net", subject="", created_at=NOW, updated_at=NOW,
                decided_at=NOW, decided_by="mailbot")


def test_a_case_goes_in_once_with_the_id_it_was_given(engine: Engine) -> None:
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split()[:3]))

    made = []
    for _ in range(2):
        with transaction(sessions(engine)) as session:
            reference, case_id, also = next_case(session, 2026, [literal(7), literal("seven")])
            assert also == (7, "seven")
            case = _case(case_id, reference)
            session.add(case)
            audit.record(session, at=NOW, actor="mailbot", action="user.applications_granted", case_id=case_id)
            case.changes = ["JSMITH1: granted Some App"]  # applied after it was added: still one INSERT
            set_new_case_reasons(session, case, ["a.reason"])
            audit.record(session, at=NOW, actor="mailbot", action="case.decided", case_id=case_id)
            event.listen(engine, "before_cursor_execute", seen)
            try:
                session.flush()
            finally:
                event.remove(engine, "before_cursor_execute", seen)
            made.append((case_id, reference))
    cases_in = [s for s in statements if "cases" in s.split()]
    assert cases_in == ["INSERT INTO cases", "INSERT INTO cases"]  # no UPDATE of either
    assert statements.index("INSERT INTO audit_events") > statements.index("INSERT INTO cases")
    assert [r for _, r in made] == ["OE-2026-000001", "OE-2026-000002"]
    with sessions(engine)() as session:
        stored = session.execute(select(Case.id, Case.reference, Case.changes).order_by(Case.id)).all()
        assert [(i, r) for i, r, _ in stored] == made
        assert all(changes == ["JSMITH1: granted Some App"] for _, _, changes in stored)
        assert sorted(session.scalars(select(AuditEvent.case_id))) == sorted([i for i, _ in made] * 2)
        assert sorted(session.scalars(select(CaseReason.case_id))) == sorted(i for i, _ in made)
    assert verify_chain(engine).intact


def test_two_cases_of_one_transaction_get_ids_of_their_own(engine: Engine) -> None:
    """A message with two forms: the first case, still pending, goes in before the second's id is read."""
    with transaction(sessions(engine)) as session:
        first_ref, first_id, _ = next_case(session, 2026)
        session.add(_case(first_id, first_ref))
        second_ref, second_id, _ = next_case(session, 2026)
        session.add(_case(second_id, second_ref))
    assert second_id != first_id
    with sessions(engine)() as session:
        assert session.execute(select(Case.id, Case.reference).order_by(Case.id)).all() == [
            (first_id, first_ref), (second_id, second_ref)]
