"""The test servers themselves behave as the daemon's tests assume."""

from __future__ import annotations

import asyncio

import aiosmtplib
import pytest

from tests.support.dovecot import DovecotServer
from tests.support.smtp_server import SmtpServer

MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\nMessage-ID: <t1@example.org>\r\n\r\nhello\r\n"


def test_dovecot_append_kill_restart_and_uidvalidity_reset(dovecot: DovecotServer) -> None:
    dovecot.append(MESSAGE, MESSAGE)
    assert dovecot.uids() == [1, 2]
    before = dovecot.uidvalidity()
    dovecot.restart()
    assert dovecot.fetch()[1] == MESSAGE
    assert dovecot.reset_uidvalidity() != before
    assert len(dovecot.uids()) == 2


def test_dovecot_without_move_does_not_offer_it(dovecot_without_move: DovecotServer) -> None:
    with dovecot_without_move.client() as c:
        assert b"MOVE" not in c.capabilities()
        assert b"IDLE" in c.capabilities()


def _send(server: SmtpServer) -> None:
    asyncio.run(aiosmtplib.send(MESSAGE, sender="a@example.org", recipients=["b@example.org"],
                                hostname="127.0.0.1", port=server.port, start_tls=False, timeout=5))


def test_smtp_server_modes(smtp_server: SmtpServer) -> None:
    smtp_server.set_mode("fail_transient", failures=1)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        _send(smtp_server)
    assert refused.value.recipients[0].code == 451
    _send(smtp_server)
    assert smtp_server.message_ids() == ["<t1@example.org>"]
    smtp_server.set_mode("fail_permanent")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        _send(smtp_server)
    assert refused.value.recipients[0].code == 550
    smtp_server.set_mode("drop_connection")
    with pytest.raises(aiosmtplib.SMTPException):
        _send(smtp_server)
    assert len(smtp_server.messages()) == 1
