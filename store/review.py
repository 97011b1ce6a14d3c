"""The review queue and a case's history, for staff (command line and web page alike)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from store.models import AuditEvent, Case, CaseReason, OutboxMessage
from store.models.base import add_made, made


def set_reasons(session: Session, case: Case, reasons: list[str]) -> None:
    """Give CASE exactly these reason codes, in its JSON list and in the indexed case_reasons rows."""
    case.reasons = list(dict.fromkeys(reasons))
    if case.id is None:
        session.flush()
    # Not flushed first: the case's own changes go in with the next flush, in one UPDATE with whatever the caller
    # changes next (an autoflush here split it in two). Reason rows of the case still waiting to be inserted are
    # let go of instead of deleted.
    for waiting in [obj for obj in session.new if type(obj) is CaseReason and obj.case_id == case.id]:
        session.expunge(waiting)
    session.execute(delete(CaseReason).where(CaseReason.case_id == case.id).execution_options(autoflush=False))
    session.add_all(CaseReason(case_id=case.id, code=code) for code in case.reasons)


def set_new_case_reasons(session: Session, case: Case, reasons: list[str]) -> None:
    """set_reasons for a case made in this transaction (flushed, so it has its id): it has no case_reasons rows
    to take away, so nothing is deleted first."""
    assert case.id is not None, "flush the new case first"
    case.reasons = list(dict.fromkeys(reasons))
    for code in case.reasons:
        add_made(session, made(CaseReason, case_id=case.id, code=code))


@dataclass(frozen=True)
class QueueFilter:
    reason: str | None = None
    kind: str | None = None
    org_code: str | None = None
    older_than: datetime | None = None  # created before this
    newer_than: datetime | None = None  # created after this


def _filtered(query: Select, f: QueueFilter) -> Select:
    query = query.where(Case.needs_review.is_(True))
    if f.reason:
        query = query.where(Case.id.in_(select(CaseReason.case_id).where(CaseReason.code == f.reason,
                                                                          CaseReason.waiting.is_(True))))
    if f.kind:
        query = query.where(Case.kind == f.kind)
    if f.org_code:
        query = query.where(Case.org_code == f.org_code.strip().upper())
    if f.older_than:
        query = query.where(Case.created_at < f.older_than)
    if f.newer_than:
        query = query.where(Case.created_at > f.newer_than)
    return query


def queue(session: Session, f: QueueFilter = QueueFilter(), *, limit: int = 50,  # noqa: B008 - frozen
          offset: int = 0) -> list[Case]:
    """Cases waiting for a person, oldest first."""
    query = _filtered(select(Case), f).order_by(Case.created_at, Case.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def queue_size(session: Session, f: QueueFilter = QueueFilter()) -> int:  # noqa: B008 - frozen
    return session.scalar(_filtered(select(func.count(Case.id)), f)) or 0


def counts_by_reason(session: Session, f: QueueFilter = QueueFilter()) -> dict[str, int]:  # noqa: B008
    """How many queued cases carry each reason (with the other filters applied)."""
    if not (f.kind or f.org_code or f.older_than or f.newer_than):
        return _reason_counts(session, select(CaseReason.code, func.count()).where(CaseReason.waiting.is_(True)))
    if f.older_than and not (f.kind or f.org_code or f.newer_than):
        # "Waiting longer than N days" is most of a backlog: count everything waiting (one partial index) and take
        # away the few cases newer than that, rather than walking nearly the whole queue.
        everything = counts_by_reason(session)
        newer = _reason_counts(session, _joined(QueueFilter()).where(Case.created_at >= f.older_than))
        return {code: n - newer.get(code, 0) for code, n in everything.items() if n - newer.get(code, 0)}
    return _reason_counts(session, _joined(QueueFilter(kind=f.kind, org_code=f.org_code, older_than=f.older_than,
                                                      newer_than=f.newer_than)))


def _joined(f: QueueFilter) -> Select:
    """Reason counts over the waiting cases F matches: walks them by a partial index, reasons by primary key."""
    return _filtered(select(CaseReason.code, func.count()).join(Case, Case.id == CaseReason.case_id), f)


def _reason_counts(session: Session, query: Select) -> dict[str, int]:
    return {code: n for code, n in session.execute(query.group_by(CaseReason.code).order_by(CaseReason.code))}


@dataclass(frozen=True)
class History:
    events: list[AuditEvent]
    follow_ups: list[Case]
    mails: list[OutboxMessage]


def history(session: Session, case: Case) -> History:
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)))
    follow_ups = list(session.scalars(select(Case).where(Case.parent_case_id == case.id).order_by(Case.id)))
    mails = list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)
                                 .order_by(OutboxMessage.id)))
    return History(events, follow_ups, mails)
