"""The outbox as a work queue: claiming due rows for one sender, and recording how each send went.

Claims are one UPDATE ... RETURNING over a sub-select: with `FOR UPDATE SKIP LOCKED` on PostgreSQL (concurrent
senders get disjoint rows), and under the BEGIN IMMEDIATE write lock on SQLite (where the dialect drops FOR UPDATE
silently, and one writer at a time is the lock). Rows move
pending -> sending (claimed) -> transmitting (DATA begun) -> sent | uncertain | failed, or back to pending.
A row found in `transmitting` by housekeeping may have been delivered: it becomes uncertain, never resent blindly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Connection, Update, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from store import audit
from store.models import Case, OutboxMessage
from store.precompiled import Precompiled
from store.review import set_reasons

PENDING, SENDING, TRANSMITTING, SENT, FAILED, UNCERTAIN = (
    "pending", "sending", "transmitting", "sent", "failed", "uncertain")
UNDELIVERABLE = "reply.undeliverable"
ACTOR = "mailbot"


# The statements a mail sent runs are built once (building one costs more Python than running it on SQLite);
# the values each run differs in are bound parameters.
@lru_cache(maxsize=8)
def _claim_statement(limit: int) -> Update:
    due = (select(OutboxMessage.id)
           .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= bindparam("now"))
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
           .limit(limit)
           .with_for_update(skip_locked=True))
    # RETURNING the whole row (SQLite >= 3.35, PostgreSQL): the claim and the rows it claimed in one statement.
    return (update(OutboxMessage)
            .where(OutboxMessage.id.in_(due.scalar_subquery()))
            .values(status=SENDING, claimed_by=bindparam("owner"), claimed_at=bindparam("now"),
                    attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False, populate_existing=True))


def claim_due(session: Session, *, owner: str, now: datetime, limit: int) -> list[OutboxMessage]:
    """Up to LIMIT due rows (the longest due), now `sending` and owned by OWNER, by id (commit to make the claim
    visible; the sender commits it with the last mail's result, see mailbot.outbox.sender)."""
    rows = list(session.scalars(_claim_statement(limit), {"owner": owner, "now": now}))
    rows.sort(key=lambda r: r.id)  # RETURNING promises no order
    return rows


def _mine(session: Session, row_id: int, owner: str, *statuses: str) -> OutboxMessage | None:
    return session.scalars(select(OutboxMessage).where(
        OutboxMessage.id == row_id, OutboxMessage.claimed_by == owner,
        OutboxMessage.status.in_(statuses)).execution_options(populate_existing=True)).one_or_none()


def _move_statement(from_statuses: tuple[str, ...], **values: object) -> Precompiled:
    """One UPDATE of one row still ours in FROM_STATUSES (two run for every mail sent), precompiled
    (store/precompiled.py: neither the ORM's bulk-update path nor a cache-key lookup a mail; the statuses are
    fixed values, not an expanding IN)."""
    return Precompiled(update(OutboxMessage)
                       .where(OutboxMessage.id == bindparam("row_id"), OutboxMessage.claimed_by == bindparam("owner"),
                              or_(*(OutboxMessage.status == status for status in from_statuses)))
                       .values(**values), ("row_id", "owner", *(["now"] if "sent_at" in values else [])))


_TO_TRANSMITTING = _move_statement((SENDING,), status=TRANSMITTING)
_TO_SENT = _move_statement((TRANSMITTING, SENDING), status=SENT, sent_at=bindparam("now"), last_error=None)


def mark_transmitting(session: Session | Connection, row_id: int, owner: str) -> bool:
    """Record that DATA is about to begin: from here a crash leaves the row uncertain, not pending. True when the
    row was still ours to change."""
    return bool(_TO_TRANSMITTING.rowcount(_connection(session), {"row_id": row_id, "owner": owner}))


def mark_transmitting_later(connection: Connection, row_id: int, owner: str) -> Callable[[], bool]:
    """mark_transmitting, whether the row was still ours answered by the function returned once the transaction
    has committed: on PostgreSQL the UPDATE is queued to go with the COMMIT, one round trip a mail fewer
    (store/pg_pipeline.py)."""
    matched = _TO_TRANSMITTING.rowcount_later(connection, {"row_id": row_id, "owner": owner})
    return lambda: bool(matched())


def mark_sent(session: Session | Connection, row_id: int, owner: str, now: datetime) -> None:
    _TO_SENT.execute(_connection(session), {"row_id": row_id, "owner": owner, "now": now})


def _connection(session: Session | Connection) -> Connection:
    return session.connection() if isinstance(session, Session) else session


def retry_later(session: Session, row_id: int, owner: str, now: datetime, error: str, first_wait: timedelta,
                give_up_after: int) -> str:
    """A transient failure (4xx, connection): pending again after an exponential backoff, or failed after
    GIVE_UP_AFTER attempts. Returns the row's new status."""
    row = _mine(session, row_id, owner, SENDING, TRANSMITTING)
    if row is None:
        return ""
    if row.attempts >= give_up_after:
        fail(session, row, now, f"gave up after {row.attempts} attempts; last: {error}")
        return FAILED
    row.status, row.last_error, row.claimed_by = PENDING, error[:2000], None
    row.next_attempt_at = now + first_wait * (2 ** min(row.attempts - 1, 12))
    return PENDING


def release(session: Session, row_ids: Iterable[int], owner: str) -> None:
    """Give back rows not attempted (the sender is stopping): pending again, the attempt not counted."""
    ids = list(row_ids)
    if ids:
        session.execute(update(OutboxMessage)
                        .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == owner,
                               OutboxMessage.status == SENDING)
                        .values(status=PENDING, claimed_by=None, attempts=OutboxMessage.attempts - 1)
                        .execution_options(synchronize_session=False))


def fail(session: Session, row: OutboxMessage, now: datetime, error: str) -> None:
    """A permanent failure: the row is failed and its case goes back to staff with reply.undeliverable."""
    row.status, row.last_error = FAILED, error[:2000]
    case = session.get(Case, row.case_id)
    if case is not None:
        set_reasons(session, case, [*case.reasons, UNDELIVERABLE])
        case.needs_review, case.updated_at = True, now
        audit.record(session, at=now, actor=ACTOR, action="mail.undeliverable", case_id=case.id,
                     org_code=case.org_code, mail=row.message_id, to=row.recipient, error=error[:500])


def mark_failed(session: Session, row_id: int, owner: str, now: datetime, error: str) -> None:
    row = _mine(session, row_id, owner, SENDING, TRANSMITTING)
    if row is not None:
        fail(session, row, now, error)


def mark_uncertain(session: Session, row_id: int, owner: str | None, now: datetime, error: str) -> None:
    """The server may have the message (a timeout or disconnect after DATA began): kept for staff to look at."""
    query = select(OutboxMessage).where(OutboxMessage.id == row_id)
    if owner is not None:
        query = query.where(OutboxMessage.claimed_by == owner)
    row = session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if row is None or row.status in (SENT, FAILED):
        return
    row.status, row.last_error = UNCERTAIN, error[:2000]
    case = session.get(Case, row.case_id)
    if case is not None:  # back in the review queue: a person decides whether to send it again
        case.needs_review, case.updated_at = True, now
    audit.record(session, at=now, actor=ACTOR, action="mail.uncertain", case_id=row.case_id,
                 mail=row.message_id, to=row.recipient, error=error[:500])


def recover_stale(session: Session, now: datetime, older_than: timedelta) -> tuple[int, int]:
    """Housekeeping after a sender died: claimed rows not yet at DATA go back to pending (safe to send), rows
    that had begun DATA become uncertain. Returns (requeued, uncertain)."""
    cutoff = now - older_than
    requeued = session.execute(update(OutboxMessage)
                               .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < cutoff)
                               .values(status=PENDING, claimed_by=None, next_attempt_at=now)
                               .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    stale = list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == TRANSMITTING,
                                                                OutboxMessage.claimed_at < cutoff)))
    for row_id in stale:
        mark_uncertain(session, row_id, None, now, "the sender stopped after DATA began: it may have been delivered")
    return int(requeued), len(stale)


def counts_by_status(session: Session) -> dict[str, int]:
    return {status: n for status, n in session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))}
