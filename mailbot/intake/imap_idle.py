"""IMAP IDLE in a thread of its own: wakes the poll as soon as the server announces new mail.

It only signals; the poll does the work. IDLE is re-issued well inside the 29 minutes servers allow, and a NOOP
checks liveness every minute, because after a server dies imapclient's idle_check returns [] at once forever
(mjs/imapclient issue 565): an idle_check that returns early with nothing is treated as a dead connection. On any
trouble it reconnects with backoff; meanwhile the scheduled poll keeps the mailbox read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from imapclient import IMAPClient

from mailbot.config import Config
from mailbot.connections import open_imap, quietly_logout
from mailbot.metrics import METRICS

log = logging.getLogger(__name__)
LIVENESS_SECONDS = 60
CHECK_SECONDS = 5  # how long one idle_check waits: also how soon a stop request is noticed


class IdleUnavailable(Exception):
    pass


@dataclass
class ImapIdler:
    config: Config
    on_new_mail: Callable[[], None]
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    active: bool = False  # IDLE is running now (else the daemon relies on polling)

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="imap-idle", daemon=True)
        self.thread.start()

    def join(self, timeout: float) -> None:
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self) -> None:
        backoff = 1.0
        while not self.stop.is_set():
            try:
                self._session()
                backoff = 1.0
            except IdleUnavailable as exc:
                log.info("IMAP IDLE not used (%s): polling every %s s", exc, self.config.imap.poll_seconds)
                return
            except Exception as exc:  # noqa: BLE001 - reconnect on anything; the poll covers the gap
                METRICS.errors.labels(kind="idle").inc()
                log.warning("IMAP IDLE connection lost (%s: %s); reconnecting in %.0f s",
                            exc.__class__.__name__, exc, backoff)
            self.active = False
            self.stop.wait(backoff)
            backoff = min(backoff * 2, 30.0)

    def _session(self) -> None:
        client = open_imap(self.config.imap)
        try:
            if b"IDLE" not in client.capabilities():
                raise IdleUnavailable("the server does not offer IDLE")
            client.select_folder(self.config.imap.folder, readonly=True)
            self.on_new_mail()  # whatever arrived while we were not listening
            while not self.stop.is_set():
                self._idle_round(client)
        finally:
            self.active = False
            quietly_logout(client)

    def _idle_round(self, client: IMAPClient) -> None:
        """One IDLE command: until renewal is due or the liveness check comes round."""
        client.idle()
        self.active = True
        began = time.monotonic()
        renew_at = began + min(self.config.daemon.idle_renew_seconds, 29 * 60 - 60)
        check_at = began + LIVENESS_SECONDS
        try:
            while not self.stop.is_set() and time.monotonic() < min(renew_at, check_at):
                asked = time.monotonic()
                responses = client.idle_check(timeout=CHECK_SECONDS)
                if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    self.on_new_mail()
                elif not responses and time.monotonic() - asked < CHECK_SECONDS / 2:
                    raise ConnectionError("idle_check returned early with nothing: the connection is closed")
        finally:
            client.idle_done()
        client.noop()  # liveness: raises if the server is gone
