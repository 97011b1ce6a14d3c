"""Signatory confirmations (SPEC 17): opening one for a case, finding the one an answer names, the reminders and
expiries that are due, and the list staff see. Reminders and expiries are claimed by conditional updates that only
one transaction can win, on SQLite and PostgreSQL alike, so several daemons never act on one twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import false, func, select, update
from sqlalchemy.orm import Session

from store.memo import memo
from store.models import Case, SignatoryConfirmation
from store.outbox.case_rows import made_in_this_transaction
from store.review import QueueFilter

WAITING = "waiting"
ANSWERED = ("confirmed", "declined", "unclear")
EXPIRED = "expired"
CLOSED = "closed"


@dataclass(frozen=True)
class Signatory:
    full_name: str
    email: str  # the address on record
    role: str


def confirmation_of(session: Session, case_id: int) -> SignatoryConfirmation | None:
    return session.scalars(select(SignatoryConfirmation).where(SignatoryConfirmation.case_id == case_id)
                           .execution_options(populate_existing=True)).one_or_none()


def open_confirmation(session: Session, case: Case, signatory: Signatory, *, now: datetime,
                      days: int) -> SignatoryConfirmation:
    """CASE waits for SIGNATORY from NOW: a new row, or the case's row started again (a resent request, or the
    checks run again asking someone else)."""
    opened = memo(session).setdefault("confirmations_opened", {})
    # A case made in this transaction has no row but one opened for it here: nothing to look for.
    row = opened.get(case.id) if case.id in opened or made_in_this_transaction(session, case.id) \
        else confirmation_of(session, case.id)
    if row is None:
        row = SignatoryConfirmation(case_id=case.id, waiting_since=now, requests=0)
        session.add(row)
        opened[case.id] = row
    row.address, row.full_name, row.role = signatory.email.lower(), signatory.full_name, signatory.role
    row.status, row.requested_at, row.requests = WAITING, now, (row.requests or 0) + 1
    row.remind_at, row.expires_at = now + timedelta(days=days / 2), now + timedelta(days=days)
    row.reminder_sent_at = row.closed_at = row.closed_by = None
    row.answer_case_id, row.answer_why = None, None
    session.flush()
    return row


def finish(session: Session, row: SignatoryConfirmation, status: str, *, now: datetime, by: str,
           answer_case_id: int | None = None, why: str | None = None) -> None:
    row.status, row.closed_at, row.closed_by = status, now, by
    if answer_case_id is not None:
        row.answer_case_id, row.answer_why = answer_case_id, why
    session.flush()


def close_waiting(session: Session, case_id: int, *, now: datetime, by: str) -> bool:
    """Staff decided the case first: its confirmation stops waiting (no reminder, no expiry). True if it was."""
    done = session.execute(update(SignatoryConfirmation)
                           .where(SignatoryConfirmation.case_id == case_id, SignatoryConfirmation.status == WAITING)
                           .values(status=CLOSED, closed_at=now, closed_by=by)
                           .returning(SignatoryConfirmation.id)).scalar_one_or_none()
    return done is not None


def due_reminders(session: Session, now: datetime, limit: int = 200) -> list[int]:
    return list(session.scalars(select(SignatoryConfirmation.id).where(
        SignatoryConfirmation.status == WAITING, SignatoryConfirmation.reminder_sent_at.is_(None),
        SignatoryConfirmation.remind_at <= now).order_by(SignatoryConfirmation.remind_at).limit(limit)))


def claim_reminder(session: Session, row_id: int, now: datetime) -> SignatoryConfirmation | None:
    """The row, if this transaction is the one to send its reminder. A reminder sent late (no daemon ran at the
    time) keeps the second half of the wait: the signatory always has it after a reminder."""
    row = session.get(SignatoryConfirmation, row_id, populate_existing=True)
    if row is None:
        return None
    expires = max(row.expires_at, now + (row.expires_at - row.remind_at))
    won = session.execute(update(SignatoryConfirmation).where(
        SignatoryConfirmation.id == row_id, SignatoryConfirmation.status == WAITING,
        SignatoryConfirmation.reminder_sent_at.is_(None)).values(reminder_sent_at=now, expires_at=expires)
        .returning(SignatoryConfirmation.id))
    if won.scalar_one_or_none() is None:
        return None
    return session.get(SignatoryConfirmation, row_id, populate_existing=True)


def due_expiries(session: Session, now: datetime, limit: int = 200) -> list[int]:
    return list(session.scalars(select(SignatoryConfirmation.id).where(
        SignatoryConfirmation.status == WAITING, SignatoryConfirmation.reminder_sent_at.is_not(None),
        SignatoryConfirmation.expires_at <= now).order_by(SignatoryConfirmation.expires_at).limit(limit)))


def claim_expiry(session: Session, row_id: int, now: datetime) -> SignatoryConfirmation | None:
    won = session.execute(update(SignatoryConfirmation).where(
        SignatoryConfirmation.id == row_id, SignatoryConfirmation.status == WAITING,
        SignatoryConfirmation.reminder_sent_at.is_not(None), SignatoryConfirmation.expires_at <= now)
        .values(status=EXPIRED, closed_at=now, closed_by="mailbot").returning(SignatoryConfirmation.id))
    if won.scalar_one_or_none() is None:
        return None
    return session.get(SignatoryConfirmation, row_id, populate_existing=True)


def _waiting(f: QueueFilter):  # type: ignore[no-untyped-def]
    query = (select(Case, SignatoryConfirmation).join(SignatoryConfirmation, SignatoryConfirmation.case_id == Case.id)
             .where(SignatoryConfirmation.status == WAITING))
    if f.reason and f.reason != "signatory.confirmation_requested":
        query = query.where(false())
    if f.kind:
        query = query.where(Case.kind == f.kind)
    if f.org_code:
        query = query.where(Case.org_code == f.org_code.strip().upper())
    if f.older_than:
        query = query.where(SignatoryConfirmation.waiting_since < f.older_than)
    return query


def waiting_for_signatories(session: Session, f: QueueFilter = QueueFilter(), *,  # noqa: B008 - frozen
                            limit: int = 50) -> list[tuple[Case, SignatoryConfirmation]]:
    """Cases waiting for their signatory, longest waiting first (what staff see beside the queue)."""
    rows = session.execute(_waiting(f).order_by(SignatoryConfirmation.waiting_since, Case.id).limit(limit))
    return [(case, row) for case, row in rows]


def count_waiting_for_signatories(session: Session, f: QueueFilter = QueueFilter()) -> int:  # noqa: B008
    return session.scalar(select(func.count()).select_from(_waiting(f).subquery())) or 0
