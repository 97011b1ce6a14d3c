"""The outbox: replies written with their case, sent later by the outbox sender."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import OutboxMessage

PASSWORD_PURPOSE = "temporary_password"  # noqa: S105 - a purpose name


def replies_today(session: Session, recipient: str, now: datetime) -> int:
    """Automatic mails queued for RECIPIENT since midnight UTC (temporary passwords are not replies)."""
    midnight = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    return session.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            func.lower(OutboxMessage.recipient) == recipient.lower(),
            OutboxMessage.created_at >= midnight,
            OutboxMessage.purpose != PASSWORD_PURPOSE,
        )
    ) or 0


def queued_for_case(session: Session, case_id: int) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id)
                                .order_by(OutboxMessage.id)))
