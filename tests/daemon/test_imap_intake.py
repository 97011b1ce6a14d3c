"""IMAP intake against a real Dovecot and SMTP against a real aiosmtpd: each message answered once, moved by
outcome, and never again whatever happens to the mailbox."""

from __future__ import annotations

from sqlalchemy import func, select

from store.models import Case, IntakeRecord, OutboxMessage
from tests.daemon.conftest import MakeDaemon
from tests.support.daemon_setup import sample_message
from tests.support.dovecot import DovecotServer
from tests.support.smtp_server import SmtpServer


def _count(daemon, model) -> int:  # type: ignore[no-untyped-def]
    with daemon.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_happy_path_every_message_answered_once_and_moved(dovecot: DovecotServer, smtp_server: SmtpServer,
                                                           make_daemon: MakeDaemon) -> None:
    messages = [sample_message(n) for n in range(12)] + [sample_message(99, subject="Help [flag]")]
    dovecot.append(*messages)
    daemon = make_daemon(dovecot=dovecot, smtp=smtp_server)
    report = daemon.run_once()
    assert report.handled == 13
    assert dovecot.uids("INBOX") == []
    assert len(dovecot.uids("Approved")) == 12
    assert len(dovecot.uids("Flagged")) == 1
    received = smtp_server.messages()
    assert len(received) == 13
    assert len(set(smtp_server.message_ids())) == 13
    assert all(r.rcpt_tos == ("someone@nhs.net",) for r in received)
    with daemon.sessions() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}
        assert set(session.scalars(select(IntakeRecord.status))) == {"done"}
    # Polling again changes nothing and sends nothing.
    assert daemon.run_once().handled == 0
    assert len(smtp_server.messages()) == 13 and _count(daemon, Case) == 13


def test_uidvalidity_reset_answers_nothing_again(dovecot: DovecotServer, smtp_server: SmtpServer,
                                                 make_daemon: MakeDaemon) -> None:
    dovecot.append(*[sample_message(n) for n in range(5)])
    daemon = make_daemon(dovecot=dovecot, smtp=smtp_server)
    # Handled and committed, but the moves never happened (as if the daemon died right after the commits).
    daemon.source._move_all = lambda client, moves, by_key: 0  # type: ignore[method-assign]
    assert daemon.run_once().handled == 5
    assert len(dovecot.uids()) == 5
    dovecot.reset_uidvalidity()
    dovecot.append(sample_message(6))
    daemon = make_daemon(dovecot=dovecot, smtp=smtp_server)
    report = daemon.run_once()
    assert report.handled == 6  # 5 recognised by Message-ID and hash, one new
    assert _count(daemon, Case) == 6
    assert len(smtp_server.messages()) == 6
    assert dovecot.uids() == [] and len(dovecot.uids("Approved")) == 6


def test_a_message_that_keeps_failing_is_set_aside_without_blocking_others(
        dovecot: DovecotServer, smtp_server: SmtpServer, make_daemon: MakeDaemon) -> None:
    dovecot.append(sample_message(1, subject="Broken [fail]"), sample_message(2), sample_message(3))
    daemon = make_daemon(dovecot=dovecot, smtp=smtp_server, max_attempts=2, retry_seconds=0)
    daemon.run_once()  # runs again while there is work due: the retry comes round at once (retry_seconds = 0)
    assert len(dovecot.uids("Approved")) == 2 and len(smtp_server.messages()) == 2
    assert dovecot.uids() == [] and len(dovecot.uids("Set-aside")) == 1
    with daemon.sessions() as session:
        record = session.scalars(select(IntakeRecord).where(IntakeRecord.status == "set_aside")).one()
    assert record.attempts == 2 and "always fails" in (record.last_error or "")


def test_without_move_messages_are_copied_and_expunged(dovecot_without_move: DovecotServer,
                                                       smtp_server: SmtpServer, make_daemon: MakeDaemon) -> None:
    dovecot_without_move.append(*[sample_message(n) for n in range(3)])
    daemon = make_daemon(dovecot=dovecot_without_move, smtp=smtp_server)
    assert daemon.run_once().handled == 3
    assert dovecot_without_move.uids() == [] and len(dovecot_without_move.uids("Approved")) == 3
    assert len(smtp_server.messages()) == 3


def test_without_move_or_uidplus_messages_are_copied_and_marked(dovecot_plain: DovecotServer,
                                                                smtp_server: SmtpServer,
                                                                make_daemon: MakeDaemon) -> None:
    dovecot_plain.append(*[sample_message(n) for n in range(3)])
    daemon = make_daemon(dovecot=dovecot_plain, smtp=smtp_server)
    assert daemon.run_once().handled == 3
    assert len(dovecot_plain.uids("Approved")) == 3
    flags = dovecot_plain.flags("INBOX")
    assert len(flags) == 3 and all(b"MailbotDone" in f for f in flags.values())
    assert make_daemon(dovecot=dovecot_plain, smtp=smtp_server).run_once().handled == 0
    assert len(smtp_server.messages()) == 3
