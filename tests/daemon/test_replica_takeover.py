"""Replicas take over a killed one's messages in seconds (issue 17): two real `mailbot run` processes sharing one
PostgreSQL store, a real Dovecot and a real SMTP server; one is killed with SIGKILL in the middle of the backlog.
Every message it held is answered by the other within 30 s (not after the five-minute lease), none lost, none
answered twice. And a restarted daemon on SQLite takes back its predecessor's claims as soon as it starts."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from store.db import make_engine, sessions, single_reads
from store.models import Case, IntakeRecord, OutboxMessage
from tests.daemon.test_mailbot_run import _config, _message_id, _replies_by_inbound
from tests.support.daemon_process import DaemonProcess
from tests.support.dovecot import DovecotServer
from tests.support.real_mail import form_request, permission_request, signed_form_pdf
from tests.support.signed_mail import SigningKey
from tests.support.smtp_server import SmtpServer

# The lease alone would keep a dead replica's messages for five minutes; the heartbeat must free them in seconds.
LIVENESS = {"lease_seconds": 300, "heartbeat_seconds": 1, "stale_seconds": 3, "outbox_batch": 5}


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


def _reads(engine: Engine) -> Session:
    """A session that only reads, never taking SQLite's write lock: a test polling with BEGIN IMMEDIATE every
    20 ms could be kept waiting until the daemon had finished, and then never see a claim."""
    return single_reads(sessions(engine))()


def _held_by(engine: Engine, pid: int) -> set[str]:
    with _reads(engine) as session:
        return set(session.scalars(select(IntakeRecord.key).where(IntakeRecord.status == "claimed",
                                                                  IntakeRecord.lease_owner.like(f"%:{pid}:%"))))


def _statuses(engine: Engine, keys: set[str]) -> Counter[str]:
    with _reads(engine) as session:
        return Counter(session.scalars(select(IntakeRecord.status).where(IntakeRecord.key.in_(keys))))


def _finished(engine: Engine, count: int) -> bool:
    with _reads(engine) as session:
        intake = list(session.scalars(select(IntakeRecord.status)))
        outbox = set(session.scalars(select(OutboxMessage.status)))
    return len(intake) == count and set(intake) == {"done"} and outbox <= {"sent", "uncertain"}


def _wait(condition, timeout: float, step: float = 0.05) -> float | None:  # type: ignore[no-untyped-def]
    """Seconds until CONDITION held, or None after TIMEOUT."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if condition():
            return time.monotonic() - began
        time.sleep(step)
    return None


def _assert_each_answered_once(engine: Engine, smtp: SmtpServer, messages: list[bytes],
                               dovecot: DovecotServer) -> None:
    with sessions(engine)() as session:
        cases = list(session.scalars(select(Case)))
        rows = list(session.scalars(select(OutboxMessage)))
    assert len(Counter(c.message_row_id for c in cases)) == len(messages)  # none lost, none recorded twice
    delivered = Counter(smtp.message_ids())
    assert all(n == 1 for n in delivered.values()), "a mail was sent twice"
    replies = _replies_by_inbound(smtp)
    uncertain = sum(r.status == "uncertain" for r in rows)
    inbound = [_message_id(raw) for raw in messages]
    assert all(replies[mid] <= 1 for mid in inbound)
    assert sum(replies[mid] for mid in inbound) >= len(messages) - uncertain
    assert dovecot.uids("INBOX") == []


@pytest.mark.postgres
def test_a_replica_killed_mid_backlog_has_every_message_it_held_answered_by_the_other_within_30_seconds(
        tmp_path: Path, postgres_database: str, key: SigningKey, dovecot: DovecotServer,
        smtp_server: SmtpServer) -> None:
    from tests.conftest import _empty_postgres

    engine = make_engine(postgres_database)
    _empty_postgres(engine)
    pdf = signed_form_pdf()
    messages = [form_request(key, n, pdf) if n % 20 == 0 else permission_request(key, n) for n in range(60)]
    dovecot.append(*messages)
    config = _config(tmp_path, postgres_database, key, dovecot, smtp_server, **LIVENESS)
    # As on two hosts: each judges the other by its heartbeat alone, not by whether its process is there.
    victim = DaemonProcess(config, real=True, env={"MAILBOT_HOSTNAME": "replica-a"})
    survivor = DaemonProcess(config, real=True, env={"MAILBOT_HOSTNAME": "replica-b"})
    try:
        assert _wait(lambda: len(_held_by(engine, victim.pid)) >= 2, 40, step=0.02) is not None, victim.stacks()
        victim.kill()
        held = _held_by(engine, victim.pid)  # what it held when it died (its claims outlive it in the store)
        assert held, "the kill landed after the victim had finished: the test proved nothing"
        taken_over_in = _wait(lambda: _statuses(engine, held) == Counter(done=len(held)), 30, step=0.1)
        assert taken_over_in is not None, survivor.output()[-3000:]
        print(f"{len(held)} held by the killed replica, all answered {taken_over_in:.1f} s after the kill")
        assert taken_over_in >= 1.0, "taken over before its heartbeat could have gone stale: not by the heartbeat"
        assert _wait(lambda: _finished(engine, len(messages)), 40, step=0.2) is not None, survivor.output()[-3000:]
        assert survivor.terminate() < 10
        _assert_each_answered_once(engine, smtp_server, messages, dovecot)
        with sessions(engine)() as session:
            done_by = Counter(session.scalars(select(OutboxMessage.claimed_by)))
        assert any(f":{survivor.pid}:" in str(owner) for owner in done_by)
    finally:
        for daemon in (victim, survivor):
            if daemon.proc.poll() is None:
                daemon.kill()
        engine.dispose()


def test_a_restarted_daemon_on_sqlite_takes_back_its_killed_predecessors_claims_as_it_starts(
        tmp_path: Path, sqlite_url: str, key: SigningKey, dovecot: DovecotServer, smtp_server: SmtpServer) -> None:
    # The first message a form: its batch's claims are held while the first form-reading child starts (seconds),
    # so the kill lands while they are held however fast the rest are handled (24 permission requests alone took
    # 0.44 s, and a poll could miss them all).
    pdf = signed_form_pdf()
    messages = [form_request(key, n, pdf) if n % 20 == 0 else permission_request(key, n) for n in range(24)]
    dovecot.append(*messages)
    # A stale threshold far longer than the test: only "its process is gone" can free the claims in time.
    config = _config(tmp_path, sqlite_url, key, dovecot, smtp_server, lease_seconds=300, heartbeat_seconds=1,
                     stale_seconds=120)
    engine = make_engine(sqlite_url)
    first = DaemonProcess(config, real=True)
    restarted: DaemonProcess | None = None
    try:
        assert _wait(lambda: len(_held_by(engine, first.pid)) >= 1, 40, step=0.02) is not None, first.stacks()
        first.kill()
        held = _held_by(engine, first.pid)
        assert held, "the kill landed after the daemon had finished: the test proved nothing"
        restarted = DaemonProcess(config, real=True)
        took = _wait(lambda: _statuses(engine, held) == Counter(done=len(held)), 30, step=0.1)
        assert took is not None, restarted.stacks()[-6000:]
        print(f"restarted; {len(held)} held by its predecessor, answered {took:.1f} s after the restart")
        assert _wait(lambda: _finished(engine, len(messages)), 40, step=0.2) is not None, restarted.stacks()[-6000:]
        assert restarted.terminate() < 10
        _assert_each_answered_once(engine, smtp_server, messages, dovecot)
    finally:
        for daemon in (first, restarted):
            if daemon is not None and daemon.proc.poll() is None:
                daemon.kill()
        engine.dispose()
