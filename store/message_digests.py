"""Message fingerprints (parsers.digests) kept per stored message, and the cases that share one."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Case, MessageDigest
from store.upsert import insert_for


def record_digests(session: Session, message_row_id: int, digests: Iterable[tuple[str, str]]) -> None:
    """Keep DIGESTS for the message; safe to repeat (a digest already kept is left alone)."""
    rows = [{"message_row_id": message_row_id, "kind": kind, "digest": digest}
            for kind, digest in dict.fromkeys(digests)]
    if rows:  # one executemany
        session.execute(insert_for(session, MessageDigest)
                        .on_conflict_do_nothing(index_elements=["message_row_id", "kind", "digest"]), rows)


def has_digests(session: Session, message_row_id: int) -> bool:
    return bool(session.scalar(select(func.count()).select_from(MessageDigest)
                               .where(MessageDigest.message_row_id == message_row_id)))


def cases_sharing(session: Session, case: Case, kind: str, *, limit: int = 20) -> list[Case]:
    """Other cases whose message has a KIND digest in common with CASE's message, newest first."""
    if case.message_row_id is None:
        return []
    mine = select(MessageDigest.digest).where(MessageDigest.message_row_id == case.message_row_id,
                                              MessageDigest.kind == kind)
    messages = select(MessageDigest.message_row_id).where(MessageDigest.kind == kind,
                                                          MessageDigest.digest.in_(mine))
    return list(session.scalars(select(Case).where(Case.message_row_id.in_(messages), Case.id != case.id)
                                .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)))
