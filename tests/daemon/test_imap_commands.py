"""The IMAP commands a poll sends against the real Dovecot: a fixed number for a batch, whatever the number of
messages in it (nothing is asked per message): the folder selected, the messages listed and those too big to fetch
with the rest found by a search each, the batch fetched in one FETCH (no FETCH of each message's size first), and
the batch moved by one MOVE a folder."""

from __future__ import annotations

import imaplib
from collections import Counter
from typing import Any

import pytest
from imapclient import IMAPClient

from mailbot.intake import imap_source
from tests.daemon.conftest import MakeDaemon
from tests.support.daemon_setup import sample_message
from tests.support.dovecot import DovecotServer
from tests.support.smtp_server import SmtpServer


def test_a_batch_costs_the_same_imap_commands_whatever_the_number_of_its_messages(
        make_daemon: MakeDaemon, dovecot: DovecotServer, smtp_server: SmtpServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[str] = []
    command = imaplib.IMAP4._command

    def counted(self: imaplib.IMAP4, name: str, *args: Any) -> Any:
        sent.append(f"{name} {args[0]}" if name == "UID" else name)
        return command(self, name, *args)

    raw_command = IMAPClient._raw_command  # (IMAPClient writes SEARCH itself, not through imaplib)

    def raw_counted(self: IMAPClient, name: bytes, args: Any, uid: bool = True) -> Any:
        sent.append(("UID " if uid and self.use_uid else "") + name.decode())
        return raw_command(self, name, args, uid)

    monkeypatch.setattr(imaplib.IMAP4, "_command", counted)
    monkeypatch.setattr(IMAPClient, "_raw_command", raw_counted)
    daemon = make_daemon(dovecot=dovecot, smtp=smtp_server)  # ([imap] batch_size 10)
    try:
        polls: list[Counter[str]] = []
        start = 0
        for n in (1, 3, 10):  # the first poll also logs in and makes the folders
            dovecot.append(*(sample_message(i) for i in range(start, start + n)))
            start += n
            sent.clear()
            assert daemon.source.poll().handled == n
            polls.append(Counter(sent))
    finally:
        daemon.source.close()
    assert dovecot.uids() == []
    assert polls[1] == polls[2], polls
    assert polls[2]["UID FETCH"] == 1 and polls[2]["UID SEARCH"] == 2, polls
    assert sum(polls[2].values()) == 3 + polls[2]["SELECT"] + polls[2]["UID MOVE"], polls


def test_bodies_read_off_the_fetch_reply_are_imapclients(dovecot: DovecotServer) -> None:
    """imap_source._bodies reads the usual reply without IMAPClient's parser, and gets what IMAPClient.fetch gets:
    each message's bytes by UID (one with an empty body, one with a line of 8-bit bytes), none for a UID gone."""
    raws = [sample_message(1), b"Subject: empty\r\n\r\n", b"Subject: 8-bit\r\n\r\ncaf\xc3\xa9 {12}\r\n)\r\n"]
    dovecot.append(*raws)
    client = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False)
    try:
        client.login(dovecot.user, dovecot.password)
        client.select_folder("INBOX")
        uids = sorted(client.search(["ALL"]))
        expected = {uid: bytes(parts[b"BODY[]"]) for uid, parts in client.fetch(uids, ["BODY.PEEK[]"]).items()}
        assert imap_source._bodies(client, [*uids, max(uids) + 100]) == expected
        assert [expected[uid] for uid in uids] == raws
    finally:
        client.logout()


def test_a_fetch_reply_of_another_shape_is_read_by_imapclients_parser() -> None:
    literal = b"Subject: x\r\n\r\nbody\r\n"
    usual = [(b"1 (UID 7 BODY[] {20}", literal), b")", (b"2 (UID 9 BODY[] {20}", literal), b")"]
    assert imap_source.bodies_of(usual) == {7: literal, 9: literal}
    reordered = [(b"1 (BODY[] {20}", literal), b" UID 7)", (b"2 (UID 9 BODY[] {20}", literal), b")"]
    assert imap_source.bodies_of(reordered) == {7: literal, 9: literal}
    with_flags = [*usual, b"3 (UID 11 FLAGS (\\Seen))"]  # (an unsolicited change of another message's flags)
    assert imap_source.bodies_of(with_flags) == {7: literal, 9: literal}
    as_a_string = [b'1 (UID 7 BODY[] "")']
    assert imap_source.bodies_of(as_a_string) == {7: b""}
    assert imap_source.bodies_of([None]) == {}
