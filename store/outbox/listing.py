"""The outbox as staff see it: replies that may not have arrived (uncertain or failed), and recent mail."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Case, OutboxMessage
from store.outbox.queue import FAILED, PENDING, SENDING, SENT, TRANSMITTING, UNCERTAIN

PROBLEM_STATUSES = (UNCERTAIN, FAILED)
STATUSES = (PENDING, SENDING, TRANSMITTING, SENT, FAILED, UNCERTAIN)


def outbox_rows(session: Session, statuses: tuple[str, ...] = (), *, limit: int = 50,
                offset: int = 0) -> list[tuple[OutboxMessage, str]]:
    """Outbox rows (newest first) with their case reference, only the given statuses when any are given."""
    query = select(OutboxMessage, Case.reference).join(Case, Case.id == OutboxMessage.case_id)
    if statuses:
        query = query.where(OutboxMessage.status.in_(statuses))
    query = query.order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)
    return [(row, reference) for row, reference in session.execute(query)]


def outbox_count(session: Session, statuses: tuple[str, ...] = ()) -> int:
    query = select(func.count()).select_from(OutboxMessage)
    if statuses:
        query = query.where(OutboxMessage.status.in_(statuses))
    return session.scalar(query) or 0


def outbox_message(session: Session, message_id: int) -> tuple[OutboxMessage, str] | None:
    row = session.execute(select(OutboxMessage, Case.reference).join(Case, Case.id == OutboxMessage.case_id)
                          .where(OutboxMessage.id == message_id)).first()
    return (row[0], row[1]) if row else None
