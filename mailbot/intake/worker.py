"""The part of intake every source shares: decide which messages to work on, claim them, hand each to the
pipeline, and say where each should be moved afterwards.

Sources (IMAP, Maildir) only list, fetch and move; every decision about a message is made here, against the
store, so that crashes, restarts, replicas and UIDVALIDITY changes are handled the same way for both.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session, sessionmaker

from mailbot.config_sections import DaemonSection, FoldersSection
from mailbot.intake.heartbeat import claim_lease
from mailbot.intake.recording_group import NO_GROUP, NoGroup, Recorded, RecordingGroup
from mailbot.metrics import METRICS
from mailbot.processing.contract import (
    Handler,
    HandleResult,
    IntakeClaim,
    TryLater,
    content_hash,
    header_message_id,
)
from mailbot.processing.over_limit import OverLimit
from mailbot.processing.record import RegisterMoved
from mailbot.processing.unprocessable import describe_failure, record_unprocessable, redact
from store import intake
from store.db import reading, transaction
from store.models import IntakeRecord

log = logging.getLogger(__name__)


@dataclass
class _InHand:
    """A message of a batch begun: its bytes, its claim, and its reading ahead (None: nothing to read)."""

    raw: bytes
    claim: IntakeClaim
    reading: Future[Callable[[], HandleResult]] | None


def _read(hand: _InHand | None) -> bool:
    """Whether HAND's reading ahead has finished (its recording can begin at once)."""
    return hand is not None and hand.reading is not None and hand.reading.done()


class HandlingCutOff(Exception):
    """A message whose every try ended without a result (a crash or a hang that killed the daemon each time)."""


@dataclass
class Triage:
    """What to do with the messages a source lists: move the finished ones, work on the claimable ones."""

    cleanup: dict[str, str] = field(default_factory=dict)  # key -> folder
    candidates: list[str] = field(default_factory=list)
    waiting: int = 0  # held by another daemon, or a retry not yet due


@dataclass
class IntakeWorker:
    sessions: sessionmaker[Session]
    handler: Handler
    source: str  # the mailbox, e.g. "imap:INBOX"
    owner: str  # this daemon, e.g. host:pid:random
    daemon: DaemonSection
    folders: FoldersSection
    clock: Callable[[], datetime]
    # Called after each message is recorded (the daemon wakes the outbox sender: a reply need not wait for the
    # rest of its batch).
    after_message: Callable[[], None] = lambda: None
    # How long a message whose sender cannot be judged for now (DNS) may wait from its first sighting: then it is
    # judged without the key it waits for ([auth] dns_give_up_hours).
    give_up_after: timedelta = timedelta(hours=24)
    # The config's secrets, never written into an error kept on a record or a case (mailbot.config.secret_values).
    secrets: tuple[str, ...] = ()
    _first_seen: dict[str, datetime] = field(default_factory=dict, init=False, repr=False)
    # Bumped when the heartbeat finds this daemon was taken for dead: claims made before then are not ours any more.
    _epoch: int = field(default=0, init=False, repr=False)

    def claims_lost(self) -> None:
        """Another daemon took this one for dead and took its claims: messages of a batch not yet begun are left
        to it (those in hand end in LostClaim when they try to commit)."""
        self._epoch += 1

    def folder_for(self, status: str, outcome: str | None) -> str:
        if status == intake.SET_ASIDE:
            return self.folders.set_aside
        return self.folders.for_outcome(outcome or "flagged")

    def _reading(self) -> Session:
        """A session for reading only (store.db.reading): on SQLite a deferred transaction, which never waits for
        the writer; on PostgreSQL no transaction."""
        return Session(reading(self.sessions.kw["bind"]))

    def triage(self, keys: Iterable[str]) -> Triage:
        keys = list(keys)
        now = self.clock()
        with self._reading() as session:
            found = intake.known(session, keys)
        result = Triage()
        for key in keys:
            record = found.get(key)
            if record is not None and record.status in intake.FINISHED:
                result.cleanup[key] = self.folder_for(record.status, record.outcome)
            elif intake.claimable(record, now):
                result.candidates.append(key)
            else:
                result.waiting += 1
        return result

    def claim(self, keys: Iterable[str]) -> dict[str, int]:
        """Claim KEYS for this daemon in one short transaction; returns the claimed ones with their attempt."""
        now = self.clock()
        lease = claim_lease(self.daemon)
        claimed: dict[str, int] = {}
        with transaction(self.sessions) as session:
            for got in intake.claim_all(session, source=self.source, keys=keys, owner=self.owner, now=now,
                                        lease=lease):
                claimed[got.key] = got.attempts
                if got.first_seen is not None:
                    self._first_seen[got.key] = got.first_seen
        return claimed

    def process_batch(self, claimed: dict[str, int], raws: dict[str, bytes], stop: threading.Event, *,
                      over_limit: Mapping[str, OverLimit] | None = None) -> dict[str, str | None]:
        """process() each message of RAWS in order; when STOP is set, the message in hand is finished and the
        rest are given back. Returns the folder for each message handled (None: leave it where it is).
        OVER_LIMIT: for a message of which RAWS holds only the first part, what its whole said.

        While one message is recorded, up to [daemon] read_ahead of the next are understood and their forms read
        by [daemon] workers threads: that work only reads, so each message is still recorded in order, alone, in
        one transaction with its claim; one read ahead but not recorded when STOP is set (or the daemon dies) has
        left nothing behind and is simply given back (or taken over). Each message is taken out of RAWS as it is
        begun, so that its bytes are let go once it is handled, not at the batch's end.

        Consecutive messages read ahead are recorded in one transaction, up to [daemon] group_commit of them, each
        in a savepoint (mailbot.intake.recording_group): each message's folder (and after_message) only once its
        group is committed."""
        over_limit = over_limit or {}
        identities = {key: (header_message_id(raw), content_hash(raw)) for key, raw in raws.items()}
        with self._reading() as session:
            earlier = intake.earlier_sightings(session, source=self.source, messages=identities)
        keys = list(raws)
        epoch = self._epoch
        ahead = self.daemon.read_ahead if len(keys) > 1 else 0
        results: dict[str, str | None] = {}
        not_started: list[str] = []
        group = self._group(results) if ahead else NO_GROUP
        with ThreadPoolExecutor(max(1, self.daemon.workers) if ahead else 1, thread_name_prefix="read-ahead") as pool:
            reads: dict[str, _InHand] = {}

            def begin(key: str) -> None:
                """KEY taken out of RAWS, its reading started in POOL unless nothing need be read (cut off, or
                handled before)."""
                raw = raws.pop(key)
                claim = self._claim(key, raw, claimed[key], identities[key], over_limit.get(key))
                reading = None
                if claimed[key] <= self.daemon.max_attempts and earlier.get(key) is None:
                    reading = pool.submit(self._reader, raw, claim)
                reads[key] = _InHand(raw, claim, reading)

            try:
                for index, key in enumerate(keys):
                    if not _read(reads.get(key)):
                        group.commit()  # never holding the write lock while a reading is waited for (or stopping)
                    if stop.is_set():  # not recorded: given back below (any reading ahead is let go)
                        not_started.extend(keys[index:])
                        break
                    if self._epoch != epoch:  # taken over by another daemon meanwhile: theirs now, left there
                        group.commit()  # (those recorded commit, or end in LostClaim)
                        log.warning("%s: this daemon's claims were taken over; leaving it to the others", key)
                        results[key] = None
                        continue
                    for later in keys[index:index + ahead + 1]:
                        if later not in reads and not stop.is_set():
                            begin(later)
                    if key not in reads:
                        not_started.extend(keys[index:])
                        break
                    hand = reads.pop(key)
                    if not _read(hand):
                        group.commit()  # (begun just now)
                    results[key] = self.process(key, hand.raw, claimed[key], identity=identities[key],
                                                earlier=earlier.get(key), checked=True,
                                                over_limit=over_limit.get(key), claim=hand.claim,
                                                reading=hand.reading, group=group)
                    if not group.holds(key):
                        self.after_message()
                    elif group.full:
                        group.commit()
                group.commit()
            finally:
                group.abandon()  # (only when an exception ended the batch: committed above otherwise)
                for hand in reads.values():  # read ahead, never recorded: nothing to undo
                    if hand.reading is not None:
                        hand.reading.cancel()
        if not_started:
            self.release(not_started)
        return results

    def _group(self, results: dict[str, str | None]) -> RecordingGroup | NoGroup:
        """A group for the batch's recordings, acting on each message in RESULTS once it is committed; NO_GROUP when
        each message is to be recorded alone ([daemon] group_commit 1, or a handler that cannot join a group)."""
        if self.daemon.group_commit <= 1 or not getattr(self.handler, "records_in_group", False):
            return NO_GROUP

        def committed(members: list[Recorded]) -> None:
            for member in members:
                results[member.key] = self._recorded(member.result)
                self.after_message()

        def failed(members: list[Recorded], exc: Exception) -> None:
            for member in members:
                results[member.key] = self.process_failure(member.key, exc, raw=member.raw, identity=member.identity)
                self.after_message()

        return RecordingGroup(self.sessions, self.daemon.group_commit, committed, failed)

    def _recorded(self, result: HandleResult) -> str:
        """The folder for a message whose recording committed, counted."""
        METRICS.cases.labels(outcome=result.outcome).inc()
        return self.folders.for_outcome(result.outcome)

    @property
    def _reader(self) -> Callable[[bytes, IntakeClaim], Callable[[], HandleResult]]:
        """The handler's first step (see ReadsAhead); for a handler without one, everything in the second."""
        staged = getattr(self.handler, "read_ahead", None)
        if staged is not None:
            return staged
        return lambda raw, claim: partial(self.handler, raw, claim)

    def _claim(self, key: str, raw: bytes, attempts: int, identity: tuple[str | None, str] | None,
               over_limit: OverLimit | None) -> IntakeClaim:
        now = self.clock()
        message_id, digest = identity or (header_message_id(raw), content_hash(raw))
        return IntakeClaim(key=key, source=self.source, owner=self.owner, now=now, message_id=message_id,
                           content_hash=digest, attempts=attempts, give_up_waiting=self._give_up_waiting(key, now),
                           over_limit=over_limit)

    def process(self, key: str, raw: bytes, attempts: int, *, identity: tuple[str | None, str] | None = None,
                earlier: IntakeRecord | None = None, checked: bool = False, over_limit: OverLimit | None = None,
                claim: IntakeClaim | None = None, reading: Future[Callable[[], HandleResult]] | None = None,
                group: RecordingGroup | NoGroup = NO_GROUP) -> str | None:
        """Handle one claimed message; the folder to move it to, or None to leave it where it is for now.
        CHECKED says EARLIER was already looked up (by process_batch); OVER_LIMIT, when RAW is only the first part
        of a message over the size limit, what its whole said. CLAIM and READING: the message's claim and its
        reading ahead, when process_batch began them (the reading's failure is this message's, handled here). GROUP:
        the batch's group, which a message read ahead joins (recorded in its transaction, its folder left to the
        group's commit: None returned here) and which is committed before anything else opens a transaction."""
        claim = claim or self._claim(key, raw, attempts, identity, over_limit)
        now, message_id, digest = claim.now, claim.message_id, claim.content_hash
        try:
            if not checked:
                with self._reading() as session:
                    earlier = intake.earlier_sighting(session, source=self.source, key=key,
                                                      message_id=message_id, content_hash=digest)
            if attempts > self.daemon.max_attempts or earlier is not None:
                group.commit()
            if attempts > self.daemon.max_attempts:  # every earlier try was cut off: the daemon died or overran
                return self.process_failure(key, HandlingCutOff(
                    f"handling this message was cut off {attempts - 1} times (the daemon stopped, or overran its "
                    "lease, before finishing it)"), raw=raw, identity=(message_id, digest))
            if earlier is not None:  # e.g. after a UIDVALIDITY change: handled before, never answered again
                with transaction(self.sessions) as session:
                    intake.complete(session, key=key, owner=self.owner, now=now, outcome=earlier.outcome or "",
                                    case_ids=earlier.case_ids, message_id=message_id, content_hash=digest,
                                    status=earlier.status)
                METRICS.rematched.inc()
                return self.folder_for(earlier.status, earlier.outcome)
            recording = reading.result() if reading is not None else self._reader(raw, claim)
            if isinstance(group, RecordingGroup) and reading is not None:
                try:
                    in_group = group.record(recording)  # type: ignore[arg-type]  # (records_in_group: see _group)
                except RegisterMoved:  # understood again on the store as committed: the group's messages in it
                    group.commit()
                    result = recording()
                else:
                    group.add(Recorded(key, raw, (message_id, digest), in_group))
                    return None
            else:
                group.commit()  # (recorded in a transaction of its own: never beside the group's)
                result = recording()
        except intake.LostClaim:
            group.commit()  # its savepoint rolled back; those before it still commit
            log.warning("%s: another daemon took this message over; leaving it to them", key)
            return None
        except Exception as exc:  # noqa: BLE001 - one bad message must never stop the others
            group.commit()  # its savepoint rolled back; those before it commit before its failure is kept
            if isinstance(exc, TryLater):
                self.wait_for_key(key, exc)
                return None
            return self.process_failure(key, exc, raw=raw, identity=(message_id, digest))
        return self._recorded(result)

    def _give_up_waiting(self, key: str, now: datetime) -> str:
        first = self._first_seen.pop(key, None)
        if first is None or now - first < self.give_up_after:
            return ""
        hours = self.give_up_after.total_seconds() / 3600
        return (f"gave up waiting for a DKIM key after {hours:g} hours of failed look-ups (first seen "
                f"{first:%d/%m/%Y %H:%M} UTC)")

    def wait_for_key(self, key: str, exc: Exception) -> None:
        """KEY's sender cannot be judged for now (a DKIM key look-up failed): try again after a longer wait each
        time, never past give_up_after from its first sighting; not a failure of the message's own."""
        error = describe_failure(exc, self.secrets)
        with transaction(self.sessions) as session:
            intake.defer(session, key=key, owner=self.owner, now=self.clock(), error=error,
                         retry_after=timedelta(seconds=self.daemon.retry_seconds), give_up_after=self.give_up_after)
        log.info("%s: not decided now, will try again: %s", key, error)

    def process_failure(self, key: str, exc: Exception, *, raw: bytes | None = None,
                        identity: tuple[str | None, str] | None = None) -> str | None:
        """Record a failed attempt at KEY; the set-aside folder when it has now failed too often, and then (given
        RAW) its `message.unprocessable` case for staff, in the same transaction: nothing is dropped without a
        case."""
        later = isinstance(exc, TryLater)
        error = describe_failure(exc, self.secrets)
        with transaction(self.sessions) as session:
            status = intake.fail(session, key=key, owner=self.owner, now=self.clock(), error=error,
                                 max_attempts=self.daemon.max_attempts,
                                 retry_after=timedelta(seconds=self.daemon.retry_seconds), counts=not later)
            if status == intake.SET_ASIDE and raw is not None:
                message_id, digest = identity or (header_message_id(raw), content_hash(raw))
                attempts = intake.attempts(session, key)
                case = record_unprocessable(session, raw=raw, source=key, now=self.clock(), error=error,
                                            attempts=attempts, message_id=message_id, content_hash=digest)
                intake.attach_cases(session, key=key, case_ids=[case.id])
                reference = case.reference
        if later:
            log.info("%s: not decided now, will try again: %s", key, error)
            return None
        METRICS.errors.labels(kind="message").inc()
        log.error("%s: handling failed (%s): %s\n%s", key, status or "taken over", error,
                  redact("".join(traceback.format_exception(exc)), self.secrets))
        if status == intake.SET_ASIDE:
            if raw is not None:
                METRICS.cases.labels(outcome="flagged").inc()
                log.error("%s: set aside after %d attempts as %s (message.unprocessable)", key,
                          self.daemon.max_attempts, reference)
            return self.folders.set_aside
        return None

    def release(self, keys: Iterable[str]) -> None:
        """Give back claims not worked on (the daemon is stopping): due again at once, no attempt counted."""
        with transaction(self.sessions) as session:
            for key in keys:
                intake.release(session, key=key, owner=self.owner, now=self.clock())

    def cleaned(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if keys:
            with transaction(self.sessions) as session:
                intake.mark_cleaned(session, keys, self.clock())
