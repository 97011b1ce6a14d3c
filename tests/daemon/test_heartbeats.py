"""Liveness, not just leases (issue 17): each daemon's heartbeat in the store, on SQLite and PostgreSQL. A dead
daemon's claims are taken over at once; a live but slow one keeps them however long a message takes; a daemon taken
for dead commits nothing for the claims it lost; its outbox rows are requeued or, once DATA began, uncertain."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from mailbot.config_sections import DaemonSection
from mailbot.intake.heartbeat import Heartbeat, claim_lease
from store import daemons, intake
from store.db import sessions, transaction
from store.models import IntakeRecord, OutboxMessage
from store.outbox import queue as outbox_queue
from tests.daemon.test_outbox_sender import _queue

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SECTION = DaemonSection(lease_seconds=300, heartbeat_seconds=3, stale_seconds=15)
LEASE = claim_lease(SECTION)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(engine: Engine) -> sessionmaker[Session]:
    return sessions(engine)


def _claim(store: sessionmaker[Session], key: str, owner: str, now: datetime,
           lease: timedelta = LEASE) -> intake.Claimed | None:
    with transaction(store) as session:
        return intake.claim(session, source="imap:INBOX", key=key, owner=owner, now=now, lease=lease)


def _complete(store: sessionmaker[Session], key: str, owner: str, now: datetime) -> None:
    with transaction(store) as session:
        intake.complete(session, key=key, owner=owner, now=now, outcome="approved", case_ids=[], message_id=None,
                        content_hash=None)


def _status(store: sessionmaker[Session], key: str) -> str:
    with store() as session:
        return session.scalars(select(IntakeRecord.status).where(IntakeRecord.key == key)).one()


def test_claims_of_a_daemon_whose_heartbeat_is_stale_are_taken_over_at_once_not_when_the_lease_ends(
        store: sessionmaker[Session]) -> None:
    clock = Clock()
    dead = Heartbeat(store, SECTION, "host-a:1:dead", clock, host="host-a", pid=1)
    dead.register()
    assert _claim(store, "k1", dead.owner, T0) is not None
    woken: list[str] = []
    live = Heartbeat(store, SECTION, "host-b:2:live", clock, host="host-b", pid=2,
                     on_take_over=lambda: woken.append("wake"))
    live.register()
    clock.now = T0 + timedelta(seconds=10)  # silent for less than stale_seconds: still alive
    live.beat()
    assert not live.take_over()
    assert _claim(store, "k1", live.owner, clock.now) is None
    clock.now = T0 + timedelta(seconds=16)  # the lease has 284 s to run, but the heartbeat is stale
    live.beat()
    freed = live.take_over()
    assert freed.daemons == [dead.owner] and freed.claims == 1 and woken == ["wake"]
    assert _claim(store, "k1", live.owner, clock.now) is not None
    _complete(store, "k1", live.owner, clock.now)
    assert _status(store, "k1") == "done"
    with store() as session:
        assert [r.id for r in daemons.running(session)] == [live.owner]


@pytest.mark.serial  # beats every 0.2 s against a 0.6 s threshold: run alone, not beside another worker
def test_a_live_daemon_keeps_its_claims_however_long_a_message_takes(store: sessionmaker[Session]) -> None:
    # A short lease and a short stale threshold, with the real clock and the heartbeat's own thread: the message
    # takes several times both, and the other daemon, looking all the while, never gets it.
    section = DaemonSection(lease_seconds=1, heartbeat_seconds=0.2, stale_seconds=0.6)
    now = lambda: datetime.now(UTC)  # noqa: E731
    slow = Heartbeat(store, section, "host-a:1:slow", now, host="host-a", pid=1)
    slow.register()
    slow.start()
    other = Heartbeat(store, section, "host-b:2:other", now, host="host-b", pid=2)
    other.register()
    try:
        assert _claim(store, "k1", slow.owner, now(), lease=claim_lease(section)) is not None
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            other.beat()
            assert not other.take_over()
            assert _claim(store, "k1", other.owner, now(), lease=claim_lease(section)) is None
            time.sleep(0.1)
        _complete(store, "k1", slow.owner, now())  # LostClaim here would mean the claim was taken
        assert _status(store, "k1") == "done"
    finally:
        slow.leave()


def test_a_daemon_taken_for_dead_commits_nothing_for_the_claims_it_lost_and_finds_out_at_its_next_beat(
        store: sessionmaker[Session]) -> None:
    clock = Clock()
    lost: list[str] = []
    paused = Heartbeat(store, SECTION, "host-a:1:paused", clock, host="host-a", pid=1,
                       on_lost=lambda: lost.append("lost"))
    paused.register()
    assert _claim(store, "k1", paused.owner, T0) is not None
    other = Heartbeat(store, SECTION, "host-b:2:other", clock, host="host-b", pid=2)
    other.register()
    clock.now = T0 + timedelta(seconds=20)  # e.g. the paused daemon's machine was suspended
    other.beat()
    assert other.take_over().claims == 1
    assert _claim(store, "k1", other.owner, clock.now) is not None
    with pytest.raises(intake.LostClaim):
        _complete(store, "k1", paused.owner, clock.now)
    assert paused.beat() is False and lost == ["lost"]  # it finds out, and is alive again for new work
    _complete(store, "k1", other.owner, clock.now)
    with store() as session:
        assert sorted(r.id for r in daemons.running(session)) == [paused.owner, other.owner]


def test_outbox_rows_of_a_dead_daemon_sending_go_back_to_pending_and_transmitting_ones_become_uncertain(
        store: sessionmaker[Session]) -> None:
    clock = Clock()
    dead = Heartbeat(store, SECTION, "host-a:1:dead", clock, host="host-a", pid=1)
    dead.register()
    first, second, third = _queue(store, 3)
    with transaction(store) as session:
        assert len(outbox_queue.claim_due(session, owner=dead.owner, now=T0, limit=2)) == 2
        assert outbox_queue.mark_transmitting(session, second, dead.owner)
    live = Heartbeat(store, SECTION, "host-b:2:live", clock, host="host-b", pid=2)
    live.register()
    clock.now = T0 + timedelta(seconds=16)  # long before the old rule's 300 s
    live.beat()
    freed = live.take_over()
    assert (freed.requeued, freed.uncertain) == (1, 1)
    with store() as session:
        rows = {r.id: r for r in session.scalars(select(OutboxMessage))}
    assert (rows[first].status, rows[first].claimed_by) == ("pending", None)
    assert rows[second].status == "uncertain"  # it may have reached the server: never resent
    assert rows[third].status == "pending"
    with transaction(store) as session:
        again = outbox_queue.claim_due(session, owner=live.owner, now=clock.now, limit=10)
    assert sorted(r.id for r in again) == [first, third]


def test_only_one_of_two_daemons_noticing_a_dead_one_takes_it_over(store: sessionmaker[Session]) -> None:
    clock = Clock()
    dead = Heartbeat(store, SECTION, "host-a:1:dead", clock, host="host-a", pid=1)
    dead.register()
    _queue(store, 1)
    with transaction(store) as session:
        row = outbox_queue.claim_due(session, owner=dead.owner, now=T0, limit=1)[0]
        outbox_queue.mark_transmitting(session, row.id, dead.owner)
    clock.now = T0 + timedelta(seconds=20)
    first = Heartbeat(store, SECTION, "host-b:2:b", clock, host="host-b", pid=2)
    second = Heartbeat(store, SECTION, "host-c:3:c", clock, host="host-c", pid=3)
    results = [first.register(), second.register()]
    assert sorted(r.uncertain for r in results) == [0, 1]  # one audit record of the uncertain send, not two


def test_a_restarted_daemon_takes_back_its_dead_predecessors_claims_at_start_on_one_machine(
        store: sessionmaker[Session]) -> None:
    clock = Clock()
    predecessor = subprocess.Popen([sys.executable, "-c", "pass"])
    predecessor.wait()  # its pid is now free: the process is gone
    host = socket.gethostname()
    before = Heartbeat(store, SECTION, f"{host}:{predecessor.pid}:old", clock, host=host, pid=predecessor.pid)
    before.register()
    assert _claim(store, "k1", before.owner, T0) is not None
    clock.now = T0 + timedelta(seconds=1)  # its heartbeat is fresh: only the missing process says it is dead
    restarted = Heartbeat(store, SECTION, f"{host}:{os.getpid()}:new", clock)
    assert restarted.register().claims == 1
    assert _claim(store, "k1", restarted.owner, clock.now) is not None


def test_a_daemon_on_another_host_with_a_fresh_heartbeat_is_not_taken_for_dead(store: sessionmaker[Session]) -> None:
    clock = Clock()
    elsewhere = Heartbeat(store, SECTION, "elsewhere:999999:x", clock, host="elsewhere", pid=999999)
    elsewhere.register()
    assert _claim(store, "k1", elsewhere.owner, T0) is not None
    here = Heartbeat(store, SECTION, f"{socket.gethostname()}:{os.getpid()}:y", clock)
    assert not here.register()
    assert _status(store, "k1") == "claimed"


def test_a_stale_threshold_shorter_than_two_heartbeats_is_refused() -> None:
    from mailbot.config import ConfigError
    from tests.support.daemon_setup import daemon_config

    with pytest.raises(ConfigError, match=r"\[daemon\] stale_seconds"):
        daemon_config("sqlite://", heartbeat_seconds=5, stale_seconds=6)



def test_a_daemon_that_finds_its_claims_taken_over_leaves_the_rest_of_its_batch_to_the_others(
        store: sessionmaker[Session]) -> None:
    import threading

    from mailbot.config import FoldersSection
    from mailbot.intake.worker import IntakeWorker
    from tests.support.daemon_setup import sample_message
    from tests.support.simple_handler import SimpleHandler

    clock = Clock()
    handled: list[str] = []
    inner = SimpleHandler(store)

    def handler(raw, claim):  # type: ignore[no-untyped-def]
        handled.append(claim.key)
        # Meanwhile the others took this daemon for dead, and its heartbeat has just found out.
        with transaction(store) as session:
            daemons.free_claims(session, ["paused"], clock())
        worker.claims_lost()
        return inner(raw, claim)

    worker = IntakeWorker(sessions=store, handler=handler, source="imap:INBOX", owner="paused",
                          daemon=DaemonSection(workers=1), folders=FoldersSection(), clock=clock)
    keys = [intake.imap_key("INBOX", 7, uid) for uid in (1, 2, 3)]
    claimed = worker.claim(keys)
    folders = worker.process_batch(claimed, {k: sample_message(i) for i, k in enumerate(keys)}, threading.Event())
    assert handled == [keys[0]]  # the rest were not begun
    assert all(folder is None for folder in folders.values())  # nothing moved: the messages are the others' now
    with store() as session:
        assert set(session.scalars(select(IntakeRecord.status))) == {"retry"}  # free for the others, none done


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)  # SQLite has one writer: a beat waits its turn
def test_a_beat_passes_over_claims_a_recording_holds_so_a_group_of_messages_never_deadlocks_with_it(
        store: sessionmaker[Session]) -> None:
    """A recording transaction finishing several claims (a group, mailbot/intake/recording_group.py) locks them one
    after another; a beat waiting for the first while holding the next would deadlock with it. The beat renews
    only the claims nobody holds, at once, and the recording goes on to finish the next claim without waiting."""
    clock = Clock()
    beat = Heartbeat(store, SECTION, "host-a:1:live", clock, host="host-a", pid=1)
    beat.register()
    for key in ("k1", "k2", "k3"):
        assert _claim(store, key, beat.owner, T0) is not None
    group = store()
    try:
        group.begin()
        intake.complete(group, key="k1", owner=beat.owner, now=T0, outcome="approved", case_ids=[],
                        message_id=None, content_hash=None)  # k1 locked until the group commits
        clock.now = T0 + timedelta(seconds=3)
        done = threading.Event()
        beating = threading.Thread(target=lambda: (beat.beat(), done.set()), daemon=True)
        beating.start()
        assert done.wait(5), "the beat waited for the claim the open recording transaction holds"
        intake.complete(group, key="k2", owner=beat.owner, now=T0, outcome="approved", case_ids=[],
                        message_id=None, content_hash=None)  # not locked by the beat: no wait, no deadlock
        group.commit()
    finally:
        group.close()
    with store() as session:
        leases = {key: until for key, until in session.execute(select(IntakeRecord.key, IntakeRecord.lease_until))}
    assert leases["k1"] is None and leases["k2"] is None  # finished by the group
    assert leases["k3"] is not None and leases["k3"] == clock.now + LEASE  # renewed by the beat
    assert _status(store, "k1") == _status(store, "k2") == "done"
