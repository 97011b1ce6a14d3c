"""imaplib's debugging lines, which IMAPClient turns on for its logger: formatted only when that logger would log
them (at 5 imaplib writes out a repr of every literal it reads, the whole of every message fetched)."""

from __future__ import annotations

import logging

import pytest

from mailbot.config_sections import ImapSection
from mailbot.connections import IMAPLIB_LOGGER, open_imap, quietly_logout
from tests.support.dovecot import DovecotServer


def _imap(dovecot: DovecotServer) -> ImapSection:
    return ImapSection(host="127.0.0.1", port=dovecot.port, username=dovecot.user, password=dovecot.password,
                       tls="none")


def test_imaplib_formats_nothing_when_its_lines_are_not_logged(dovecot: DovecotServer,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=IMAPLIB_LOGGER)
    client = open_imap(_imap(dovecot))
    try:
        assert client._imap.debug == 0
        client.select_folder("INBOX")
    finally:
        quietly_logout(client)
    assert not [r for r in caplog.records if r.name == IMAPLIB_LOGGER]


def test_imaplib_lines_are_logged_at_debug(dovecot: DovecotServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=IMAPLIB_LOGGER)
    client = open_imap(_imap(dovecot))
    try:
        assert client._imap.debug == 5  # (IMAPClient's own choice, left as it is)
        client.select_folder("INBOX")
    finally:
        quietly_logout(client)
    lines = [r.getMessage() for r in caplog.records if r.name == IMAPLIB_LOGGER]
    assert any("SELECT" in line for line in lines)
    assert not any(dovecot.password in line for line in lines)  # (IMAPClient's adapter hides the login's)
