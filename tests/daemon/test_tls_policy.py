"""TLS is required unless the config says "none": against servers that offer no TLS, the daemon neither logs in nor
sends anything in plain text."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from mailbot.connections import ConnectionProblem
from store.models import OutboxMessage
from tests.daemon.conftest import MakeDaemon
from tests.support.daemon_setup import sample_message
from tests.support.dovecot import DovecotServer
from tests.support.smtp_server import SmtpServer


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
def test_imap_without_tls_is_refused(dovecot: DovecotServer, smtp_server: SmtpServer, make_daemon: MakeDaemon,
                                     tls: str) -> None:
    dovecot.append(sample_message(1))
    daemon = make_daemon(dovecot=dovecot, smtp=smtp_server, imap={"tls": tls})
    logins = dovecot.log_tail(1000).count("Login: user=<mailbot>")
    with pytest.raises(ConnectionProblem):
        daemon.source.poll()
    assert dovecot.log_tail(1000).count("Login: user=<mailbot>") == logins  # no password sent in plain text
    assert dovecot.uids() != [] and smtp_server.messages() == []


def test_smtp_without_starttls_sends_nothing_and_retries_later(dovecot: DovecotServer, smtp_server: SmtpServer,
                                                               make_daemon: MakeDaemon) -> None:
    dovecot.append(sample_message(1))
    daemon = make_daemon(dovecot=dovecot, smtp=smtp_server)
    daemon.sender.config = replace(daemon.config, smtp=replace(daemon.config.smtp, tls="starttls"))
    report = daemon.run_once()
    assert report.handled == 1
    assert smtp_server.messages() == []
    with daemon.sessions() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "pending" and "STARTTLS" in (row.last_error or "").upper()
