"""Handling one message for real: understand it, look for an earlier sighting, read its forms, then record it in
one transaction. Shared by `mailbot process` and the daemon."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from mailbot.processing.over_limit import OverLimit
from mailbot.processing.record import CaseOutcome, keys_of, record
from mailbot.processing.settings import Settings
from mailbot.processing.understanding import Understander, Understanding
from store.cases import key_seen


def seen_before(session: Session, u: Understanding) -> bool:
    return key_seen(session, keys_of(u))


def handle(sessions: sessionmaker[Session], understander: Understander, raw: bytes, *, source: str, now: datetime,
           settings: Settings, then: Callable[[Session, list[CaseOutcome]], None] | None = None,
           give_up_waiting: str = "", over_limit: OverLimit | None = None) -> list[CaseOutcome]:
    """Record RAW and return its cases; raises TryLater (nothing recorded) when the sender cannot be judged now,
    unless GIVE_UP_WAITING says why it is no longer waited for (see Understander.understand). OVER_LIMIT: RAW is
    only the first part of a message over the size limit, and this is what its whole said.

    The forms are read between two transactions, so no lock is held while a child process parses a PDF; the
    first-sighting key inside `record` settles any race with another daemon. THEN, when given, runs inside the
    recording transaction (the daemon finishes its intake claim there, so case and claim commit together).
    """
    u = understander.understand(raw, now=now, give_up_waiting=give_up_waiting, over_limit=over_limit)
    with sessions() as session:
        with session.begin():
            seen = seen_before(session, u)
        if not seen:
            u = understander.with_forms(u, now=now)
        with session.begin():
            cases = record(session, u, source=source, now=now, settings=settings)
            if then is not None:
                then(session, cases)
            return cases
