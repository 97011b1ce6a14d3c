"""`[daemon] sender_process`, its parts in this process: the wake-up pipe (never blocking the intake, never losing
a wake-up, many read as one), the sender's loop (a drain at start, one at once when woken, none otherwise before
its interval), and an intake daemon that drains no outbox and wakes the sender instead. The processes themselves,
with the real pipeline: tests/daemon/test_sender_process.py."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from sqlalchemy import select

from mailbot.daemon.outbox_wake import PipeWaker, WakeReader, wake_pipe
from mailbot.daemon.scheduler import Daemon
from mailbot.daemon.sender_process import SenderProcess
from store.db import make_engine, sessions
from store.models import IntakeRecord, OutboxMessage
from tests.daemon.test_outbox_sender import _queue
from tests.support.daemon_setup import daemon_config, empty_maildir, sample_message
from tests.support.simple_handler import SimpleHandler
from tests.support.smtp_server import SmtpServer


def test_wake_ups_are_read_together_and_a_full_pipe_never_blocks_the_waker() -> None:
    read_end, write_end = wake_pipe()
    reader, waker = WakeReader(read_end), PipeWaker(write_end)
    try:
        assert not reader.wait(0.05)
        for _ in range(3):
            waker()
        assert reader.wait(1)  # the three at once: one drain answers them all
        assert not reader.take()
        began = time.monotonic()
        for _ in range(100_000):  # far beyond the pipe's 64 KB with nobody reading: never blocks, never raises
            waker()
        assert time.monotonic() - began < 10
        assert reader.take()
        assert not reader.take()
        os.close(write_end)  # every writer gone (the supervisor too): read as no wake-up, and no busy loop after
        assert not reader.wait(0.05)
        assert reader.closed
        began = time.monotonic()
        assert not reader.wait(0.2)
        assert time.monotonic() - began >= 0.15
    finally:
        os.close(read_end)
        if not reader.closed:
            os.close(write_end)


def test_the_sender_process_drains_at_start_and_at_once_when_woken_not_before_its_interval_otherwise(
        sqlite_url: str, smtp_server: SmtpServer) -> None:
    engine = make_engine(sqlite_url)
    factory = sessions(engine)
    read_end, write_end = wake_pipe()
    process = SenderProcess(daemon_config(sqlite_url, smtp=smtp_server, outbox_seconds=600), factory,
                            WakeReader(read_end))
    loop = threading.Thread(target=process.send_when_woken)
    try:
        _queue(factory, 1)  # queued before it started: sent by its first drain
        loop.start()
        assert len(smtp_server.wait_for(1, timeout=10)) == 1
        _queue(factory, 1, start=1)  # nobody wakes it: waits for the interval, ten minutes away
        time.sleep(0.6)
        assert len(smtp_server.messages()) == 1
        began = time.monotonic()
        PipeWaker(write_end)()  # as an intake process does after its commit
        assert len(smtp_server.wait_for(2, timeout=10)) == 2
        assert time.monotonic() - began < 1.5
        process.stop.set()  # stops within a wait step, not at the interval
        loop.join(2)
        assert not loop.is_alive()
        with factory() as session:
            assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}
            assert set(session.scalars(select(OutboxMessage.claimed_by))) == {process.owner}
    finally:
        process.stop.set()
        loop.join(5)
        os.close(read_end)
        os.close(write_end)
        engine.dispose()


def test_an_intake_daemon_beside_a_sender_process_sends_nothing_itself_and_wakes_it(
        tmp_path: Path, sqlite_url: str, smtp_server: SmtpServer) -> None:
    inbox = empty_maildir(tmp_path / "inbox")
    for n in range(3):
        (inbox / "new" / f"17000000{n}.M{n}.host").write_bytes(sample_message(n))
    engine = make_engine(sqlite_url)
    factory = sessions(engine)
    woken: list[float] = []
    config = daemon_config(sqlite_url, base=tmp_path, smtp=smtp_server, outbox_seconds=1)
    daemon = Daemon(config, factory, SimpleHandler(factory), wake_sender=lambda: woken.append(time.monotonic()))
    daemon.start()
    try:
        assert daemon.scheduler is not None and daemon.scheduler.get_job("outbox") is None

        def handled() -> bool:
            with factory() as session:
                return list(session.scalars(select(IntakeRecord.status))) == ["done"] * 3

        deadline = time.monotonic() + 20
        while not (handled() and woken) and time.monotonic() < deadline:  # woken just after the commit
            time.sleep(0.05)
        assert handled()
        assert woken, "the sender process was never woken"
        time.sleep(1.5)  # past the intake's own outbox_seconds: it drains nothing, then or ever
        assert smtp_server.messages() == []
        with factory() as session:
            assert list(session.scalars(select(OutboxMessage.status))) == ["pending"] * 3
    finally:
        daemon.shutdown()
        engine.dispose()
