"""Who is working on a case: "assign to me" and "release", audited, shown in the queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import audit
from store.models import Case


def assign_case(session: Session, case: Case, *, to: str, now: datetime) -> None:
    """Give CASE to TO (taking it over from whoever had it: the audit says from whom)."""
    before = case.assigned_to
    case.assigned_to, case.assigned_at = to, now
    audit.record(session, at=now, actor=to, action="review.assigned", case_id=case.id, org_code=case.org_code,
                 taken_from=before or "")


def release_case(session: Session, case: Case, *, by: str, now: datetime) -> None:
    before = case.assigned_to
    case.assigned_to, case.assigned_at = None, None
    audit.record(session, at=now, actor=by, action="review.released", case_id=case.id, org_code=case.org_code,
                 was_assigned_to=before or "")


def next_waiting_case(session: Session, *, after: str = "") -> Case | None:
    """The oldest case waiting for a person that nobody has taken (other than the one just done, AFTER)."""
    query = (select(Case).where(Case.needs_review.is_(True), Case.assigned_to.is_(None))
             .order_by(Case.created_at, Case.id).limit(1))
    if after:
        query = query.where(Case.reference != after.strip().upper())
    return session.scalars(query).one_or_none()
