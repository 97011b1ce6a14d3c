"""Draining the outbox: claim due rows, send each outside any transaction, record what happened.

A row is claimed in a short transaction (see store.outbox.queue; after a full batch, the one that records that
batch's last mail), its envelope is offered to the server, then the row is marked `transmitting` (and, for a
temporary password, the user's new hash written) in one commit just before DATA. So a crash before DATA leaves a
row that is safely sent again, and one after DATA began leaves a row that is shown to staff as uncertain rather
than sent twice. The Message-ID is the row's own (deterministic).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from mailbot.config import Config
from mailbot.metrics import METRICS
from mailbot.outbox.mail_bytes import mail_bytes
from mailbot.outbox.maildir_sink import MaildirSink
from mailbot.outbox.temp_passwords import PASSWORD_SLOT, set_temporary_password
from mailbot.outbox.transport import SendRefused, SendTransient, SendUncertain, SmtpTransport, Transport
from rules.email_domains import in_domains
from store.db import PING_AFTER_IDLE_SECONDS, transaction
from store.models import OutboxMessage
from store.outbox import queue as q
from store.outbox.case_rows import PASSWORD_PURPOSE

log = logging.getLogger(__name__)
KEEP_CONNECTION_SECONDS = 20.0  # an idle connection older than this is not reused (servers drop idle clients)
GIVE_UP_AFTER = 12  # transient failures before a reply is given up as undeliverable (about 2.8 days at 60 s)
# A wake-up of the sender (a reply queued) during a drain runs the next drain this long after it ends; one after
# a drain, no sooner than this after that drain began. A quiet mailbox still gets its reply at once, busy ones
# their replies in batches (fewer commits a mail). Before, wake-ups closer than this were dropped, and a reply
# whose wake-up was the one dropped waited for the next `[daemon] outbox_seconds`. The hold costs some latency
# when mail comes steadily: bench_latency at 20 messages/s, p50 0.18-0.20 s before, 0.25 s with it, p95 about
# the same (0.46-0.57 s before, 0.49-0.59 s); the sender's commits a mail fell 1.8 -> 1.27 at 60 a second
# (bench/bench_outbox.py).
OUTBOX_HOLD_SECONDS = 0.1


def transport_for(config: Config) -> Callable[[], Transport]:
    if config.sink.kind == "maildir":
        root = config.path(config.sink.maildir)
        return lambda: MaildirSink(root)
    return lambda: SmtpTransport(config.smtp)


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0


@dataclass
class OutboxSender:
    sessions: sessionmaker[Session]
    config: Config
    owner: str
    clock: Callable[[], datetime]
    transport_factory: Callable[[], Transport] | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        # One event loop and one server connection kept between drains (never two drains at once: the daemon's
        # job runner sees to that), so a reply sent right after its case does not pay for a new connection.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._transport: Transport | None = None
        self._last_used = 0.0
        engine = self.sessions.kw.get("bind")
        assert isinstance(engine, Engine), "the sender's sessions are bound to an engine"
        self._engine = engine
        self._held: Connection | None = None  # see _mail_transaction
        self._held_used = 0.0

    def drain(self) -> DrainReport:
        """Send everything due now (batch after batch), then return. Not to be called from two threads at once."""
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(self.drain_async())

    def close(self) -> None:
        """Close the kept connection and the event loop (at shutdown)."""
        self._let_go()
        if self._loop is None or self._loop.is_closed():
            return
        if self._transport is not None:
            self._loop.run_until_complete(self._transport.close())
            self._transport = None
        self._loop.close()

    async def _transport_now(self) -> Transport:
        """The kept transport, replaced when it has sat unused long enough for the server to have dropped it."""
        if self._transport is not None and time.monotonic() - self._last_used > KEEP_CONNECTION_SECONDS:
            await self._transport.close()
            self._transport = None
        if self._transport is None:
            self._transport = (self.transport_factory or transport_for(self.config))()
        return self._transport

    async def drain_async(self) -> DrainReport:
        """Batch after batch until one comes back less than full: what is queued after that claim is sent by the
        wake-up that queued it (held when it comes during a drain: OUTBOX_HOLD_SECONDS), so a drain needs
        no last claim that finds nothing."""
        report = DrainReport()
        limit = max(1, self.config.daemon.outbox_batch)
        rows: list[OutboxMessage] = []
        if not self.stop.is_set():
            with transaction(self.sessions) as session:
                rows = q.claim_due(session, owner=self.owner, now=self.clock(), limit=limit)
        try:
            while rows:
                rows = await self._send_rows(rows, report, limit)
        finally:
            self._let_go()
        return report

    @contextmanager
    def _mail_transaction(self) -> Iterator[Connection]:
        """A transaction of a mail's own (engine.begin's, on a bare connection), on one pooled connection kept for
        the drain rather than one checked out and given back a mail: the pool's checkout and checkin, with their
        events and the reset on return, cost about as much as the two statements. Taken anew once unused for
        PING_AFTER_IDLE_SECONDS (a slow server's answer), so that one the database may have dropped meanwhile is
        pinged on its checkout as before; given back at once on any error, so that the pool's checkin rolls back
        what a failed COMMIT left open (store.db: SQLite keeps its write lock until then)."""
        if self._held is not None and time.monotonic() - self._held_used > PING_AFTER_IDLE_SECONDS:
            self._let_go()
        if self._held is None:
            self._held = self._engine.connect()
        try:
            with self._held.begin():
                yield self._held
        except BaseException:
            self._let_go()
            raise
        self._held_used = time.monotonic()

    def _let_go(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.close()

    async def _send_rows(self, rows: list[OutboxMessage], report: DrainReport, limit: int) -> list[OutboxMessage]:
        """Send ROWS; returns the next batch when this one was full, claimed in the same commit as the last mail's
        result (one commit a batch fewer). One transaction: a crash before it commits leaves the last mail
        `transmitting` (uncertain to staff, never resent) and the next batch unclaimed, as if neither happened."""
        transport = await self._transport_now()
        delivered: int | None = None  # accepted by the server; recorded as sent with the next commit
        try:
            for index, row in enumerate(rows):
                if self.stop.is_set():
                    with transaction(self.sessions) as session:
                        q.release(session, [r.id for r in rows[index:]], self.owner)
                    return []
                if not transport.is_open:
                    try:
                        await transport.open()
                    except SendTransient as exc:
                        self._record_sent(delivered)
                        delivered = None
                        for rest in rows[index:]:
                            self._retry(rest, str(exc), report)
                        return []
                delivered = await self._send_one(transport, row, report, delivered)
            if len(rows) < limit or self.stop.is_set():
                return []
            with transaction(self.sessions) as session:
                if delivered is not None:
                    q.mark_sent(session, delivered, self.owner, self.clock())
                following = q.claim_due(session, owner=self.owner, now=self.clock(), limit=limit)
            delivered = None  # only once committed: else the finally below records it on its own
            return following
        finally:
            self._record_sent(delivered)
            self._last_used = time.monotonic()
            if self.stop.is_set():
                await transport.close()

    def _record_sent(self, row_id: int | None) -> None:
        if row_id is not None:
            with self._mail_transaction() as connection:
                q.mark_sent(connection, row_id, self.owner, self.clock())

    async def _send_one(self, transport: Transport, row: OutboxMessage, report: DrainReport,
                        delivered: int | None) -> int | None:
        """Send ROW; returns its id when the server accepted it (to be recorded as sent with the next commit,
        which saves one commit a mail), else records the outcome and returns None. DELIVERED is the previous
        row accepted and not yet recorded."""
        if row.purpose == PASSWORD_PURPOSE and not self._secure(row.recipient):
            self._record_sent(delivered)
            with transaction(self.sessions) as session:  # SPEC 8, checked again at the last moment
                q.mark_failed(session, row.id, self.owner, self.clock(),
                              "a temporary password may only go to an address in [auth] secure_domains")
            report.failed += 1
            return None
        try:
            try:
                await transport.envelope(self.config.mailbox.address, row.recipient)
            except SendTransient:
                # A kept connection the server has since closed: nothing was sent, so one fresh try is safe.
                await transport.close()
                await transport.open()
                await transport.envelope(self.config.mailbox.address, row.recipient)
        except (SendRefused, SendTransient) as exc:
            self._record_sent(delivered)
            if isinstance(exc, SendRefused):
                self._refused(row, exc, report)
            else:
                self._retry(row, str(exc), report)
            return None
        now = self.clock()
        password: str | None = None
        if row.purpose != PASSWORD_PURPOSE:
            # Most mails: on a bare connection (a Session's own bookkeeping costs more than the two statements);
            # whether the row was still ours read once committed (on PostgreSQL its UPDATE goes with the COMMIT).
            with self._mail_transaction() as connection:
                if delivered is not None:
                    q.mark_sent(connection, delivered, self.owner, now)
                ours = q.mark_transmitting_later(connection, row.id, self.owner)
            if not ours():
                return None
        else:
            with transaction(self.sessions) as session:
                if not self._to_transmitting(session, row.id, delivered, now):
                    return None
                if row.user_id is None:
                    q.mark_failed(session, row.id, self.owner, now, "a password mail with no user to set it for")
                    report.failed += 1
                    return None
                password = set_temporary_password(session, row.user_id, now=now,
                                                  days=self.config.accounts.temp_password_days)
        body = row.body.replace(PASSWORD_SLOT, password) if password else None
        content = mail_bytes(row, now=now, body=body)
        del password, body  # the password lives only in the bytes handed to the server
        try:
            await transport.data(f"outbox-{row.id}", content)
        except SendRefused as exc:
            self._refused(row, exc, report)
        except SendTransient as exc:
            self._retry(row, str(exc), report)
        except SendUncertain as exc:
            METRICS.send_failures.labels(result="uncertain").inc()
            log.error("outbox %s (%s): may or may not have been delivered, not resent: %s", row.id,
                      row.message_id, exc)
            with transaction(self.sessions) as session:
                q.mark_uncertain(session, row.id, self.owner, self.clock(), str(exc))
            report.uncertain += 1
        else:
            METRICS.sent.inc()
            report.sent += 1
            return row.id
        return None

    def _to_transmitting(self, session: Session | Connection, row_id: int, delivered: int | None,
                         now: datetime) -> bool:
        """In one transaction, DELIVERED (the previous mail accepted) recorded as sent and ROW_ID as transmitting;
        False when ROW_ID is no longer ours (housekeeping took it back: leave it)."""
        if delivered is not None:
            q.mark_sent(session, delivered, self.owner, now)
        return q.mark_transmitting(session, row_id, self.owner)

    def _secure(self, address: str) -> bool:
        return in_domains(address, frozenset(self.config.auth.secure_domains))

    def _refused(self, row: OutboxMessage, exc: SendRefused, report: DrainReport) -> None:
        if not exc.permanent:
            self._retry(row, str(exc), report)
            return
        METRICS.send_failures.labels(result="failed").inc()
        log.error("outbox %s to %s refused for good: %s", row.id, row.recipient, exc)
        with transaction(self.sessions) as session:
            q.mark_failed(session, row.id, self.owner, self.clock(), str(exc))
        report.failed += 1

    def _retry(self, row: OutboxMessage, error: str, report: DrainReport) -> None:
        METRICS.send_failures.labels(result="retry").inc()
        log.warning("outbox %s to %s: will retry: %s", row.id, row.recipient, error)
        with transaction(self.sessions) as session:
            status = q.retry_later(session, row.id, self.owner, self.clock(), error,
                                   timedelta(seconds=self.config.daemon.send_retry_seconds), GIVE_UP_AFTER)
        if status == q.FAILED:
            report.failed += 1
        else:
            report.retried += 1
