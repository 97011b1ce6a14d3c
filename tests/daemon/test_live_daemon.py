"""The daemon running with its scheduler: IDLE answers within seconds, /healthz and /metrics, a Maildir source and
sink on one machine."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from mailbot.daemon.scheduler import Daemon
from mailbot.intake.imap_source import PollReport
from mailbot.processing.contract import HandleResult, IntakeClaim
from store.models import IntakeRecord
from tests.daemon.conftest import MakeDaemon
from tests.support.daemon_setup import empty_maildir, sample_message
from tests.support.dovecot import DovecotServer
from tests.support.smtp_server import SmtpServer


def wait_for_idle(daemon: Daemon, seconds: float = 10) -> None:
    """Until the daemon's IDLE connection is listening (or SECONDS pass: the test's own asserts then say so)."""
    deadline = time.monotonic() + seconds
    while not (daemon.idler and daemon.idler.active) and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.serial  # a latency limit: run alone, not beside another worker (scripts/test.sh)
def test_idle_answers_new_mail_within_seconds_without_waiting_for_the_poll(
        dovecot: DovecotServer, smtp_server: SmtpServer, make_daemon: MakeDaemon) -> None:
    daemon = make_daemon(dovecot=dovecot, smtp=smtp_server, imap={"poll_seconds": 600})
    daemon.start()
    try:
        wait_for_idle(daemon)
        assert daemon.idler is not None and daemon.idler.active
        latencies = []
        for n in range(3):
            began = time.monotonic()
            dovecot.append(sample_message(n))
            assert len(smtp_server.wait_for(n + 1, timeout=5)) == n + 1
            latencies.append(time.monotonic() - began)
        assert max(latencies) < 2.0, latencies
    finally:
        daemon.shutdown()


def test_health_and_metrics_endpoint(dovecot: DovecotServer, smtp_server: SmtpServer,
                                     make_daemon: MakeDaemon) -> None:
    dovecot.append(sample_message(1), sample_message(2, subject="Help [flag]"))
    daemon = make_daemon(dovecot=dovecot, smtp=smtp_server)
    daemon.start()
    try:
        assert len(smtp_server.wait_for(2, timeout=10)) == 2
        assert daemon.health is not None
        base = f"http://127.0.0.1:{daemon.health.port}"
        with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
            health = json.loads(response.read())
            assert response.status == 200 and health["status"] == "ok" and health["owner"] == daemon.owner
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
                metrics = response.read().decode()
            if 'mailbot_outbox{status="sent"} 2.0' in metrics:
                break
            time.sleep(0.1)
        assert 'mailbot_outbox{status="sent"} 2.0' in metrics
        assert 'mailbot_outbox{status="uncertain"} 0.0' in metrics
        assert 'mailbot_cases{outcome="flagged"} 1.0' in metrics
        assert 'mailbot_intake{status="done"} 2.0' in metrics
        assert "mailbot_last_successful_poll_timestamp_seconds" in metrics
        assert "mailbot_backlog 0.0" in metrics
    finally:
        daemon.shutdown()


def test_maildir_source_and_sink_on_one_machine(tmp_path: Path, make_daemon: MakeDaemon) -> None:
    inbox = empty_maildir(tmp_path / "inbox")
    for n in range(4):
        (inbox / "new" / f"17000000{n}.M{n}.host").write_bytes(sample_message(n, subject="x [flag]" if n == 3
                                                                              else None))
    daemon = make_daemon(base=tmp_path)
    assert daemon.run_once().handled == 4
    assert list((inbox / "new").iterdir()) == []
    assert len(list((inbox / ".Approved" / "cur").iterdir())) == 3
    assert len(list((inbox / ".Flagged" / "cur").iterdir())) == 1
    sent = list((tmp_path / "sent" / "new").iterdir())
    assert len(sent) == 4 and all(b"Message-ID: <OE-" in p.read_bytes() for p in sent)
    assert make_daemon(base=tmp_path).run_once().handled == 0
    with daemon.sessions() as session:
        assert set(session.scalars(select(IntakeRecord.status))) == {"done"}


@pytest.mark.serial  # a latency limit: run alone, not beside another worker (scripts/test.sh)
def test_idle_comes_back_after_the_server_is_killed_and_restarted(
        dovecot: DovecotServer, smtp_server: SmtpServer, make_daemon: MakeDaemon) -> None:
    daemon = make_daemon(dovecot=dovecot, smtp=smtp_server, imap={"poll_seconds": 600})
    daemon.start()
    try:
        wait_for_idle(daemon)
        dovecot.kill()
        time.sleep(0.3)
        dovecot.start()
        dovecot.append(sample_message(1))
        # No poll is due for ten minutes: only a reconnected IDLE (which looks once on connecting) answers it.
        assert len(smtp_server.wait_for(1, timeout=15)) == 1
        wait_for_idle(daemon)
        began = time.monotonic()
        dovecot.append(sample_message(2))
        assert len(smtp_server.wait_for(2, timeout=5)) == 2
        assert time.monotonic() - began < 2.5
    finally:
        daemon.shutdown()


def test_mail_that_came_while_a_poll_worked_is_read_by_the_poll_going_round_again(
        dovecot: DovecotServer, smtp_server: SmtpServer, make_daemon: MakeDaemon) -> None:
    """With IDLE off and the poll ten minutes away, the second message (delivered while the first is handled, after
    the poll's search) is read only because a poll that handled mail looks again at once; the look that then finds
    nothing ends the round (three polls in all, none more while the mailbox is quiet)."""
    dovecot.append(sample_message(1))
    daemon = make_daemon(dovecot=dovecot, smtp=smtp_server, imap={"poll_seconds": 600, "idle": False})
    handle = daemon.worker.handler

    def delivering_another_meanwhile(raw: bytes, claim: IntakeClaim) -> HandleResult:
        if b"Request 1" in raw:
            dovecot.append(sample_message(2))
        return handle(raw, claim)

    daemon.worker.handler = delivering_another_meanwhile
    polls = []
    poll = daemon.source.poll

    def counted_poll() -> PollReport:
        polls.append(time.monotonic())
        return poll()

    daemon.source.poll = counted_poll  # type: ignore[method-assign]
    daemon.start()
    try:
        assert len(smtp_server.wait_for(2, timeout=10)) == 2
        deadline = time.monotonic() + 10
        while (len(polls) < 3 or daemon.poll_job.running) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # room for a poll too many, were there one
        assert len(polls) == 3
    finally:
        daemon.shutdown()
