"""The intake records on both databases: claims and leases, a take-over that makes the slow daemon's commit fail,
retries with backoff, set-aside, and what counts as the same message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event, func, select

from mailbot.config_sections import DaemonSection, FoldersSection
from mailbot.intake.worker import IntakeWorker
from store import intake
from store.db import sessions, transaction
from store.models import Case, IntakeRecord, MailboxState
from tests.support.daemon_setup import sample_message
from tests.support.simple_handler import SimpleHandler

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _worker(engine: Engine, owner: str, clock: Clock) -> IntakeWorker:
    factory = sessions(engine)
    return IntakeWorker(sessions=factory, handler=SimpleHandler(factory), source="imap:INBOX", owner=owner,
                        daemon=DaemonSection(lease_seconds=60, retry_seconds=10, max_attempts=3),
                        folders=FoldersSection(), clock=clock)


def test_a_claim_is_exclusive_until_its_lease_runs_out_and_the_slow_daemon_then_commits_nothing(
        engine: Engine) -> None:
    clock = Clock()
    slow, fast = _worker(engine, "slow", clock), _worker(engine, "fast", clock)
    key = intake.imap_key("INBOX", 7, 1)
    assert slow.claim([key]) == {key: 1}
    assert fast.claim([key]) == {}
    clock.now = NOW + LEASE + timedelta(seconds=1)
    assert fast.claim([key]) == {key: 2}
    raw = sample_message(1)
    assert slow.process(key, raw, 1) is None  # its transaction rolled back: LostClaim
    assert fast.process(key, raw, 2) == "Approved"
    with sessions(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
        assert session.scalars(select(IntakeRecord.status)).one() == "done"


def test_a_batch_is_claimed_in_two_statements_whatever_its_size(engine: Engine) -> None:
    """New messages inserted together, those already known taken over together where they may be: a batch of
    fifty costs what a batch of one does (each statement a round trip on PostgreSQL), in the batch's order."""
    clock = Clock()
    first, second = _worker(engine, "first", clock), _worker(engine, "second", clock)
    keys = [intake.imap_key("INBOX", 7, uid) for uid in range(1, 51)]
    earlier, later = keys[10:20], keys[20:30]
    assert first.claim(earlier) == dict.fromkeys(earlier, 1)
    clock.now = NOW + LEASE / 2
    assert first.claim(later) == dict.fromkeys(later, 1)
    clock.now = NOW + LEASE + timedelta(seconds=1)  # the earlier claims' leases ran out, the later ones' did not
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.startswith("BEGIN"):  # (SQLite's BEGIN IMMEDIATE)
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        claimed = second.claim(keys)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 2
    assert list(claimed) == keys[:10] + earlier + keys[30:]
    assert claimed == {**dict.fromkeys(keys[:10], 1), **dict.fromkeys(earlier, 2), **dict.fromkeys(keys[30:], 1)}
    assert second.claim(keys) == {}  # all held now, by the one or the other


def test_failures_back_off_then_set_the_message_aside(engine: Engine) -> None:
    clock = Clock()
    worker = _worker(engine, "me", clock)
    key = intake.imap_key("INBOX", 7, 1)
    raw = sample_message(1, subject="Always [fail]")
    waits = []
    for attempt in range(1, 4):
        assert worker.claim([key]) == {key: attempt}
        folder = worker.process(key, raw, attempt)
        with sessions(engine)() as session:
            record = session.scalars(select(IntakeRecord)).one()
        if attempt < 3:
            assert folder is None and record.status == "retry"
            assert worker.claim([key]) == {}  # not due yet
            waits.append(record.next_attempt_at - clock.now)
            clock.now = record.next_attempt_at
        else:
            assert folder == "Set-aside" and record.status == "set_aside"
    assert waits == [timedelta(seconds=10), timedelta(seconds=20)]


def test_a_temporary_failure_is_retried_without_counting_towards_set_aside(engine: Engine) -> None:
    clock = Clock()
    worker = _worker(engine, "me", clock)
    key = intake.imap_key("INBOX", 7, 1)
    for _ in range(5):
        attempts = worker.claim([key])[key]
        assert worker.process(key, sample_message(1, subject="DNS [later]"), attempts) is None
        with sessions(engine)() as session:
            record = session.scalars(select(IntakeRecord)).one()
        assert record.status == "retry" and record.attempts == 0
        clock.now = record.next_attempt_at


@pytest.mark.parametrize(("earlier_key", "matches"), [
    ("imap:INBOX/6/1", True),    # another UIDVALIDITY of the same folder: the same message
    ("imap:INBOX/7/2", False),   # another UID in the same epoch: another delivery, for the pipeline to judge
    ("imap:Other/6/1", False),
])
def test_a_message_id_alone_matches_only_across_uidvalidity_epochs(engine: Engine, earlier_key: str,
                                                                   matches: bool) -> None:
    with transaction(sessions(engine)) as session:
        session.add(IntakeRecord(source="imap:INBOX", key=earlier_key, message_id="<m@x>", content_hash="a" * 64,
                                 status="done", outcome="approved", attempts=1, case_ids=[], created_at=NOW,
                                 updated_at=NOW))
    with sessions(engine)() as session:
        found = intake.earlier_sightings(session, source="imap:INBOX",
                                         messages={"imap:INBOX/7/1": ("<m@x>", "b" * 64)})
        same_bytes = intake.earlier_sightings(session, source="imap:INBOX",
                                              messages={"imap:INBOX/7/1": (None, "a" * 64)})
    assert ("imap:INBOX/7/1" in found) is (matches and earlier_key.startswith("imap:INBOX"))
    assert "imap:INBOX/7/1" in same_bytes or earlier_key.startswith("imap:Other")


def test_a_message_whose_every_try_is_cut_off_becomes_an_unprocessable_case(engine: Engine) -> None:
    """A message that kills the daemon (or hangs past its lease) each time is never finished by fail(): after
    [daemon] max_attempts claims it is set aside as a `message.unprocessable` case, not tried forever."""
    clock = Clock()
    worker = _worker(engine, "me", clock)
    key = intake.imap_key("INBOX", 7, 1)
    raw = sample_message(1)
    for attempt in range(1, 4):  # claimed, then the daemon dies: the lease runs out
        assert worker.claim([key]) == {key: attempt}
        clock.now += LEASE + timedelta(seconds=1)
    attempts = worker.claim([key])[key]
    assert attempts == 4
    assert worker.process(key, raw, attempts) == "Set-aside"
    with sessions(engine)() as session:
        record = session.scalars(select(IntakeRecord)).one()
        case = session.scalars(select(Case)).one()
        assert record.status == "set_aside" and record.case_ids == [case.id]
        assert case.reasons == ["message.unprocessable"] and case.needs_review and case.outcome == "flagged"
        assert "cut off 3 times" in case.fields["unprocessable"]["error"]
        assert case.message is not None and case.message.raw == raw


def test_a_poll_that_changes_nothing_writes_nothing(engine: Engine) -> None:
    """The mailbox's row is written on the first poll, on another UIDVALIDITY, and when a minute old; a poll
    seeing nothing new of it (however much mail it handles) costs no transaction."""
    factory = sessions(engine)
    polls = intake.PollRecorder("imap:INBOX")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(str(args[2])))

    def poll(uidvalidity: int, last_uid: int, at: datetime) -> tuple[bool, int]:
        statements.clear()
        changed = polls(factory, uidvalidity=uidvalidity, last_uid=last_uid, now=at)
        return changed, len(statements)

    def row() -> tuple[int | None, int, datetime | None]:
        with factory() as session:
            state = session.get(MailboxState, "imap:INBOX")
            assert state is not None
            return state.uidvalidity, state.last_uid, state.last_poll_at

    assert poll(5, 10, NOW)[0] is False
    assert row() == (5, 10, NOW)
    assert poll(5, 12, NOW + timedelta(seconds=1)) == (False, 0)  # new mail: nothing kept of it changed
    assert poll(5, 12, NOW + timedelta(seconds=59)) == (False, 0)
    assert row() == (5, 10, NOW)
    changed, written = poll(5, 14, NOW + timedelta(seconds=60))  # a minute on: written again
    assert changed is False and written > 0
    assert row() == (5, 14, NOW + timedelta(seconds=60))
    assert poll(6, 1, NOW + timedelta(seconds=61))[0] is True  # another UIDVALIDITY: written at once, and told
    assert row() == (6, 1, NOW + timedelta(seconds=61))
    assert poll(6, 1, NOW + timedelta(seconds=62)) == (False, 0)
    assert poll(6, 1, NOW)[1] > 0  # the clock went back: written (never a row left older than a minute)
    other = intake.PollRecorder("imap:INBOX")  # another daemon (or this one started again) writes on its first poll
    assert other(factory, uidvalidity=5, last_uid=3, now=NOW + timedelta(seconds=63)) is True
