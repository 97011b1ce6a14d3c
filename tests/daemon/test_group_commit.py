"""Group commit ([daemon] group_commit, mailbot/intake/recording_group.py) on both databases: consecutive messages
of a batch recorded in one transaction, one COMMIT for them all; a message that fails in the middle rolls back its
savepoint alone and is handled as a failure; a reading not finished ends the group before it is waited for. The
commits are counted on the engine (SQLAlchemy's commit event), not timed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, update

from mailbot.config_sections import DaemonSection, FoldersSection
from mailbot.intake.worker import IntakeWorker
from mailbot.processing.contract import HandleResult, IntakeClaim
from store import intake
from store.db import sessions, transaction
from store.models import Case, IntakeRecord, OutboxMessage, StoredMessage
from tests.support.daemon_setup import sample_message
from tests.support.simple_handler import SimpleHandler

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
WAIT = 30.0  # seconds: reached only when the group is not committed before a reading is waited for (a failure)


@contextmanager
def case_commits(engine: Engine) -> Iterator[list[int]]:
    """The cases written by each transaction committed meanwhile that wrote any (one entry a COMMIT)."""
    commits: list[int] = []

    def writing(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CASES"):
            conn.info["cases_written"] = conn.info.get("cases_written", 0) + 1

    def committing(conn: Any) -> None:
        written = conn.info.pop("cases_written", 0)
        if written:
            commits.append(written)

    def rolling_back(conn: Any) -> None:
        conn.info.pop("cases_written", None)

    event.listen(engine, "before_cursor_execute", writing)
    event.listen(engine, "commit", committing)
    event.listen(engine, "rollback", rolling_back)
    try:
        yield commits
    finally:
        event.remove(engine, "before_cursor_execute", writing)
        event.remove(engine, "commit", committing)
        event.remove(engine, "rollback", rolling_back)


def _worker(engine: Engine, handler: Any = None, **daemon: Any) -> IntakeWorker:
    factory = sessions(engine)
    return IntakeWorker(sessions=factory, handler=handler or SimpleHandler(factory), source="imap:INBOX",
                        owner="me", daemon=DaemonSection(**{"workers": 2, "read_ahead": 2, "max_attempts": 3,
                                                            **daemon}),
                        folders=FoldersSection(), clock=lambda: NOW)


def _claimed(worker: IntakeWorker, count: int) -> dict[str, int]:
    keys = [intake.imap_key("INBOX", 7, uid) for uid in range(1, count + 1)]
    claimed = worker.claim(keys)
    assert list(claimed) == keys
    return claimed


def _batch(worker: IntakeWorker, raws: list[bytes],
           claimed: dict[str, int] | None = None) -> tuple[list[str], dict[str, str | None]]:
    claimed = claimed or _claimed(worker, len(raws))
    keys = list(claimed)
    return keys, worker.process_batch(claimed, dict(zip(keys, raws, strict=True)), threading.Event())


def _recorded(engine: Engine) -> tuple[list[str], dict[str, IntakeRecord]]:
    """The keys whose messages have a case, in the cases' order, and every intake record."""
    with sessions(engine)() as session:
        order = list(session.scalars(select(StoredMessage.source).join(Case, Case.message_row_id == StoredMessage.id)
                                     .order_by(Case.id)))
        records = {r.key: r for r in session.scalars(select(IntakeRecord))}
        session.expunge_all()
    return order, records


def test_a_group_records_several_messages_with_one_commit_and_after_it_wakes_the_sender(engine: Engine) -> None:
    worker = _worker(engine, group_commit=4)
    woken: list[int] = []
    worker.after_message = lambda: woken.append(len(commits))
    with case_commits(engine) as commits:
        keys, folders = _batch(worker, [sample_message(n) for n in range(10)])

    assert sum(commits) == 10 and max(commits) == 4 and len(commits) < 10  # 4 a COMMIT at most, several in each
    assert folders == dict.fromkeys(keys, "Approved")
    order, records = _recorded(engine)
    assert order == keys  # in order
    assert all(records[k].status == intake.DONE for k in keys)
    # Woken once a message, each time after the COMMIT that recorded it.
    assert len(woken) == 10 and woken == sorted(woken) and woken[0] >= 1


def test_group_commit_1_is_one_commit_a_message(engine: Engine) -> None:
    with case_commits(engine) as commits:
        _batch(_worker(engine, group_commit=1), [sample_message(n) for n in range(5)])
    assert commits == [1] * 5


def test_a_message_failing_in_the_middle_of_a_group_leaves_the_others_recorded_and_is_a_failure(
        engine: Engine) -> None:
    """The third message fails after writing its case (in its savepoint): only that is rolled back; the two before
    it commit, it is retried later as any failed message is, and the two after it are recorded too."""
    raws = [sample_message(n, subject="Broken [fail late]" if n == 2 else None) for n in range(5)]
    with case_commits(engine) as commits:
        keys, folders = _batch(_worker(engine, group_commit=8), raws)

    assert len(commits) == 2  # the two before it, then the two after it (the third's case written, rolled back)
    assert folders == {**dict.fromkeys(keys, "Approved"), keys[2]: None}
    order, records = _recorded(engine)
    assert order == keys[:2] + keys[3:]
    assert records[keys[2]].status == intake.RETRY and records[keys[2]].attempts == 1
    assert "fails after writing" in (records[keys[2]].last_error or "")
    with sessions(engine)() as session:  # nothing of it kept: its message row and reply rolled back with its case
        assert session.scalar(select(StoredMessage).where(StoredMessage.source == keys[2])) is None
        assert len(session.scalars(select(OutboxMessage)).all()) == 4


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_statement_queued_in_a_messages_savepoint_failing_on_the_server_fails_that_message_alone(
        engine: Engine, where: str) -> None:
    """On PostgreSQL a statement whose result nobody reads is queued (store/pg_pipeline.py), the SAVEPOINT too: the
    third message's failing statement travels with its SAVEPOINT ("first": its error heard of at its next statement
    waited for) or after its last ("last": heard of at its RELEASE); either way inside its savepoint, which rolls
    back alone: it is the failure, the two before it commit and the two after it are recorded."""
    raws = [sample_message(n, subject=f"Broken [fail queued {where}]" if n == 2 else None) for n in range(5)]
    with case_commits(engine) as commits:
        keys, folders = _batch(_worker(engine, group_commit=8), raws)

    assert len(commits) == 2  # the two before it, then the two after it
    assert folders == {**dict.fromkeys(keys, "Approved"), keys[2]: None}
    order, records = _recorded(engine)
    assert order == keys[:2] + keys[3:]
    assert records[keys[2]].status == intake.RETRY and records[keys[2]].attempts == 1
    assert "message_row_id" in (records[keys[2]].last_error or "")
    assert all(records[k].status == intake.DONE for k in keys if k != keys[2])
    with sessions(engine)() as session:  # nothing of it kept
        assert session.scalar(select(StoredMessage).where(StoredMessage.source == keys[2])) is None
        assert len(session.scalars(select(OutboxMessage)).all()) == 4


def test_the_first_message_of_a_group_failing_leaves_nothing_of_it_and_the_rest_recorded(engine: Engine) -> None:
    """The first message of a group is recorded without a savepoint (contract.FIRST_IN_GROUP): failing after
    writing its case, the group's transaction (holding nothing else) is rolled back, and the next begins another."""
    raws = [sample_message(n, subject="Broken [fail late]" if n == 0 else None) for n in range(4)]
    keys, folders = _batch(_worker(engine, group_commit=8), raws)

    assert folders == {**dict.fromkeys(keys, "Approved"), keys[0]: None}
    order, records = _recorded(engine)
    assert order == keys[1:]
    assert records[keys[0]].status == intake.RETRY and records[keys[0]].attempts == 1
    with sessions(engine)() as session:
        assert session.scalar(select(StoredMessage).where(StoredMessage.source == keys[0])) is None
        assert len(session.scalars(select(OutboxMessage)).all()) == 3


def test_a_lost_claim_in_the_middle_of_a_group_rolls_back_that_message_alone(engine: Engine) -> None:
    worker = _worker(engine, group_commit=8)
    keys = [intake.imap_key("INBOX", 7, uid) for uid in range(1, 5)]
    claimed = worker.claim(keys)
    with transaction(sessions(engine)) as session:  # taken over by another daemon meanwhile
        session.execute(update(IntakeRecord).where(IntakeRecord.key == keys[1]).values(lease_owner="another"))

    folders = worker.process_batch(claimed, {k: sample_message(n) for n, k in enumerate(keys)}, threading.Event())

    assert folders == {**dict.fromkeys(keys, "Approved"), keys[1]: None}
    order, records = _recorded(engine)
    assert order == [keys[0], *keys[2:]]
    assert records[keys[1]].lease_owner == "another" and records[keys[1]].status != intake.DONE


class GatedHandler(SimpleHandler):
    """SimpleHandler whose reading of the message with GATED in its subject waits until the test opens the gate."""

    def __init__(self, *args: Any, gate: threading.Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = gate
        self.waited: bool | None = None

    def read_ahead(self, raw: bytes, claim: IntakeClaim) -> Callable[..., HandleResult]:
        if b"Subject: Gated" in raw:
            self.waited = self.gate.wait(WAIT)
        return super().read_ahead(raw, claim)


def test_a_reading_not_finished_ends_the_group_before_it_is_waited_for(engine: Engine) -> None:
    """The fourth message's reading is held until a COMMIT of cases is seen: the group of the three before it must
    be committed while the worker waits for it (never holding the write lock meanwhile), and it starts another."""
    gate = threading.Event()
    factory = sessions(engine)
    handler = GatedHandler(factory, gate=gate)
    raws = [sample_message(n, subject="Gated" if n == 3 else None) for n in range(6)]
    worker = _worker(engine, handler, group_commit=8)
    claimed = _claimed(worker, len(raws))
    with case_commits(engine) as commits:
        event.listen(engine, "commit", lambda _conn: gate.set())
        keys, folders = _batch(worker, raws, claimed)

    assert handler.waited is True  # opened by a COMMIT, not by the time running out
    assert commits[0] == 3 and sum(commits) == 6
    assert folders == dict.fromkeys(keys, "Approved")
    assert _recorded(engine)[0] == keys


def test_a_failed_commit_fails_every_message_of_the_group_and_counts_none_as_recorded(engine: Engine) -> None:
    """As a COMMIT of one message that failed: each message of the group is a failure (retried later), none
    counted as recorded (no folder, no wake), and nothing of them is kept."""
    worker = _worker(engine, group_commit=8)
    woken: list[str] = []
    worker.after_message = lambda: woken.append("woken")
    failing = [True]

    def refuse(_conn: Any) -> None:
        if failing[0]:
            failing[0] = False
            raise RuntimeError("the disk is full")

    claimed = _claimed(worker, 3)
    keys = list(claimed)
    event.listen(engine, "commit", refuse)
    try:
        folders = worker.process_batch(claimed, {k: sample_message(n) for n, k in enumerate(keys)},
                                       threading.Event())
    finally:
        event.remove(engine, "commit", refuse)

    assert folders == dict.fromkeys(keys)
    order, records = _recorded(engine)
    assert order == []
    assert all(records[k].status == intake.RETRY and records[k].attempts == 1 for k in keys)
    assert all("the disk is full" in (records[k].last_error or "") for k in keys)
    assert len(woken) == 3  # (as after any failed message: the failure's own transaction committed)
