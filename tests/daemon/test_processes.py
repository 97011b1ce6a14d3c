"""`[daemon] processes = 2`: one `mailbot run` keeping two daemons on this host, with the real pipeline, a real
Dovecot, aiosmtpd and a SQLite or PostgreSQL store. Every message is answered exactly once, both processes work,
only the first serves the health port, SIGTERM stops them all; a SIGKILLed process is replaced and the messages it
held are answered by the others; a supervisor killed outright leaves no daemon running on without it."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from store.db import make_engine
from store.models import IntakeRecord, RunningDaemon
from tests.daemon.test_mailbot_run import _config
from tests.daemon.test_replica_takeover import _assert_each_answered_once, _finished, _reads, _statuses
from tests.support.daemon_process import DaemonProcess, children_of
from tests.support.dovecot import DovecotServer
from tests.support.listening import free_port
from tests.support.real_mail import form_request, permission_request, signed_form_pdf
from tests.support.signed_mail import SigningKey
from tests.support.smtp_server import SmtpServer

# Only "its process is gone" can free a dead process's claims within the test: a heartbeat goes stale in 120 s.
LIVENESS = {"lease_seconds": 300, "heartbeat_seconds": 1, "stale_seconds": 120, "outbox_batch": 5}
START_SECONDS = 120  # two interpreters importing the pipeline at once, on a loaded 2-core machine


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()

# The move out of INBOX is clean-up after the commit, done by a later poll when a message finished by a sibling
# (or a killed process's claim taken over) is still there: waited for, never skipped.
_CLEANED_UP = "a finished message was never moved out of INBOX"


def _wait(condition: Callable[[], object], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


def _children(supervisor: DaemonProcess) -> set[int]:
    """The pids of the supervisor's processes now."""
    return children_of(supervisor.pid)


def _registered(engine: Engine) -> dict[int, str]:
    """The running daemons the store knows: pid -> owner id."""
    with _reads(engine) as session:
        return {row.pid: row.id for row in session.scalars(select(RunningDaemon))}


def _claims_by_pid(engine: Engine) -> Counter[int]:
    with _reads(engine) as session:
        owners = session.scalars(select(IntakeRecord.lease_owner).where(IntakeRecord.status == "claimed"))
        return Counter(int(owner.split(":")[-2]) for owner in owners if owner)


def _held_by(engine: Engine, pid: int) -> set[str]:
    with _reads(engine) as session:
        return set(session.scalars(select(IntakeRecord.key).where(IntakeRecord.status == "claimed",
                                                                  IntakeRecord.lease_owner.like(f"%:{pid}:%"))))


def _command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_text().rstrip("\0").split("\0")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and " Z " not in Path(f"/proc/{pid}/stat").read_text()


def _stop_all(supervisor: DaemonProcess, seen: set[int]) -> None:
    """After a failure: the supervisor and every process it started killed, not left running."""
    seen |= _children(supervisor)
    if supervisor.proc.poll() is None:
        supervisor.kill()
    for pid in seen:
        with contextlib.suppress(OSError):  # gone already (and its pid not taken by another: checked first)
            if "--process" in _command_line(pid):
                os.kill(pid, signal.SIGKILL)


def _messages(key: SigningKey, count: int) -> list[bytes]:
    pdf = signed_form_pdf()
    return [form_request(key, n, pdf) if n % 10 == 0 else permission_request(key, n) for n in range(count)]


def _two_running(supervisor: DaemonProcess, engine: Engine) -> list[int]:
    """The supervisor's two processes, once both are recorded as running (each has begun to read the mailbox)."""
    ok = _wait(lambda: len(_children(supervisor)) == 2 and set(_registered(engine)) == _children(supervisor),
               START_SECONDS)
    assert ok, supervisor.output()[-4000:]
    return sorted(_children(supervisor))


def _answered_by_two_processes(tmp_path: Path, store_url: str, key: SigningKey, dovecot: DovecotServer,
                               smtp_server: SmtpServer) -> None:
    port = free_port()
    config = _config(tmp_path, store_url, key, dovecot, smtp_server, processes=2, **LIVENESS)
    config.write_text(config.read_text().replace('listen = "127.0.0.1:0"', f'listen = "127.0.0.1:{port}"'))
    engine = make_engine(store_url)
    supervisor = DaemonProcess(config, real=True)
    seen: set[int] = set()
    try:
        first, second = _two_running(supervisor, engine)
        seen |= {first, second}
        messages = _messages(key, 60)
        dovecot.append(*messages)
        claimed_by: set[int] = set()

        def finished() -> bool:
            claimed_by.update(_claims_by_pid(engine))
            return _finished(engine, len(messages))

        assert _wait(finished, 180, step=0.02), supervisor.output()[-4000:]
        assert claimed_by == {first, second}, f"both processes should have claimed messages: {claimed_by}"
        assert _wait(lambda: dovecot.uids("INBOX") == [], 30), _CLEANED_UP
        _assert_each_answered_once(engine, smtp_server, messages, dovecot)
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
        registered = _registered(engine)
        served_by = next(pid for pid, owner in registered.items() if owner == health["owner"])
        assert _command_line(served_by)[-2:] == ["--process", "0"]  # the first process serves the port, alone
        assert sorted(d["pid"] for d in health["daemons"]) == [first, second]
        assert supervisor.terminate() < 12
        assert supervisor.proc.returncode == 0, supervisor.output()[-3000:]
        assert not _alive(first) and not _alive(second)
        assert _registered(engine) == {}, "each process left cleanly, its heartbeat row removed"
    finally:
        _stop_all(supervisor, seen)
        engine.dispose()


def test_two_processes_on_sqlite_answer_each_message_once_and_stop_on_sigterm(
        tmp_path: Path, sqlite_url: str, key: SigningKey, dovecot: DovecotServer, smtp_server: SmtpServer) -> None:
    _answered_by_two_processes(tmp_path, sqlite_url, key, dovecot, smtp_server)


@pytest.mark.postgres
def test_two_processes_on_postgresql_answer_each_message_once_and_stop_on_sigterm(
        tmp_path: Path, postgres_database: str, key: SigningKey, dovecot: DovecotServer,
        smtp_server: SmtpServer) -> None:
    from tests.conftest import _empty_postgres

    engine = make_engine(postgres_database)
    _empty_postgres(engine)
    engine.dispose()
    _answered_by_two_processes(tmp_path, postgres_database, key, dovecot, smtp_server)


def test_a_killed_process_is_replaced_and_its_messages_answered_once(
        tmp_path: Path, sqlite_url: str, key: SigningKey, dovecot: DovecotServer, smtp_server: SmtpServer) -> None:
    config = _config(tmp_path, sqlite_url, key, dovecot, smtp_server, processes=2, **LIVENESS)
    engine = make_engine(sqlite_url)
    supervisor = DaemonProcess(config, real=True)
    seen: set[int] = set()
    try:
        before = _two_running(supervisor, engine)
        seen |= set(before)
        messages = _messages(key, 60)
        dovecot.append(*messages)
        victim: list[int] = []

        def holding() -> bool:
            victim[:] = [pid for pid, n in _claims_by_pid(engine).items() if n >= 2 and pid in before][:1]
            return bool(victim)

        assert _wait(holding, 120, step=0.02), supervisor.output()[-4000:]
        os.kill(victim[0], signal.SIGKILL)
        held = _held_by(engine, victim[0])  # what it held when it died (its claims outlive it in the store)
        assert held, "the kill landed after the process had finished its batch: the test proved nothing"
        # Taken over by its sibling's next heartbeat or its replacement's start (its process is seen gone), not
        # after the 120 s a heartbeat takes to go stale.
        assert _wait(lambda: _statuses(engine, held) == Counter(done=len(held)), 60), supervisor.output()[-4000:]
        assert _wait(lambda: len(_children(supervisor) - set(before)) == 1, START_SECONDS), supervisor.output()
        replacement = (_children(supervisor) - set(before)).pop()
        seen.add(replacement)
        assert _wait(lambda: replacement in _registered(engine), START_SECONDS), supervisor.output()[-4000:]
        assert _wait(lambda: _finished(engine, len(messages)), 120), supervisor.output()[-4000:]
        assert _wait(lambda: dovecot.uids("INBOX") == [], 30), _CLEANED_UP
        _assert_each_answered_once(engine, smtp_server, messages, dovecot)
        assert "(signal SIGKILL)" in supervisor.output()
        # The supervisor itself killed outright: its processes see it gone and stop, leaving cleanly.
        survivors = _children(supervisor)
        supervisor.kill()
        assert _wait(lambda: not any(_alive(pid) for pid in survivors), 30), [_alive(p) for p in survivors]
        assert _wait(lambda: _registered(engine) == {}, 10)
    finally:
        _stop_all(supervisor, seen)
        engine.dispose()


def test_processes_that_cannot_start_stop_the_supervisor_with_status_2(
        tmp_path: Path, sqlite_url: str, key: SigningKey, dovecot: DovecotServer, smtp_server: SmtpServer) -> None:
    config = _config(tmp_path, sqlite_url, key, dovecot, smtp_server, processes=2)
    config.write_text(config.read_text().replace(f'password = "{dovecot.password}"', 'password = "wrong"'))
    supervisor = DaemonProcess(config, real=True)
    status = supervisor.wait(START_SECONDS)
    assert status == 2, supervisor.output()[-3000:]
    assert "[imap] username/password" in supervisor.output()
    assert "cannot start" in supervisor.output()
