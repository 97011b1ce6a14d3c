"""Intake: which source messages were seen, claimed, done or set aside, so each is processed exactly once.

A daemon claims a message (a lease, in a short transaction of its own) before it fetches and works on it, so
replicas do not duplicate work; it completes the claim in the same transaction as the message's cases and outbox
rows, and that completion is conditional on still holding the claim, so a message can never be recorded twice even
when a lease ran out under a slow daemon. Moving the message out of the inbox comes after, and may be repeated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from store.db import transaction
from store.models import IntakeRecord, MailboxState
from store.precompiled import Precompiled

CLAIMED, DONE, RETRY, SET_ASIDE = "claimed", "done", "retry", "set_aside"
FINISHED = (DONE, SET_ASIDE)
MAX_ERROR = 2000
# The longest wait between two tries of a message that cannot be judged for now (a DKIM key look-up failing).
MAX_WAIT = timedelta(hours=1)


class LostClaim(Exception):
    """Another daemon took this message over (our lease ran out): nothing of ours may be committed for it."""


@dataclass(frozen=True)
class Claimed:
    key: str
    attempts: int  # including this one
    first_seen: datetime | None = None  # when this message was first claimed


def imap_key(folder: str, uidvalidity: int, uid: int) -> str:
    return f"imap:{folder}/{uidvalidity}/{uid}"


def known(session: Session, keys: Iterable[str]) -> dict[str, IntakeRecord]:
    wanted = list(keys)
    found: dict[str, IntakeRecord] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        found.update({r.key: r for r in session.scalars(select(IntakeRecord).where(IntakeRecord.key.in_(chunk)))})
    return found


def claimable(record: IntakeRecord | None, now: datetime) -> bool:
    """Whether a daemon may claim the message now (new, a retry that is due, or a claim whose lease ran out)."""
    if record is None:
        return True
    if record.status == RETRY:
        return record.next_attempt_at is None or record.next_attempt_at <= now
    if record.status == CLAIMED:
        return record.lease_until is None or record.lease_until < now
    return False


def claim(session: Session, *, source: str, key: str, owner: str, now: datetime, lease: timedelta) -> Claimed | None:
    """Claim KEY for OWNER until now+LEASE; None when another daemon holds it or it is finished. claim_all of the
    one key: at most two statements, each built once (this runs for every message: building and keying a
    statement cost more than SQLite takes to run it)."""
    claimed = claim_all(session, source=source, keys=(key,), owner=owner, now=now, lease=lease)
    return claimed[0] if claimed else None


def claim_all(session: Session, *, source: str, keys: Iterable[str], owner: str, now: datetime,
              lease: timedelta) -> list[Claimed]:
    """claim() for each of KEYS, in their order (those another daemon holds, or finished, left out), in two
    statements for the whole batch rather than one or two for each key: the new records inserted together (the
    driver's many-rows INSERT, on_conflict_do_nothing), those already there taken over together when they may be."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return []
    until = now + lease
    connection = session.connection()
    claimed: dict[str, Claimed] = {}
    rows = [{"the_source": source, "the_key": key, "the_owner": owner, "until": until, "no_cases": [], "now": now}
            for key in keys]
    # (one key is sent as a single execute: the many-rows INSERT path costs more than it saves for one row)
    new = connection.execute(_claim_new(connection.dialect.name), rows[0] if len(rows) == 1 else rows)
    for key, attempts in new:
        claimed[key] = Claimed(key, attempts, now)
    rest = [key for key in keys if key not in claimed]
    if rest:
        for key, attempts, first_seen in connection.execute(_CLAIM_ALL_AGAIN, {
                "the_keys": rest, "the_owner": owner, "until": until, "now": now}):
            claimed[key] = Claimed(key, attempts, first_seen)
    return [claimed[key] for key in keys if key in claimed]


def _claim_new(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (key) DO NOTHING RETURNING key, attempts, for DIALECT (both spell it alike)."""
    built = _CLAIM_NEW.get(dialect)
    if built is None:
        built = _CLAIM_NEW[dialect] = (
            (postgresql.insert if dialect == "postgresql" else sqlite.insert)(IntakeRecord)
            .values(source=bindparam("the_source"), key=bindparam("the_key"), status=CLAIMED, attempts=1,
                    lease_owner=bindparam("the_owner"), lease_until=bindparam("until"),
                    case_ids=bindparam("no_cases"), created_at=bindparam("now"), updated_at=bindparam("now"))
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(IntakeRecord.key, IntakeRecord.attempts))
    return built


_CLAIM_NEW: dict[str, Any] = {}
# A record waiting for another try, or whose lease ran out, is taken over; any other is left alone.
_MAY_TAKE_OVER = or_(
    and_(IntakeRecord.status == RETRY,
         or_(IntakeRecord.next_attempt_at.is_(None), IntakeRecord.next_attempt_at <= bindparam("now"))),
    and_(IntakeRecord.status == CLAIMED, IntakeRecord.lease_until < bindparam("now")))
_TAKEN_OVER = {"status": CLAIMED, "lease_owner": bindparam("the_owner"), "lease_until": bindparam("until"),
               "attempts": IntakeRecord.attempts + 1, "updated_at": bindparam("now")}
_CLAIM_ALL_AGAIN = (update(IntakeRecord)
                    .where(IntakeRecord.key.in_(bindparam("the_keys", expanding=True)), _MAY_TAKE_OVER)
                    .values(_TAKEN_OVER)
                    .returning(IntakeRecord.key, IntakeRecord.attempts, IntakeRecord.created_at))


def complete(session: Session, *, key: str, owner: str, now: datetime, outcome: str, case_ids: Iterable[int],
             message_id: str | None, content_hash: str | None, status: str = DONE) -> None:
    """Finish OWNER's claim on KEY inside the caller's transaction (the one writing the cases); LostClaim if the
    claim is no longer ours, which must roll that transaction back. One UPDATE, built once (this runs for every
    message) and sent as it is: what the session holds still pending is written when the transaction commits."""
    matched = _COMPLETE_RUN.rowcount(session.connection(), {
        "the_key": key, "the_owner": owner, "new_status": status, "new_outcome": outcome,
        "new_case_ids": list(case_ids), "new_message_id": message_id, "new_content_hash": content_hash,
        "now": now})
    if matched != 1:
        raise LostClaim(f"{key}: the claim of {owner} was taken over")


_COMPLETE = (update(IntakeRecord)
             .where(IntakeRecord.key == bindparam("the_key"), IntakeRecord.lease_owner == bindparam("the_owner"),
                    IntakeRecord.status == CLAIMED)
             .values(status=bindparam("new_status"), outcome=bindparam("new_outcome"),
                     case_ids=bindparam("new_case_ids"), message_id=bindparam("new_message_id"),
                     content_hash=bindparam("new_content_hash"), lease_owner=None, lease_until=None,
                     last_error=None, updated_at=bindparam("now")))
_COMPLETE_RUN = Precompiled(_COMPLETE, ("the_key", "the_owner", "new_status", "new_outcome", "new_case_ids",
                                        "new_message_id", "new_content_hash", "now"))  # store/precompiled.py


def fail(session: Session, *, key: str, owner: str, now: datetime, error: str, max_attempts: int,
         retry_after: timedelta, counts: bool = True) -> str:
    """Record a failed attempt: back to RETRY with exponential backoff, or SET_ASIDE after MAX_ATTEMPTS.
    COUNTS=False (the sender could not be judged for the moment) does not bring the message nearer to being set
    aside. Returns the new status ('' when the claim was no longer ours)."""
    record = session.scalars(select(IntakeRecord).where(IntakeRecord.key == key, IntakeRecord.lease_owner == owner,
                                                        IntakeRecord.status == CLAIMED)).one_or_none()
    if record is None:
        return ""
    if not counts:
        record.attempts = max(0, record.attempts - 1)
    failures = max(1, record.attempts)
    record.status = SET_ASIDE if counts and record.attempts >= max_attempts else RETRY
    record.next_attempt_at = now + retry_after * (2 ** min(failures - 1, 10))
    record.last_error = error[:MAX_ERROR]
    record.lease_owner, record.lease_until, record.updated_at = None, None, now
    if record.status == SET_ASIDE:
        record.outcome = SET_ASIDE
    return record.status


def attach_cases(session: Session, *, key: str, case_ids: Iterable[int]) -> None:
    """Record the case(s) a set-aside message was given (its `message.unprocessable` case)."""
    session.execute(update(IntakeRecord).where(IntakeRecord.key == key).values(case_ids=list(case_ids))
                    .execution_options(synchronize_session=False))


def defer(session: Session, *, key: str, owner: str, now: datetime, error: str, retry_after: timedelta,
          give_up_after: timedelta) -> str:
    """Record that the message cannot be judged for now (a key look-up failed): back to RETRY, not counted
    towards setting it aside, after a wait that grows with the time since it was first seen (RETRY_AFTER at
    first, then about as long again as it has waited, at most MAX_WAIT), and never past GIVE_UP_AFTER from its
    first sighting, when it is judged without waiting any more. Returns the new status ('' when not ours)."""
    record = session.scalars(select(IntakeRecord).where(IntakeRecord.key == key, IntakeRecord.lease_owner == owner,
                                                        IntakeRecord.status == CLAIMED)).one_or_none()
    if record is None:
        return ""
    record.attempts = max(0, record.attempts - 1)  # this claim's try was not a failure of the message's own
    waited = now - record.created_at
    wait = min(max(retry_after, waited), MAX_WAIT)
    record.status, record.next_attempt_at = RETRY, min(now + wait, max(now, record.created_at + give_up_after))
    record.last_error = error[:MAX_ERROR]
    record.lease_owner, record.lease_until, record.updated_at = None, None, now
    return record.status


def release(session: Session, *, key: str, owner: str, now: datetime) -> None:
    """Give back OWNER's claim on KEY untouched: due again at once, the attempt not counted."""
    session.execute(update(IntakeRecord)
                    .where(IntakeRecord.key == key, IntakeRecord.lease_owner == owner, IntakeRecord.status == CLAIMED)
                    .values(status=RETRY, next_attempt_at=now, attempts=IntakeRecord.attempts - 1, lease_owner=None,
                            lease_until=None, updated_at=now)
                    .execution_options(synchronize_session=False))


def earlier_sighting(session: Session, *, source: str, key: str, message_id: str | None,
                     content_hash: str) -> IntakeRecord | None:
    """A finished record of the same message under another key (e.g. before a UIDVALIDITY change): the same bytes,
    or the same Message-ID in the same mailbox."""
    found = earlier_sightings(session, source=source, messages={key: (message_id, content_hash)})
    return found.get(key)


def earlier_sightings(session: Session, *, source: str, messages: dict[str, tuple[str | None, str]]
                      ) -> dict[str, IntakeRecord]:
    """earlier_sighting for a batch: MESSAGES maps key -> (message_id, content_hash); one query."""
    if not messages:
        return {}
    hashes = {h for _, h in messages.values()}
    ids = {m for m, _ in messages.values() if m}
    same: ColumnElement[bool] = IntakeRecord.content_hash.in_(hashes)
    if ids:
        same = or_(same, IntakeRecord.message_id.in_(ids))
    rows = list(session.scalars(select(IntakeRecord).where(
        IntakeRecord.source == source, IntakeRecord.status.in_(FINISHED), same).order_by(IntakeRecord.id)))
    found: dict[str, IntakeRecord] = {}
    for key, (message_id, content_hash) in messages.items():
        for row in rows:
            if row.key == key:
                continue
            if row.content_hash == content_hash or (message_id and row.message_id == message_id
                                                    and _other_epoch(row.key, key)):
                found[key] = row
                break
    return found


def _other_epoch(earlier: str, current: str) -> bool:
    """Whether two IMAP keys are from different UIDVALIDITY epochs of one folder. Only then does a Message-ID
    alone say "the same message": within one epoch, another UID with that Message-ID is another delivery, which
    the pipeline records as a duplicate (a case, no reply) rather than silently passing over it."""
    if not (earlier.startswith("imap:") and current.startswith("imap:")):
        return False
    return earlier.rsplit("/", 2)[0] == current.rsplit("/", 2)[0] and earlier.rsplit("/", 1)[0] != current.rsplit(
        "/", 1)[0]


def mark_cleaned(session: Session, keys: Iterable[str], now: datetime) -> None:
    wanted = list(keys)
    if wanted:
        session.execute(update(IntakeRecord).where(IntakeRecord.key.in_(wanted))
                        .values(cleaned_at=now).execution_options(synchronize_session=False))


def release_expired(session: Session, now: datetime) -> int:
    """Housekeeping: claims whose lease ran out (their daemon died) go back to RETRY, due at once."""
    result = session.execute(update(IntakeRecord)
                             .where(IntakeRecord.status == CLAIMED, IntakeRecord.lease_until < now)
                             .values(status=RETRY, next_attempt_at=now, lease_owner=None, lease_until=None,
                                     updated_at=now)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def record_poll(session: Session, *, mailbox: str, uidvalidity: int | None, last_uid: int, now: datetime) -> bool:
    """Remember what a poll saw; True when UIDVALIDITY changed since the last one (UIDs mean other messages now)."""
    state = session.get(MailboxState, mailbox, with_for_update=True)
    if state is None:
        session.add(MailboxState(mailbox=mailbox, uidvalidity=uidvalidity, last_uid=last_uid, last_poll_at=now))
        return False
    changed = state.uidvalidity is not None and uidvalidity is not None and state.uidvalidity != uidvalidity
    if changed:
        state.last_uid = 0
    state.uidvalidity = uidvalidity
    state.last_uid = max(state.last_uid, last_uid)
    state.last_poll_at = now
    return changed


# How stale the mailbox's row may grow while its polls see nothing new of it (its last_poll_at and last_uid say
# when the mailbox was last polled and how far, to a person looking; the daemon's health is its own gauge).
POLL_RECORDED_EVERY = timedelta(minutes=1)


@dataclass
class PollRecorder:
    """record_poll for one daemon's polls of MAILBOX, in a transaction of its own, when there is something to
    record: the first poll, another UIDVALIDITY than the one last written, or a row older than EVERY. Any other
    poll writes nothing (the daemon polls again at once after one that handled mail: a write each time was one or
    two commits a message more at 20 messages a second). Returns record_poll's answer (False when not written:
    the UIDVALIDITY this daemon last wrote, so not another)."""

    mailbox: str
    every: timedelta = POLL_RECORDED_EVERY
    _written: tuple[int | None, datetime] | None = None  # the UIDVALIDITY last written, and when

    def __call__(self, sessions: sessionmaker[Session], *, uidvalidity: int | None, last_uid: int,
                 now: datetime) -> bool:
        if self._written is not None and self._written[0] == uidvalidity and (
                timedelta(0) <= now - self._written[1] < self.every):
            return False
        with transaction(sessions) as session:
            changed = record_poll(session, mailbox=self.mailbox, uidvalidity=uidvalidity, last_uid=last_uid,
                                  now=now)
        self._written = (uidvalidity, now)
        return changed


def counts_by_status(session: Session) -> dict[str, int]:
    """How many messages intake knows, by status (claimed, retry, done, set_aside)."""
    return {status: n for status, n in session.execute(
        select(IntakeRecord.status, func.count()).group_by(IntakeRecord.status))}


def attempts(session: Session, key: str) -> int:
    """How many times the message under KEY was tried."""
    return session.scalars(select(IntakeRecord.attempts).where(IntakeRecord.key == key)).one()
