"""Faults: the daemon killed with SIGKILL at random points, Dovecot killed mid-batch, SIGTERM (two daemons on
PostgreSQL: see test_mailbot_run). After each, every message is answered exactly once (or, where a send was cut
off after DATA began, at most once and shown as uncertain)."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, select

from store.db import make_engine, sessions
from store.models import Case, IntakeRecord, OutboxMessage
from tests.support.daemon_process import DaemonProcess
from tests.support.daemon_setup import daemon_config_data, sample_message, toml
from tests.support.dovecot import DovecotServer
from tests.support.smtp_server import SmtpServer


def _write_config(tmp_path: Path, store_url: str, dovecot: DovecotServer, smtp: SmtpServer, **daemon: object) -> Path:
    path = tmp_path / f"mailbot-{len(list(tmp_path.glob('mailbot-*.toml')))}.toml"
    path.write_text(toml(daemon_config_data(store_url, dovecot=dovecot, smtp=smtp, **daemon)))
    return path


def _inbound_ids(messages: list[bytes]) -> list[str]:
    return [line.split(b": ", 1)[1].decode() for m in messages for line in m.split(b"\r\n")
            if line.startswith(b"Message-ID: ")]


def _wait_until(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


def _all_finished(engine: Engine, count: int) -> bool:
    with sessions(engine)() as session:
        intake = list(session.scalars(select(IntakeRecord.status)))
        outbox = list(session.scalars(select(OutboxMessage.status)))
    return (len(intake) == count and set(intake) == {"done"} and len(outbox) == count
            and set(outbox) <= {"sent", "uncertain"})


def _assert_exactly_once(engine: Engine, smtp: SmtpServer, inbound: list[str], dovecot: DovecotServer) -> None:
    with sessions(engine)() as session:
        cases = list(session.scalars(select(Case)))
        rows = list(session.scalars(select(OutboxMessage)))
    assert len(cases) == len(inbound)  # one case per message: none lost, none twice
    answered = Counter(" ".join(str(r.message.get("In-Reply-To", "")).split()) for r in smtp.messages())
    delivered = Counter(smtp.message_ids())
    assert all(n == 1 for n in delivered.values()), "a reply was sent twice"
    for row in rows:
        if row.status == "sent":
            assert delivered[row.message_id] == 1
        else:
            assert row.status == "uncertain" and delivered[row.message_id] <= 1
    uncertain = sum(r.status == "uncertain" for r in rows)
    assert sum(answered[mid] for mid in inbound) >= len(inbound) - uncertain
    assert all(answered[mid] <= 1 for mid in inbound)
    assert dovecot.uids() == []


def test_sigkill_at_random_points_then_restart_answers_each_message_once(
        tmp_path: Path, sqlite_url: str, dovecot: DovecotServer, smtp_server: SmtpServer) -> None:
    messages = [sample_message(n) for n in range(30)]
    dovecot.append(*messages)
    config = _write_config(tmp_path, sqlite_url, dovecot, smtp_server, lease_seconds=1)
    rng = random.Random(6)
    engine = make_engine(sqlite_url)
    try:
        cut_short = 0
        for _ in range(3):
            daemon = DaemonProcess(config, handler_delay=0.05)
            _wait_until(lambda: len(smtp_server.messages()) > 0, 10)
            time.sleep(rng.uniform(0.0, 0.6))
            daemon.kill()
            cut_short += not _all_finished(engine, 30)
        assert cut_short, "no kill landed in the middle of the work: the test proved nothing"
        daemon = DaemonProcess(config, handler_delay=0.05)
        finished = _wait_until(lambda: _all_finished(engine, 30), 40)
        assert daemon.terminate() < 10
        assert finished, daemon.output()[-3000:]
        _assert_exactly_once(engine, smtp_server, _inbound_ids(messages), dovecot)
    finally:
        engine.dispose()


def _restart_then_each_answered_once(config: Path, engine: Engine, smtp: SmtpServer, messages: list[bytes],
                                     dovecot: DovecotServer) -> None:
    daemon = DaemonProcess(config, handler_delay=0.05)
    finished = _wait_until(lambda: _all_finished(engine, len(messages)), 40)
    assert daemon.terminate() < 10
    assert finished, daemon.output()[-3000:]
    _assert_exactly_once(engine, smtp, _inbound_ids(messages), dovecot)


def _done(engine: Engine) -> tuple[int, int]:
    """Messages whose intake record is done, and cases: always equal (a case commits with its claim)."""
    with sessions(engine)() as session:
        done = sum(status == "done" for status in session.scalars(select(IntakeRecord.status)))
        cases = len(session.scalars(select(Case.id)).all())
    return done, cases


def test_sigkill_in_the_middle_of_a_group_leaves_its_messages_unrecorded_then_each_answered_once(
        tmp_path: Path, sqlite_url: str, dovecot: DovecotServer, smtp_server: SmtpServer) -> None:
    """[daemon] group_commit 5, batches of 10, 0.2 s a message: the first group's five messages appear at once; the
    daemon is killed while the second group has recorded some of its messages in their savepoints, which leaves
    none of them recorded; restarted, every message is answered exactly once."""
    messages = [sample_message(n) for n in range(20)]
    dovecot.append(*messages)
    config = _write_config(tmp_path, sqlite_url, dovecot, smtp_server, lease_seconds=1, group_commit=5)
    engine = make_engine(sqlite_url)
    try:
        daemon = DaemonProcess(config, handler_delay=0.2)
        assert _wait_until(lambda: _done(engine)[0] > 0, 30), daemon.output()[-3000:]
        first = _done(engine)
        time.sleep(0.45)  # the second group about half recorded (a message every 0.2 s), none of it committed
        daemon.kill()
        assert first == (5, 5)  # the first group committed as one
        assert _done(engine) == first  # nothing of the second group, though two or three of its were recorded
        _restart_then_each_answered_once(config, engine, smtp_server, messages, dovecot)
    finally:
        engine.dispose()


def test_sigterm_finishes_the_message_in_hand_and_exits_within_10_seconds(
        tmp_path: Path, sqlite_url: str, dovecot: DovecotServer, smtp_server: SmtpServer) -> None:
    dovecot.append(*[sample_message(n) for n in range(20)])
    config = _write_config(tmp_path, sqlite_url, dovecot, smtp_server)
    engine = make_engine(sqlite_url)
    try:
        daemon = DaemonProcess(config, handler_delay=0.2)
        assert _wait_until(lambda: len(smtp_server.messages()) >= 1, 20), daemon.output()
        assert daemon.terminate() < 10
        assert daemon.proc.returncode == 0, daemon.output()
        with sessions(engine)() as session:
            statuses = Counter(session.scalars(select(IntakeRecord.status)))
        assert statuses["claimed"] == 0  # the message in hand was finished, the rest given back
        assert 0 < statuses["done"] < 20
    finally:
        engine.dispose()


def test_dovecot_killed_and_restarted_mid_batch(make_daemon, dovecot: DovecotServer,  # type: ignore[no-untyped-def]
                                                smtp_server: SmtpServer) -> None:
    messages = [sample_message(n) for n in range(20)]
    dovecot.append(*messages)
    daemon = make_daemon(dovecot=dovecot, smtp=smtp_server, lease_seconds=1)
    daemon.handler.delay = 0.05
    daemon.start()
    try:
        assert _wait_until(lambda: len(smtp_server.messages()) >= 3, 20)
        dovecot.kill()
        time.sleep(0.5)
        dovecot.start()
        engine = daemon.sessions.kw["bind"]
        assert _wait_until(lambda: _all_finished(engine, 20) and dovecot.uids() == [], 30)
    finally:
        daemon.shutdown()
    _assert_exactly_once(daemon.sessions.kw["bind"], smtp_server, _inbound_ids(messages), dovecot)
