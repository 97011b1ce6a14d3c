"""The figures of the mailbox at a glance on a small store known case by case, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from store.db import make_engine, sessions, transaction
from store.insight import insight, window_start
from tests.insight import known_store as known


@pytest.fixture
def session(store_url: str) -> Iterator[Session]:
    engine = make_engine(store_url)
    with transaction(sessions(engine)) as s:
        known.seed_insight(s)
    with sessions(engine)() as s:
        if engine.dialect.name == "postgresql":  # days are UTC days, whatever the session's time zone
            s.execute(text("SET TIME ZONE 'America/New_York'"))
        yield s
    engine.dispose()


def test_the_known_store_exactly(session: Session) -> None:
    found = insight(session, now=known.NOW, days=30)
    assert found.since == window_start(known.NOW, 30) == known.NOW.replace(month=10, day=28, hour=0)
    assert [(d.day.isoformat(), d.kind, d.outcome, d.cases) for d in found.per_day] == known.PER_DAY
    h = found.handling
    assert (h.by_mailbot, h.by_staff, h.waiting_for_staff, h.waiting_for_signatory) == \
        (known.BY_MAILBOT, known.BY_STAFF, known.WAITING_FOR_STAFF, known.WAITING_FOR_SIGNATORY)
    assert h.share_by_mailbot == pytest.approx(6 / 8)
    a, s = found.answer_all, found.answer_staff
    assert (a.cases, a.p50, a.p95) == known.ANSWER_ALL
    assert (s.cases, s.p50, s.p95) == known.ANSWER_STAFF
    assert (found.queue.waiting, found.queue.oldest_since, found.queue.bands) == known.QUEUE
    assert found.reasons_since == known.NOW - timedelta(days=7)
    assert found.top_reasons == known.TOP_REASONS


def test_a_shorter_window_and_an_empty_one(session: Session) -> None:
    one = insight(session, now=known.NOW, days=1)
    assert [(d.kind, d.outcome) for d in one.per_day] == [
        ("permission_request", "flagged"), ("primary_user_request", "approved"), ("primary_user_request", "rejected")]
    assert (one.answer_all.cases, one.answer_all.p50, one.answer_all.p95) == (2, 60.0, 120.0)
    assert (one.answer_staff.cases, one.answer_staff.p50) == (0, None)
    later = insight(session, now=known.NOW + timedelta(days=400), days=7)
    assert later.per_day == () and later.handling.share_by_mailbot is None and later.top_reasons == ()
    assert later.queue.waiting == 4 and later.queue.bands[-1] == ("30 days or more", 4)  # the queue is not windowed


def test_the_window_needs_a_day(session: Session) -> None:
    with pytest.raises(ValueError, match="at least one day"):
        insight(session, now=known.NOW, days=0)


def test_the_json_shape(session: Session) -> None:
    doc = insight(session, now=known.NOW, days=30).as_dict()
    assert set(doc) == {"now", "days", "since", "per_day", "handling", "answer_time", "queue", "top_reasons"}
    assert doc["handling"]["share_by_mailbot"] == 0.75 and doc["handling"]["finished"] == 8
    assert doc["answer_time"]["all"] == {"cases": 8, "p50_seconds": 60.0, "p95_seconds": 86400.0}
    assert doc["queue"]["oldest_since"] == (known.NOW - timedelta(days=40)).isoformat()
    assert doc["top_reasons"]["reasons"][0] == {"code": "signatory.unverified", "cases": 3}
