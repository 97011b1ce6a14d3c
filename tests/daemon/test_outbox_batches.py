"""The outbox sender's batches: the next batch is claimed in the commit that records a full batch's last mail, a
drain ends after a batch that was not full, and a sender killed in or just after that commit loses no mail and
sends none twice (SPEC: each reply exactly once; a send that may have happened is left to staff, not repeated)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from mailbot.outbox.sender import OutboxSender
from store.db import sessions, transaction
from store.models import OutboxMessage
from store.outbox import queue as outbox_queue
from tests.daemon.test_outbox_sender import NOW, Clock, _queue
from tests.support.daemon_setup import daemon_config
from tests.support.smtp_server import SmtpServer


def _statuses(store: sessionmaker[Session]) -> list[str]:
    with store() as session:
        return list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def _claims(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rows each claim of the sender's found, in order."""
    found: list[int] = []
    claim = outbox_queue.claim_due

    def counted(session: Session, **kwargs: Any) -> list[OutboxMessage]:
        rows = claim(session, **kwargs)
        found.append(len(rows))
        return rows

    monkeypatch.setattr(outbox_queue, "claim_due", counted)
    return found


def test_a_drain_ends_after_a_batch_that_was_not_full(engine: Engine, store_url: str, smtp_server: SmtpServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = sessions(engine)
    _queue(store, 5)
    claims = _claims(monkeypatch)
    commits: list[int] = []
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    sender = OutboxSender(store, daemon_config(store_url, smtp=smtp_server, outbox_batch=2), "test", Clock())
    assert sender.drain().sent == 5
    # 2 + 2 + 1: the batch of one ends the drain, no claim after it to find nothing.
    assert claims == [2, 2, 1]
    # The first claim, a commit a mail before its DATA, the two claims that each record a full batch's last
    # mail, and the last mail's result: 1 + 5 + 2 + 1.
    assert len(commits) == 9
    assert _statuses(store) == ["sent"] * 5
    assert sorted(smtp_server.message_ids()) == sorted(f"<{r}>" for r in _message_ids(store))


def test_a_full_last_batch_costs_one_claim_that_finds_nothing(engine: Engine, store_url: str,
                                                              smtp_server: SmtpServer,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    store = sessions(engine)
    _queue(store, 4)
    claims = _claims(monkeypatch)
    sender = OutboxSender(store, daemon_config(store_url, smtp=smtp_server, outbox_batch=2), "test", Clock())
    assert sender.drain().sent == 4
    assert claims == [2, 2, 0]
    assert sender.drain().sent == 0 and claims == [2, 2, 0, 0]


def _message_ids(store: sessionmaker[Session]) -> list[str]:
    with store() as session:
        return [m.strip("<>") for m in session.scalars(select(OutboxMessage.message_id).order_by(OutboxMessage.id))]


# The sender in a process of its own, killed (os._exit: no finally, no rollback but the store's own) either inside
# the transaction that records batch one's last mail and claims batch two, or just after it commits.
KILLED_SENDER = textwrap.dedent("""
    import os, sys, types
    from datetime import datetime
    from mailbot.outbox import sender as sender_module
    from store.db import make_engine, sessions
    from store.outbox import queue
    from tests.support.daemon_setup import daemon_config

    url, port, where = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    now = datetime.fromisoformat(sys.argv[4])
    claim, send_rows, calls = queue.claim_due, sender_module.OutboxSender._send_rows, []

    def claim_then_die(session, **kwargs):
        calls.append("claim")
        rows = claim(session, **kwargs)
        if where == "in_the_commit" and calls.count("claim") == 2:
            os._exit(9)  # the last mail's UPDATE and the claim ran, not committed
        return rows

    async def die_on_batch_two(self, rows, report, limit):
        calls.append("batch")
        if where == "after_the_commit" and calls.count("batch") == 2:
            os._exit(9)  # committed: the last mail recorded, batch two claimed and never sent
        return await send_rows(self, rows, report, limit)

    queue.claim_due = claim_then_die
    sender_module.OutboxSender._send_rows = die_on_batch_two
    config = daemon_config(url, smtp=types.SimpleNamespace(port=port), outbox_batch=2)
    sender_module.OutboxSender(sessions(make_engine(url)), config, "doomed", lambda: now).drain()
    sys.exit(0)
""")


@pytest.mark.parametrize("where", ["in_the_commit", "after_the_commit"])
def test_a_sender_killed_in_or_after_the_commit_that_claims_the_next_batch_loses_and_repeats_nothing(
        engine: Engine, store_url: str, smtp_server: SmtpServer, where: str) -> None:
    store = sessions(engine)
    _queue(store, 3)
    killed = subprocess.run([sys.executable, "-c", KILLED_SENDER, store_url, str(smtp_server.port), where,
                             NOW.isoformat()], capture_output=True, text=True, timeout=60)
    assert killed.returncode == 9, killed.stderr
    first, second, third = _message_ids(store)
    assert sorted(smtp_server.message_ids()) == sorted([f"<{first}>", f"<{second}>"])  # batch one went out
    if where == "in_the_commit":
        # Rolled back together: the second mail is still `transmitting` (DATA happened: uncertain, not resent)
        # and the third was never claimed.
        assert _statuses(store) == ["sent", "transmitting", "pending"]
    else:
        assert _statuses(store) == ["sent", "sent", "sending"]
    later = NOW + timedelta(minutes=10)
    with transaction(store) as session:  # housekeeping, once the dead sender's claims are stale
        outbox_queue.recover_stale(session, later, timedelta(minutes=5))
    clock = Clock()
    clock.now = later
    OutboxSender(store, daemon_config(store_url, smtp=smtp_server, outbox_batch=2), "next", clock).drain()
    sent = smtp_server.message_ids()
    assert sorted(sent) == sorted(f"<{m}>" for m in (first, second, third))  # each once: none lost, none twice
    assert _statuses(store) == (["sent", "uncertain", "sent"] if where == "in_the_commit" else ["sent"] * 3)
