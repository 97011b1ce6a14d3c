"""The outbox: replies written with their case, sent later by the outbox sender."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import ColumnElement, ScalarSelect, String, bindparam, func, literal, select
from sqlalchemy.orm import Session

from store.memo import memo
from store.models import OutboxMessage
from store.models.base import add_made
from store.precompiled import Precompiled
from store.types import UTCDateTime

PASSWORD_PURPOSE = "temporary_password"  # noqa: S105 - a purpose name


def replies_today(session: Session, recipient: str, now: datetime) -> int:
    """Automatic mails queued for RECIPIENT since midnight UTC (temporary passwords are not replies)."""
    return session.scalar(select(replies_today_count(recipient, now))) or 0


def replies_today_count(recipient: str, now: datetime) -> ScalarSelect[int]:
    """replies_today as a subquery, for a statement that reads other things too."""
    return _count_since(literal(recipient.lower()), literal(midnight_of(now), UTCDateTime()))


def replies_today_subquery() -> ScalarSelect[int]:
    """replies_today_count with its values left to bind: `recipient` (lower case) and `midnight` (midnight_of),
    for a statement built once and run for every message."""
    return _count_since(bindparam("recipient", type_=String), bindparam("midnight", type_=UTCDateTime()))


def midnight_of(now: datetime) -> datetime:
    return datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)


def _count_since(recipient: ColumnElement[str], midnight: ColumnElement[datetime]) -> ScalarSelect[int]:
    return select(func.count()).select_from(OutboxMessage).where(
        func.lower(OutboxMessage.recipient) == recipient,
        OutboxMessage.created_at >= midnight,
        OutboxMessage.purpose != PASSWORD_PURPOSE,
    ).scalar_subquery()


def new_case(session: Session, case_id: int) -> None:
    """CASE_ID was made in this transaction: it has no outbox rows but those `add` queues now, so counting and
    listing them needs no statement (store/memo.py)."""
    memo(session).setdefault("outbox_rows", {})[case_id] = []


def made_in_this_transaction(session: Session, case_id: int) -> bool:
    """Whether CASE_ID was made in SESSION's transaction, or savepoint (`new_case`), as far as its memo knows (not
    when made outside the savepoint it is asked in: then False, and the caller asks the store)."""
    return case_id in memo(session).get("outbox_rows", {})


def queued_for_case(session: Session, case_id: int) -> list[OutboxMessage]:
    held = memo(session).get("outbox_rows", {}).get(case_id)
    if held is not None:  # every row it has was queued in this transaction, in this order (ids rise with it)
        return list(held)
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case_id)
                                .order_by(OutboxMessage.id)))


def next_number(session: Session, case_id: int) -> int:
    """The place of a case's next outbox row (1 for its first mail): part of that row's Message-ID."""
    held = memo(session).get("outbox_rows", {}).get(case_id)
    if held is not None:
        return len(held) + 1
    counted = memo(session).setdefault("outbox_counts", {})
    if case_id not in counted:  # counted once a transaction; `add` counts the rest
        ((count,),) = _OUTBOX_ROWS_OF_CASE.rows_in(session, {"case_id": case_id})  # pending rows counted too
        counted[case_id] = count or 0
    return counted[case_id] + 1


# Counting an older case's rows (a signatory's answer deciding the case it confirms) precompiled
# (store/precompiled.py), as the rest of a message's recording is.
_OUTBOX_ROWS_OF_CASE = Precompiled(select(func.count()).select_from(OutboxMessage).where(
    OutboxMessage.case_id == bindparam("case_id", type_=OutboxMessage.__table__.c.case_id.type)), ("case_id",))


def add(session: Session, row: OutboxMessage) -> OutboxMessage:
    """Queue ROW in SESSION's transaction. It is written with the session's next flush (the case's other rows
    and audit events with it, so a message's recording flushes once). (In a savepoint too: what the memo counts
    there is the savepoint's own, gone with it, store/memo.py; each message of the daemon's group is recorded in
    one, mailbot/intake/recording_group.py.)"""
    add_made(session, row)
    held = memo(session).get("outbox_rows", {}).get(row.case_id)
    if held is not None:
        held.append(row)
    counted = memo(session).get("outbox_counts", {})
    if row.case_id in counted:
        counted[row.case_id] += 1
    return row


def mails_per_case(session: Session) -> dict[int, int]:
    """How many outbox rows each case has, by case id."""
    return {case_id: n for case_id, n in session.execute(
        select(OutboxMessage.case_id, func.count()).group_by(OutboxMessage.case_id))}


def first_mail_to(session: Session, purpose: str, address: str) -> OutboxMessage | None:
    """The first outbox row of PURPOSE written to ADDRESS, if any."""
    return session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == purpose,
                                                       OutboxMessage.recipient == address)
                           .order_by(OutboxMessage.id).limit(1)).one_or_none()
