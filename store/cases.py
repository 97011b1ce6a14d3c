"""Cases: references, raw messages, first sightings, and reading cases back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Case, MessageKey, ReferenceCounter, StoredMessage
from store.upsert import insert_for

REFERENCE_FORMAT = "OE-{year}-{number:06d}"


def next_reference(session: Session, year: int) -> str:
    """The next case reference of YEAR; the counter row is locked until the transaction ends, so references
    are unique and gapless among committed cases even with several daemons."""
    stmt = (
        insert_for(session, ReferenceCounter)
        .values(year=year, last_value=1)
        .on_conflict_do_update(index_elements=["year"], set_={"last_value": ReferenceCounter.last_value + 1})
        .returning(ReferenceCounter.last_value)
    )
    number = session.execute(stmt).scalar_one()
    return REFERENCE_FORMAT.format(year=year, number=number)


def store_message(session: Session, *, raw: bytes, source: str, message_id: str | None, content_hash: str,
                  received_at: datetime) -> StoredMessage:
    row = StoredMessage(received_at=received_at, source=source, message_id=message_id, content_hash=content_hash,
                        size=len(raw), raw=raw)
    session.add(row)
    session.flush()
    return row


def dedupe_key(message_id: str | None, content_hash: str) -> str:
    """Message-ID where there is one (normalised), else the content hash."""
    if message_id and message_id.strip("<> "):
        return "mid:" + message_id.strip().strip("<>").strip().lower()
    return "sha256:" + content_hash


def claim_first_sighting(session: Session, key: str, message_row_id: int) -> bool:
    """True when this is the first time KEY is seen; race-safe across daemons (the key is a primary key)."""
    stmt = (
        insert_for(session, MessageKey)
        .values(key=key, message_row_id=message_row_id)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(MessageKey.key)
    )
    return session.execute(stmt).scalar_one_or_none() is not None


def first_case_for_key(session: Session, key: str) -> Case | None:
    """The earliest case made from the message that first carried KEY."""
    return session.scalars(
        select(Case).join(MessageKey, MessageKey.message_row_id == Case.message_row_id)
        .where(MessageKey.key == key).order_by(Case.id).limit(1)
    ).one_or_none()


def key_seen(session: Session, key: str) -> bool:
    return session.scalar(select(func.count()).select_from(MessageKey).where(MessageKey.key == key)) > 0


def case_by_reference(session: Session, reference: str) -> Case | None:
    return session.scalars(select(Case).where(Case.reference == reference.strip().upper())).one_or_none()
