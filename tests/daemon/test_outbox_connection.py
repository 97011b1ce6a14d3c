"""The sender's per-mail transactions run on one pooled connection kept for the drain (a checkout and checkin a mail
cost about as much as the two statements), against a real aiosmtpd on SQLite and PostgreSQL: the same commits and
mails as before, a connection taken anew after sitting unused (so the pool pings it again), and given back at once
when a transaction fails (so nothing it left open holds SQLite's write lock)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from mailbot.outbox import sender as sender_module
from mailbot.outbox.sender import OutboxSender
from store.db import sessions
from store.models import OutboxMessage
from tests.daemon.test_outbox_sender import Clock, _queue
from tests.support.daemon_setup import daemon_config
from tests.support.smtp_server import SmtpServer


def _drain_counted(engine: Engine, store: sessionmaker[Session], store_url: str, smtp_server: SmtpServer,
                   n: int, start: int) -> tuple[int, int]:
    """Checkouts and commits of a drain of N fresh mails, each sent once."""
    _queue(store, n, start=start)
    checkouts: list[int] = []
    commits: list[int] = []

    def checked_out(*_: Any) -> None:
        checkouts.append(1)

    def committed(_conn: Any) -> None:
        commits.append(1)

    event.listen(engine, "checkout", checked_out)
    event.listen(engine, "commit", committed)
    before = len(smtp_server.message_ids())
    try:
        sender = OutboxSender(store, daemon_config(store_url, smtp=smtp_server, outbox_batch=50), "test", Clock())
        assert sender.drain().sent == n
        sender.close()
    finally:
        event.remove(engine, "checkout", checked_out)
        event.remove(engine, "commit", committed)
    assert len(smtp_server.message_ids()) == before + n
    assert engine.pool.checkedout() == 0  # nothing kept past the drain
    return len(checkouts), len(commits)


def test_a_drain_checks_out_as_many_connections_whatever_its_number_of_mails(
        engine: Engine, store_url: str, smtp_server: SmtpServer) -> None:
    store = sessions(engine)
    few, few_commits = _drain_counted(engine, store, store_url, smtp_server, 3, 0)
    many, many_commits = _drain_counted(engine, store, store_url, smtp_server, 12, 100)
    assert few == many, (few, many)
    # The claim, a commit a mail before its DATA, and the last mail's result: as ever.
    assert (few_commits, many_commits) == (1 + 3 + 1, 1 + 12 + 1)
    with store() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}
    assert sorted(smtp_server.message_ids()) == sorted(set(smtp_server.message_ids()))  # none twice


def test_a_connection_unused_for_a_while_is_taken_anew(engine: Engine, store_url: str, smtp_server: SmtpServer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """With no time allowed unused, each mail's transaction takes a connection of its own, as engine.begin did:
    the pool's checkout (and its ping of one idle too long) is still there for a connection kept through a slow
    server's answer."""
    monkeypatch.setattr(sender_module, "PING_AFTER_IDLE_SECONDS", -1.0)
    store = sessions(engine)
    few, _ = _drain_counted(engine, store, store_url, smtp_server, 3, 0)
    many, _ = _drain_counted(engine, store, store_url, smtp_server, 12, 100)
    assert many - few == 12 - 3


def test_a_failed_mail_transaction_gives_its_connection_back(engine: Engine, store_url: str,
                                                             smtp_server: SmtpServer) -> None:
    store = sessions(engine)
    _queue(store, 3)
    updates: list[str] = []

    def fail_the_second(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append(statement)
            if len(updates) == 3:  # the claim, the first mail transmitting, then the second mail's transaction
                raise RuntimeError("the store failed")

    event.listen(engine, "before_cursor_execute", fail_the_second)
    sender = OutboxSender(store, daemon_config(store_url, smtp=smtp_server, outbox_batch=50), "test", Clock())
    try:
        with pytest.raises(StatementError, match="the store failed"):
            sender.drain()
    finally:
        event.remove(engine, "before_cursor_execute", fail_the_second)
    assert engine.pool.checkedout() == 0
    with engine.begin() as connection:  # (on SQLite BEGIN IMMEDIATE) no transaction left open: the write lock free
        assert connection.scalar(text("SELECT 1")) == 1
    with store() as session:  # the first mail's result, lost with the failed transaction, recorded on leaving the
        # batch on a connection taken anew; the second mail never got to DATA
        assert list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id))) == [
            "sent", "sending", "sending"]
    sender.close()
