"""`[daemon] sender_process = true`: one `mailbot run` keeping an intake process and a sender process, with the
real pipeline, a real Dovecot, aiosmtpd and a SQLite store (and PostgreSQL). Every reply is sent by the sender
process, none by the intake, each once; SIGTERM stops both. The sender SIGKILLed in the middle of a slow send
loses nothing: the mail it had claimed and not begun is sent by its replacement, the one whose DATA had begun is
uncertain and stays so (never sent twice)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from store.db import make_engine
from store.models import OutboxMessage
from tests.daemon.test_mailbot_run import _config
from tests.daemon.test_processes import (
    LIVENESS,
    START_SECONDS,
    _alive,
    _children,
    _command_line,
    _messages,
    _registered,
    _stop_all,
    _wait,
)
from tests.daemon.test_replica_takeover import _assert_each_answered_once, _finished, _reads
from tests.support.daemon_process import DaemonProcess
from tests.support.dovecot import DovecotServer
from tests.support.signed_mail import SigningKey
from tests.support.smtp_server import SmtpServer


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


def _roles(supervisor: DaemonProcess, engine: Engine) -> tuple[int, int]:
    """(intake pid, sender pid), once both are recorded as running."""
    ok = _wait(lambda: len(_children(supervisor)) == 2 and set(_registered(engine)) == _children(supervisor),
               START_SECONDS)
    assert ok, supervisor.output()[-4000:]
    [sender] = [pid for pid in _children(supervisor) if "mailbot.daemon.sender_process" in _command_line(pid)]
    [intake] = _children(supervisor) - {sender}
    assert _command_line(intake)[-4:-2] == ["--process", "0"]
    return intake, sender


def _stop_everything(supervisor: DaemonProcess, seen: set[int]) -> None:
    """After a failure: the supervisor, its intake processes (test_processes._stop_all) and its senders killed."""
    seen |= _children(supervisor)
    _stop_all(supervisor, seen)
    for pid in seen:
        with contextlib.suppress(OSError):
            if "mailbot.daemon.sender_process" in _command_line(pid):
                os.kill(pid, signal.SIGKILL)


def _outbox(engine: Engine) -> list[OutboxMessage]:
    with _reads(engine) as session:
        return list(session.scalars(select(OutboxMessage)))


def _sent_by_pid(engine: Engine) -> Counter[int]:
    return Counter(int(str(row.claimed_by).split(":")[-2]) for row in _outbox(engine) if row.claimed_by)


@dataclass
class _Running:
    supervisor: DaemonProcess
    engine: Engine
    intake: int
    sender: int
    seen: set[int]  # every process it started: killed after a failure


@contextmanager
def _sending_apart(tmp_path: Path, store_url: str, key: SigningKey, dovecot: DovecotServer,
                   smtp: SmtpServer) -> Iterator[_Running]:
    """`mailbot run` with `[daemon] sender_process = true`, once its intake and sender processes are running."""
    config = _config(tmp_path, store_url, key, dovecot, smtp, sender_process=True, **LIVENESS)
    engine = make_engine(store_url)
    supervisor = DaemonProcess(config, real=True)
    seen: set[int] = set()
    try:
        intake, sender = _roles(supervisor, engine)
        seen |= {intake, sender}
        yield _Running(supervisor, engine, intake, sender, seen)
    finally:
        _stop_everything(supervisor, seen)
        engine.dispose()


def _replies_sent_apart(tmp_path: Path, store_url: str, key: SigningKey, dovecot: DovecotServer,
                        smtp_server: SmtpServer) -> None:
    with _sending_apart(tmp_path, store_url, key, dovecot, smtp_server) as running:
        supervisor, engine, intake, sender = running.supervisor, running.engine, running.intake, running.sender
        messages = _messages(key, 30)
        dovecot.append(*messages)
        assert _wait(lambda: _finished(engine, len(messages)), 180, step=0.1), supervisor.output()[-4000:]
        _assert_each_answered_once(engine, smtp_server, messages, dovecot)
        assert {row.status for row in _outbox(engine)} == {"sent"}
        assert set(_sent_by_pid(engine)) == {sender}, "every reply sent by the sender process, none by the intake"
        assert supervisor.terminate() < 12
        assert supervisor.proc.returncode == 0, supervisor.output()[-3000:]
        assert not _alive(intake) and not _alive(sender)
        assert _registered(engine) == {}, "both left cleanly, their heartbeat rows removed"


def test_replies_are_sent_by_the_sender_process_each_once_and_sigterm_stops_both(
        tmp_path: Path, sqlite_url: str, key: SigningKey, dovecot: DovecotServer, smtp_server: SmtpServer) -> None:
    _replies_sent_apart(tmp_path, sqlite_url, key, dovecot, smtp_server)


@pytest.mark.postgres
def test_replies_are_sent_by_the_sender_process_on_postgresql(
        tmp_path: Path, postgres_database: str, key: SigningKey, dovecot: DovecotServer,
        smtp_server: SmtpServer) -> None:
    from tests.conftest import _empty_postgres

    engine = make_engine(postgres_database)
    _empty_postgres(engine)
    engine.dispose()
    _replies_sent_apart(tmp_path, postgres_database, key, dovecot, smtp_server)


def test_a_killed_sender_process_is_replaced_and_loses_nothing(
        tmp_path: Path, sqlite_url: str, key: SigningKey, dovecot: DovecotServer, smtp_server: SmtpServer) -> None:
    with _sending_apart(tmp_path, sqlite_url, key, dovecot, smtp_server) as running:
        supervisor, engine, intake, sender = running.supervisor, running.engine, running.intake, running.sender
        smtp_server.set_mode("slow_data", data_delay=1.0)  # the server has each mail a second before it says so
        messages = _messages(key, 20)
        dovecot.append(*messages)

        def mid_send() -> bool:
            rows = _outbox(engine)
            return (any(r.status == "transmitting" for r in rows)
                    and any(r.status == "sending" for r in rows)) and len(smtp_server.messages()) >= 1

        assert _wait(mid_send, 180, step=0.02), supervisor.output()[-4000:]
        os.kill(sender, signal.SIGKILL)
        cut_off = {r.id for r in _outbox(engine) if r.status == "transmitting"}
        claimed = {r.id for r in _outbox(engine) if r.status == "sending"}
        assert cut_off and claimed, "the kill landed between sends: the test proved nothing"
        smtp_server.set_mode("accept")
        # Freed by the intake's next heartbeat (the sender's process is seen gone) or the replacement's start.
        assert _wait(lambda: len(_children(supervisor) - {sender}) == 2, START_SECONDS), supervisor.output()
        replacement = (_children(supervisor) - {intake, sender}).pop()
        running.seen.add(replacement)
        assert "mailbot.daemon.sender_process" in _command_line(replacement)
        assert _wait(lambda: _finished(engine, len(messages)), 120), supervisor.output()[-4000:]
        rows = {r.id: r for r in _outbox(engine)}
        assert {rows[i].status for i in cut_off} == {"uncertain"}, "a send cut off after DATA began is never resent"
        assert {rows[i].status for i in claimed} == {"sent"}, "mail claimed and not begun is sent by the replacement"
        assert all(f":{replacement}:" in str(rows[i].claimed_by) for i in claimed)
        assert set(_sent_by_pid(engine)) <= {sender, replacement}, "the intake sent nothing"
        _assert_each_answered_once(engine, smtp_server, messages, dovecot)
        assert "the sender process died (signal SIGKILL)" in supervisor.output()
        assert supervisor.terminate() < 12
        assert supervisor.proc.returncode == 0, supervisor.output()[-3000:]
        assert not _alive(replacement) and not _alive(intake)
