"""The queue's indexed shortcuts give the same answers as the plain definition, on SQLite and PostgreSQL: the
reason rows' `waiting` copy follows cases.needs_review (database triggers), and counts by reason agree with
counting the waiting cases one by one, under every filter."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update

from store.db import sessions, transaction
from store.models import Case, CaseReason
from store.review import QueueFilter, counts_by_reason, queue, queue_size, set_reasons
from tests.web.seed import NOW, add_case

CODES = ["form.unsigned", "org.unknown", "request.unclear", "signatory.unverified"]
KINDS = ["unclear", "primary_user_request", "guidance"]
ORGS = ["A81001", "B82010", None]


def fill(engine: Engine, n: int = 60) -> None:
    rnd = random.Random(7)
    with transaction(sessions(engine)) as session:
        for i in range(n):
            case = add_case(session, reference=f"OE-2026-{i + 1:06d}", kind=rnd.choice(KINDS),
                            reasons=rnd.sample(CODES, rnd.randint(1, 3)), raw=b"Subject: x\r\n\r\nx",
                            sender="a@nhs.net", subject=f"s{i}", org_code=rnd.choice(ORGS), request=None,
                            created_at=NOW - timedelta(days=rnd.randint(0, 60)), message_id=f"<q{i}@nhs.net>")
            if i % 3 == 0:
                case.needs_review = False  # decided by a person, as review.approve does


def expected(session: object, f: QueueFilter) -> Counter[str]:
    cases = session.scalars(select(Case).where(Case.needs_review.is_(True))).all()  # type: ignore[attr-defined]
    counts: Counter[str] = Counter()
    for c in cases:
        if (f.kind and c.kind != f.kind) or (f.org_code and c.org_code != f.org_code) \
                or (f.older_than and not c.created_at < f.older_than) \
                or (f.newer_than and not c.created_at > f.newer_than):
            continue
        counts.update(c.reasons)
    return counts


FILTERS = [QueueFilter(), QueueFilter(kind="unclear"), QueueFilter(org_code="A81001"),
           QueueFilter(older_than=NOW - timedelta(days=20)), QueueFilter(newer_than=NOW - timedelta(days=10)),
           QueueFilter(kind="guidance", older_than=NOW - timedelta(days=5))]


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: ",".join(f"{k}" for k, v in vars(f).items() if v) or "none")
def test_counts_by_reason_match_counting_case_by_case(engine: Engine, f: QueueFilter) -> None:
    fill(engine)
    with sessions(engine)() as session:
        assert counts_by_reason(session, f) == dict(sorted(expected(session, f).items()))
        for code in CODES:
            with_reason = QueueFilter(reason=code, kind=f.kind, org_code=f.org_code, older_than=f.older_than,
                                      newer_than=f.newer_than)
            assert queue_size(session, with_reason) == expected(session, f)[code]
            assert all(code in c.reasons for c in queue(session, with_reason, limit=1000))


def test_the_waiting_copy_follows_the_case_however_it_changes(engine: Engine) -> None:
    fill(engine, 6)

    def waiting_rows() -> set[tuple[int, str]]:
        with sessions(engine)() as session:
            return {(r.case_id, r.code) for r in session.scalars(select(CaseReason).where(CaseReason.waiting))}

    def truth() -> set[tuple[int, str]]:
        with sessions(engine)() as session:
            return {(c.id, code) for c in session.scalars(select(Case).where(Case.needs_review)) for code in c.reasons}

    assert waiting_rows() == truth() != set()
    with transaction(sessions(engine)) as session:
        session.execute(update(Case).values(needs_review=True))  # e.g. follow-ups put cases back in the queue
    assert waiting_rows() == truth()
    with transaction(sessions(engine)) as session:
        case = session.scalars(select(Case).order_by(Case.id)).first()
        assert case is not None
        case.needs_review = False
        set_reasons(session, case, ["org.unknown", "message.stale"])  # new rows for a case no longer waiting
    assert waiting_rows() == truth()
    with transaction(sessions(engine)) as session:
        session.execute(update(Case).values(needs_review=False))
    assert waiting_rows() == set()
