"""The mailbox at a glance (issue 16): cases per day by kind and outcome, the share finished with no person, the
time from arrival to answer, the age of the review queue and the top reasons of the week, as SQL aggregates.

Every figure reads a bounded part of `cases`: those opened in the window (the covering index `ix_cases_insight`,
migration 0011, so the day/kind/outcome counts never read a case's JSON), the waiting ones (the queue's partial
index), and the reasons of this week's cases (by primary key). Percentiles are exact, by nearest rank: the value
at rank ceil(p/100 * n) of the n answered cases in order, found by the database (ORDER BY ... LIMIT 1 OFFSET),
so nothing but the answer leaves it. bench/bench_insight.py measures all of it over 100,000 cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Float, and_, case, cast, func, select
from sqlalchemy.orm import Session

from store.models import Case, CaseReason

MAILBOT = "mailbot"  # decided_by of every decision the mailbot took alone (mailbot.pipeline.ACTOR)
PENDING = "pending"  # waiting for the form's signatory to confirm (SPEC 17): not finished
TOP_REASONS = 10
WEEK = timedelta(days=7)
# The queue's age bands: (label, at least this old, younger than this); None is open-ended.
AGE_BANDS: tuple[tuple[str, timedelta, timedelta | None], ...] = (
    ("under 1 day", timedelta(0), timedelta(days=1)),
    ("1 to 2 days", timedelta(days=1), timedelta(days=2)),
    ("2 to 7 days", timedelta(days=2), timedelta(days=7)),
    ("7 to 30 days", timedelta(days=7), timedelta(days=30)),
    ("30 days or more", timedelta(days=30), None),
)


@dataclass(frozen=True)
class DayCount:
    day: date
    kind: str
    outcome: str
    cases: int


@dataclass(frozen=True)
class Handling:
    """Cases opened in the window, by who finished them. A case is finished when it waits for nobody: not in the
    review queue and not waiting for its signatory."""

    by_mailbot: int  # finished with no person: every decision the mailbot's own
    by_staff: int  # finished by a member of staff (approved, rejected or closed)
    waiting_for_staff: int
    waiting_for_signatory: int

    @property
    def finished(self) -> int:
        return self.by_mailbot + self.by_staff

    @property
    def share_by_mailbot(self) -> float | None:
        return self.by_mailbot / self.finished if self.finished else None


@dataclass(frozen=True)
class AnswerTimes:
    """Seconds from a case's arrival to its answer (the decision that finished it), nearest-rank percentiles."""

    cases: int
    p50: float | None
    p95: float | None


@dataclass(frozen=True)
class QueueAge:
    waiting: int
    oldest_since: datetime | None
    bands: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Insight:
    now: datetime
    days: int
    since: datetime  # midnight UTC starting the first day of the window
    per_day: tuple[DayCount, ...]  # only the (day, kind, outcome) that have cases, by day
    handling: Handling
    answer_all: AnswerTimes  # every finished case of the window
    answer_staff: AnswerTimes  # those a member of staff finished
    queue: QueueAge
    reasons_since: datetime
    top_reasons: tuple[tuple[str, int], ...]  # (code, cases opened this week with it), most first

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (`mailbot stats --json`)."""
        h = self.handling

        def times(a: AnswerTimes) -> dict[str, Any]:
            return {"cases": a.cases, "p50_seconds": a.p50, "p95_seconds": a.p95}

        return {
            "now": self.now.isoformat(), "days": self.days, "since": self.since.isoformat(),
            "per_day": [{"day": d.day.isoformat(), "kind": d.kind, "outcome": d.outcome, "cases": d.cases}
                        for d in self.per_day],
            "handling": {"by_mailbot": h.by_mailbot, "by_staff": h.by_staff, "finished": h.finished,
                         "waiting_for_staff": h.waiting_for_staff, "waiting_for_signatory": h.waiting_for_signatory,
                         "share_by_mailbot": h.share_by_mailbot},
            "answer_time": {"all": times(self.answer_all), "by_staff": times(self.answer_staff)},
            "queue": {"waiting": self.queue.waiting,
                      "oldest_since": self.queue.oldest_since.isoformat() if self.queue.oldest_since else None,
                      "bands": [{"age": label, "cases": n} for label, n in self.queue.bands]},
            "top_reasons": {"since": self.reasons_since.isoformat(),
                            "reasons": [{"code": code, "cases": n} for code, n in self.top_reasons]},
        }


def window_start(now: datetime, days: int) -> datetime:
    """Midnight UTC of the first of DAYS days ending today."""
    return datetime.combine(now.date() - timedelta(days=days - 1), datetime.min.time(), tzinfo=now.tzinfo)


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _day(session: Session) -> ColumnElement[Any]:
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC; PostgreSQL a timestamptz, read in UTC whatever the
    # session's time zone.
    if _sqlite(session):
        return func.substr(Case.created_at, 1, 10)
    return cast(func.timezone("UTC", Case.created_at), Date)


def _seconds(session: Session) -> ColumnElement[float]:
    if _sqlite(session):
        return (func.julianday(Case.decided_at) - func.julianday(Case.created_at)) * 86400.0
    return cast(func.extract("epoch", Case.decided_at - Case.created_at), Float)


def _waiting() -> ColumnElement[bool]:
    return Case.needs_review.is_(True)  # spelled as the queue's partial indexes are


def _finished() -> ColumnElement[bool]:
    return and_(Case.needs_review.is_(False), Case.outcome != PENDING)


def per_day(session: Session, since: datetime) -> tuple[DayCount, ...]:
    day = _day(session).label("day")
    rows = session.execute(select(day, Case.kind, Case.outcome, func.count()).where(Case.created_at >= since)
                           .group_by(day, Case.kind, Case.outcome).order_by(day, Case.kind, Case.outcome)).all()
    return tuple(DayCount(d if isinstance(d, date) else date.fromisoformat(d), k, o, n) for d, k, o, n in rows)


def handling(session: Session, since: datetime) -> Handling:
    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    finished = _finished()
    row = session.execute(select(
        count(and_(finished, Case.decided_by == MAILBOT)),
        count(and_(finished, Case.decided_by != MAILBOT)),
        count(Case.needs_review.is_(True)),
        count(and_(Case.needs_review.is_(False), Case.outcome == PENDING)),
    ).where(Case.created_at >= since)).one()
    return Handling(*(int(n) for n in row))


def answer_times(session: Session, since: datetime, *, by_staff: bool = False) -> AnswerTimes:
    conditions = [Case.created_at >= since, _finished(), Case.decided_at.is_not(None)]
    if by_staff:
        conditions.append(Case.decided_by != MAILBOT)
    n = session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0
    if not n:
        return AnswerTimes(0, None, None)
    seconds = _seconds(session).label("seconds")

    def rank(p: int) -> float:
        offset = max(1, math.ceil(p * n / 100)) - 1
        value = session.scalar(select(seconds).where(*conditions).order_by(seconds).limit(1).offset(offset))
        return max(0.0, round(float(value or 0.0), 3))

    return AnswerTimes(n, rank(50), rank(95))


def queue_age(session: Session, now: datetime) -> QueueAge:
    sums = []
    for _, older, younger in AGE_BANDS:
        condition = Case.created_at <= now - older
        if younger is not None:
            condition = and_(condition, Case.created_at > now - younger)
        sums.append(func.coalesce(func.sum(case((condition, 1), else_=0)), 0))
    row = session.execute(select(func.count(), func.min(Case.created_at), *sums).where(_waiting())).one()
    return QueueAge(int(row[0]), row[1], tuple((label, int(n)) for (label, _, _), n in zip(AGE_BANDS, row[2:],
                                                                                         strict=True)))


def top_reasons(session: Session, since: datetime, limit: int = TOP_REASONS) -> tuple[tuple[str, int], ...]:
    n = func.count().label("n")
    rows = session.execute(select(CaseReason.code, n).join(Case, Case.id == CaseReason.case_id)
                           .where(Case.created_at >= since).group_by(CaseReason.code)
                           .order_by(n.desc(), CaseReason.code).limit(limit)).all()
    return tuple((code, int(count)) for code, count in rows)


def insight(session: Session, *, now: datetime, days: int = 30) -> Insight:
    if days < 1:
        raise ValueError("the window needs at least one day")
    since = window_start(now, days)
    reasons_since = now - WEEK
    return Insight(now=now, days=days, since=since, per_day=per_day(session, since),
                   handling=handling(session, since), answer_all=answer_times(session, since),
                   answer_staff=answer_times(session, since, by_staff=True), queue=queue_age(session, now),
                   reasons_since=reasons_since, top_reasons=top_reasons(session, reasons_since))
