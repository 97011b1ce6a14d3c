"""The mailbox at a glance (issue 16): cases per day by kind and outcome, the share finished with no person, the
time from arrival to answer, the age of the review queue and the top reasons of the week, as SQL aggregates.

Every figure reads a bounded part of `cases`, from indexes only (migration 0011), never a case's JSON: those opened
in the window (counted in one pass by day, kind, outcome and who finished them), the waiting ones (the queue's
partial index), and the reasons of this week's cases (by primary key). Percentiles are exact, by nearest rank:
the value at rank ceil(p/100 * n) of the n answered cases in order (PostgreSQL's percentile_disc; on SQLite the
cases answered the moment they arrived are counted, and only the others' durations fetched and sorted).
bench/bench_insight.py measures it all over 100,000 cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Float, and_, bindparam, case, cast, func, literal_column, select, text
from sqlalchemy.orm import Session

from store.models import Case, CaseReason
from store.types import UTCDateTime

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


def _finished() -> ColumnElement[bool]:
    return and_(Case.needs_review.is_(False), Case.outcome != PENDING)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def per_day_and_handling(session: Session, since: datetime) -> tuple[tuple[DayCount, ...], Handling]:
    """One pass over the window's cases: counts by (day, kind, outcome), and by who finished them. On SQLite the
    days come in order from the expression index `ix_cases_insight_day` (no sort of the window's rows); PostgreSQL
    groups the window's rows itself (by sorting or hashing them, as its planner chooses)."""
    if _sqlite(session):
        # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC: the day is its first ten characters, spelled as the
        # expression index spells it.
        day: ColumnElement[Any] = func.substr(Case.created_at, literal_column("1"), literal_column("10"))
        in_window = day >= since.date().isoformat()
    else:  # a timestamptz, read in UTC whatever the session's time zone
        day = cast(func.timezone("UTC", Case.created_at), Date)
        in_window = Case.created_at >= since
    finished = _finished()
    rows = session.execute(select(
        day, Case.kind, Case.outcome, func.count(),
        _count(and_(finished, Case.decided_by == MAILBOT)),
        _count(and_(finished, Case.decided_by != MAILBOT)),
        _count(Case.needs_review.is_(True)),
        _count(and_(Case.needs_review.is_(False), Case.outcome == PENDING)),
    ).where(in_window).group_by(day, Case.kind, Case.outcome).order_by(day, Case.kind, Case.outcome)).all()
    per_day = tuple(DayCount(d if isinstance(d, date) else date.fromisoformat(d), k, o, int(n))
                    for d, k, o, n, *_ in rows)
    sums = [sum(int(row[i]) for row in rows) for i in range(4, 8)]
    return per_day, Handling(*sums)


SQLITE_SECONDS = "(julianday(decided_at) - julianday(created_at)) * 86400.0"


def _seconds(session: Session) -> ColumnElement[float]:  # PostgreSQL
    return cast(func.extract("epoch", Case.decided_at - Case.created_at), Float)


def _answer_times_postgres(session: Session, since: datetime) -> tuple[AnswerTimes, AnswerTimes]:
    seconds = func.greatest(0.0, _seconds(session))
    staff = Case.decided_by != MAILBOT

    def rank(p: float) -> Any:
        return func.percentile_disc(p).within_group(seconds)

    row = session.execute(select(
        func.count(), rank(0.5), rank(0.95),
        func.count().filter(staff), rank(0.5).filter(staff), rank(0.95).filter(staff),
    ).where(Case.created_at >= since, _finished(), Case.decided_at.is_not(None))).one()

    def times(n: int, p50: float | None, p95: float | None) -> AnswerTimes:
        return AnswerTimes(int(n), *(None if v is None else round(float(v), 3) for v in (p50, p95)))

    return times(*row[0:3]), times(*row[3:6])


def nearest_rank(sorted_values: list[float], zeros: int, p: int) -> float | None:
    """The value at rank ceil(p/100 * n) of ZEROS zeros followed by SORTED_VALUES (n in all), or None for none."""
    n = zeros + len(sorted_values)
    if not n:
        return None
    rank = max(1, math.ceil(p * n / 100))
    return 0.0 if rank <= zeros else round(sorted_values[rank - zeros - 1], 3)


def answer_times(session: Session, since: datetime, handling: Handling) -> tuple[AnswerTimes, AnswerTimes]:
    """Every finished case of the window and those staff finished. PostgreSQL works out the nearest ranks itself
    (percentile_disc: the first value whose position reaches the fraction, i.e. rank ceil(p * n)). SQLite has no
    percentiles: most cases the mailbot decides the moment they arrive, and those count as zeros; only the
    durations of the others are fetched (one number and one flag a case, bounded by the window) and sorted here."""
    if not _sqlite(session):
        return _answer_times_postgres(session, since)
    # Spelled out to name the index: SQLite would rather take the queue's (needs_review, created_at) index and read
    # every case's row.
    query = text(f"SELECT {SQLITE_SECONDS}, decided_by != :mailbot FROM cases INDEXED BY ix_cases_insight "
                 "WHERE created_at >= :since AND needs_review IS 0 AND outcome != :pending "
                 "AND decided_at > created_at").bindparams(
        bindparam("since", since, type_=UTCDateTime()), mailbot=MAILBOT, pending=PENDING)
    rows = session.execute(query).all()
    every = sorted(float(s) for s, _ in rows)
    staff = sorted(float(s) for s, by_staff in rows if by_staff)

    def times(values: list[float], finished: int) -> AnswerTimes:
        zeros = finished - len(values)
        return AnswerTimes(finished, nearest_rank(values, zeros, 50), nearest_rank(values, zeros, 95))

    return times(every, handling.finished), times(staff, handling.by_staff)


def queue_age(session: Session, now: datetime) -> QueueAge:
    sums = []
    for _, older, younger in AGE_BANDS:
        condition = Case.created_at <= now - older
        if younger is not None:
            condition = and_(condition, Case.created_at > now - younger)
        sums.append(_count(condition))
    waiting = Case.needs_review.is_(True)  # spelled as the queue's partial indexes are
    row = session.execute(select(func.count(), func.min(Case.created_at), *sums).where(waiting)).one()
    return QueueAge(int(row[0]), row[1], tuple((label, int(n)) for (label, _, _), n in zip(AGE_BANDS, row[2:],
                                                                                         strict=True)))


def top_reasons(session: Session, since: datetime, limit: int = TOP_REASONS) -> tuple[tuple[str, int], ...]:
    if _sqlite(session):
        # The week's cases first, then their reasons by primary key: SQLite would otherwise walk every reason
        # ever given and look up each one's case (four times the work over 100,000 cases).
        query: Any = text("SELECT case_reasons.code, count(*) AS n FROM cases INDEXED BY ix_cases_insight "
                          "CROSS JOIN case_reasons ON case_reasons.case_id = cases.id WHERE cases.created_at >= :since "
                          "GROUP BY case_reasons.code ORDER BY n DESC, case_reasons.code LIMIT :limit").bindparams(
            bindparam("since", since, type_=UTCDateTime()), limit=limit)
    else:
        n = func.count().label("n")
        query = select(CaseReason.code, n).join(Case, Case.id == CaseReason.case_id).where(Case.created_at >= since) \
            .group_by(CaseReason.code).order_by(n.desc(), CaseReason.code).limit(limit)
    rows = session.execute(query).all()
    return tuple((code, int(count)) for code, count in rows)


def insight(session: Session, *, now: datetime, days: int = 30) -> Insight:
    if days < 1:
        raise ValueError("the window needs at least one day")
    since = window_start(now, days)
    reasons_since = now - WEEK
    per_day, handling = per_day_and_handling(session, since)
    answer_all, answer_staff = answer_times(session, since, handling)
    return Insight(now=now, days=days, since=since, per_day=per_day, handling=handling, answer_all=answer_all,
                   answer_staff=answer_staff, queue=queue_age(session, now), reasons_since=reasons_since,
                   top_reasons=top_reasons(session, reasons_since))
