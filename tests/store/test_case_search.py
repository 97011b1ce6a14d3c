"""Finding cases and a case's context (issue 18) on SQLite and on PostgreSQL: the same answers from both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from store.case_context import case_context
from store.case_search import CaseFilter, find_cases, normal_reference
from store.cases import case_by_reference
from store.db import make_engine, sessions, transaction, upgrade
from store.message_digests import record_digests
from tests.web.seed import seed
from tests.web.seed_history import seed_history


@pytest.fixture
def session(store_url: str) -> Iterator[Session]:
    engine = make_engine(store_url)
    upgrade(engine)
    with transaction(sessions(engine)) as s:
        seed(s)
        seed_history(s)
    with sessions(engine)() as s:
        yield s
    engine.dispose()


def refs(found: object) -> list[str]:
    return [c.reference for c in found.cases]  # type: ignore[attr-defined]


def test_references_however_typed() -> None:
    assert normal_reference("oe-2026-101") == normal_reference("2026-000101") == "OE-2026-000101"
    assert normal_reference("OE2026000101") == "OE-2026-000101"
    assert normal_reference("Oakwood") is None


def test_find_by_reference_sender_organisation_and_person(session: Session) -> None:
    assert refs(find_cases(session, CaseFilter("OE-2026-101", state="all"))) == ["OE-2026-000101"]
    assert refs(find_cases(session, CaseFilter("NADIA.QUINN@nhs.net", state="all"))) == \
        ["OE-2026-000105", "OE-2026-000101", "OE-2026-000090"]  # newest first
    assert set(refs(find_cases(session, CaseFilter("oakwood", state="all")))) == \
        {"OE-2026-000090", "OE-2026-000101", "OE-2026-000105"}
    by_person = find_cases(session, CaseFilter("Tom White", state="all"))
    assert set(refs(by_person)) == {"OE-2026-000091", "OE-2026-000102"} and "1 person on record" in by_person.matched
    assert find_cases(session, CaseFilter("100%_", state="all")).cases == []  # LIKE wildcards are text


def test_finished_cases_with_the_queues_filters(session: Session) -> None:
    finished = find_cases(session, CaseFilter())
    assert set(refs(finished)) == {"OE-2026-000090", "OE-2026-000091", "OE-2026-000105"} and not finished.more
    first, second = find_cases(session, CaseFilter(), limit=2), find_cases(session, CaseFilter(), limit=2, offset=2)
    assert first.more and not second.more and refs(first) + refs(second) == refs(finished)
    assert refs(find_cases(session, CaseFilter(reason="user.unknown"))) == ["OE-2026-000091"]
    assert refs(find_cases(session, CaseFilter(org_code="a81001", kind="follow_up"))) == ["OE-2026-000105"]
    assert "OE-2026-000101" in refs(find_cases(session, CaseFilter(state="waiting")))


def test_the_context_of_a_case(session: Session) -> None:
    case = case_by_reference(session, "OE-2026-000101")
    assert case is not None
    context = case_context(session, case)
    assert [u.username for u in context.primary_users] == ["JSMITH1"]
    assert {(s.full_name, s.phone) for s in context.signatories} >= {("Dr Priya Shah", "01632 960102")}
    assert [c.reference for c in context.same_attachment] == ["OE-2026-000090"]
    assert [c.reference for c in context.same_text] == ["OE-2026-000090"]
    assert [c.reference for c in context.by_sender] == ["OE-2026-000105", "OE-2026-000090"]
    assert [(link.case.reference, "attached" in link.how) for link in context.linked] == [("OE-2026-000105", True)]
    record_digests(session, case.message_row_id or 0, [("text", "0" * 64), ("text", "0" * 64)])  # repeatable
    record_digests(session, case.message_row_id or 0, [("text", "0" * 64)])
