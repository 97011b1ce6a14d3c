"""Handling one message for real: understand it, look for an earlier sighting, read its forms, then record it in
one transaction. Shared by `mailbot process` and the daemon (which reads the next messages ahead, in other
threads, while it records this one: see mailbot.intake.worker)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from mailbot.processing.contract import recording_session
from mailbot.processing.over_limit import OverLimit
from mailbot.processing.record import CaseOutcome, RegisterMoved, keys_of, record, with_case_fields
from mailbot.processing.settings import Settings
from mailbot.processing.understanding import Understander, Understanding
from store.cases import key_seen
from store.db import single_reads


def seen_before(session: Session | sessionmaker[Session], u: Understanding) -> bool:
    """Whether any key of U was seen before, in SESSION or in a session of its own from a sessionmaker."""
    if isinstance(session, Session):
        return key_seen(session, keys_of(u))
    with session() as own:
        return key_seen(own, keys_of(u))


def handle(sessions: sessionmaker[Session], understander: Understander, raw: bytes, *, source: str, now: datetime,
           settings: Settings, then: Callable[[Session, list[CaseOutcome]], None] | None = None,
           give_up_waiting: str = "", over_limit: OverLimit | None = None) -> list[CaseOutcome]:
    """Record RAW and return its cases; raises TryLater (nothing recorded) when the sender cannot be judged now,
    unless GIVE_UP_WAITING says why it is no longer waited for (see Understander.understand). OVER_LIMIT: RAW is
    only the first part of a message over the size limit, and this is what its whole said.

    The forms are read before the recording transaction (understood), so no lock is held while a child process
    parses a PDF; the first-sighting key inside `record` settles any race with another daemon. THEN, when given,
    runs inside the recording transaction (the daemon finishes its intake claim there, so case and claim commit
    together). Understood again, forms and all, when the recording finds the register moved (record_afresh).
    """
    def understanding() -> Understanding:
        return understood(sessions, understander, raw, now=now, give_up_waiting=give_up_waiting,
                          over_limit=over_limit)

    return record_afresh(sessions, understanding(), understanding, source=source, now=now, settings=settings,
                         then=then)[0]


def understood(sessions: sessionmaker[Session], understander: Understander, raw: bytes, *, now: datetime,
               give_up_waiting: str = "", over_limit: OverLimit | None = None) -> Understanding:
    """RAW understood and its forms read: all of handle's work before its transaction. It only reads the store,
    so it may run ahead of, and beside, the recording of earlier messages."""
    u = understander.understand(raw, now=now, give_up_waiting=give_up_waiting, over_limit=over_limit)
    # Asked only when there are forms to read: a message seen before keeps no request of its own anyway.
    if not understander.would_read_forms(u) or not seen_before(single_reads(sessions), u):
        u = understander.with_forms(u, now=now)
    return with_case_fields(u)


# Understandings of one message recorded at most: the register moving under each of them is a reason to try the
# message later (RegisterMoved is a TryLater), not to hold on to it.
MOST_UNDERSTANDINGS = 3


def record_afresh(sessions: sessionmaker[Session], u: Understanding, understand_again: Callable[[], Understanding],
                  *, source: str, now: datetime, settings: Settings,
                  then: Callable[[Session, list[CaseOutcome]], None] | None = None,
                  group: Session | None = None) -> tuple[list[CaseOutcome], int]:
    """Record U as record_understood does; while the recording finds the register moved from what the message was
    understood on (RegisterMoved: nothing recorded), the message is understood again (UNDERSTAND_AGAIN) and
    recorded on that. Its cases, and how many times it was understood again.

    In a GROUP's transaction, RegisterMoved is raised at once (its savepoint rolled back): an understanding made
    again reads the store as committed, without the group's messages, so the group must be committed first."""
    again = 0
    while True:
        try:
            return record_understood(sessions, u, source=source, now=now, settings=settings, then=then,
                                     group=group), again
        except RegisterMoved:
            again += 1
            if again == MOST_UNDERSTANDINGS or group is not None:
                raise
        u = understand_again()


def record_understood(sessions: sessionmaker[Session], u: Understanding, *, source: str, now: datetime,
                      settings: Settings, then: Callable[[Session, list[CaseOutcome]], None] | None = None,
                      group: Session | None = None) -> list[CaseOutcome]:
    """Record U (from `understood`) in one transaction, THEN inside it; its cases. Given a GROUP (a session whose
    transaction records several messages, mailbot.intake.recording_group), in a savepoint of its transaction:
    rolled back alone when the recording fails, committed with the group."""
    with recording_session(sessions, group) as session:
        cases = record(session, u, source=source, now=now, settings=settings)
        if then is not None:
            then(session, cases)
        return cases
