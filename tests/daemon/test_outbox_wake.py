"""Waking the sender: a wake-up that comes while a drain runs is held, not dropped, and runs the next drain a
moment after it, so a reply queued meanwhile goes out at once rather than at the next `[daemon] outbox_seconds`."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailbot.daemon.scheduler import OUTBOX_HOLD_SECONDS, _Repeating
from mailbot.outbox.sender import DrainReport
from tests.daemon.conftest import MakeDaemon
from tests.daemon.test_outbox_sender import _queue
from tests.support.daemon_setup import empty_maildir
from tests.support.smtp_server import SmtpServer


def test_a_reply_queued_during_a_drain_is_sent_just_after_it_not_at_the_next_interval(
        tmp_path: Path, smtp_server: SmtpServer, make_daemon: MakeDaemon) -> None:
    empty_maildir(tmp_path / "inbox")
    daemon = make_daemon(base=tmp_path, smtp=smtp_server, outbox_seconds=600)
    _queue(daemon.sessions, 1)
    drains: list[tuple[float, float]] = []
    drain = daemon.sender.drain

    def drain_while_a_reply_is_queued() -> DrainReport:
        began = time.monotonic()
        report = drain()
        if not drains:  # the first drain has claimed and sent all there was: now a case queues its reply
            _queue(daemon.sessions, 1, start=1)
            daemon.outbox_job.wake()
        drains.append((began, time.monotonic()))
        return report

    daemon.outbox_job.work = drain_while_a_reply_is_queued
    daemon.start()
    try:
        # The first drain ran at start; the next interval is ten minutes away.
        assert len(smtp_server.wait_for(2, timeout=5)) == 2
        deadline = time.monotonic() + 5
        while len(drains) < 2 and time.monotonic() < deadline:  # the drain that sent it is ending
            time.sleep(0.01)
        assert len(drains) == 2
        # Held: the second drain began a moment after the first ended, not straight away (one batch for what
        # queued up meanwhile).
        assert drains[1][0] - drains[0][1] >= OUTBOX_HOLD_SECONDS * 0.9
        time.sleep(0.5)
        assert len(drains) == 2  # and no drain more: the wake-up ran once
    finally:
        daemon.shutdown()


def test_wake_ups_before_the_asked_run_begins_ask_the_scheduler_once_and_none_is_dropped() -> None:
    """A wake-up a message (the sender is woken after every message): only the first until the run begins asks
    the scheduler (the run then sees everything committed before it began); one just after a run asks for the
    next HOLD after it ended."""
    asked: list[str] = []
    when: list[datetime] = []

    class Scheduler:
        def modify_job(self, name: str, next_run_time: datetime) -> None:
            asked.append(name)
            when.append(next_run_time)

    runs: list[int] = []
    job = _Repeating("outbox", lambda: runs.append(1), threading.Event(), hold=OUTBOX_HOLD_SECONDS)
    job.scheduler = Scheduler()  # type: ignore[assignment]
    for _ in range(5):
        job.wake()
    assert asked == ["outbox"]
    job()  # the run asked for
    assert runs == [1]
    assert when[0] <= datetime.now(UTC)  # the first in a while: at once
    job.wake()  # just after it: asked again, for HOLD after the run ended (never dropped)
    assert asked == ["outbox", "outbox"]
    assert when[1] - datetime.now(UTC) > timedelta(seconds=OUTBOX_HOLD_SECONDS / 2)
