"""The daemon's heartbeat: a thread of its own that tells the store this daemon is alive, renews the leases of the
claims it holds, and takes over the claims of daemons that are not alive any more (see store.daemons).

Its own thread, not a scheduler job: a batch of slow messages, a busy job pool or a long SMTP send must never delay
it, or a live daemon would look dead and lose its claims.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from mailbot.config_sections import DaemonSection
from store import daemons
from store.db import transaction
from store.models import RunningDaemon

log = logging.getLogger(__name__)
# When this process began (near enough: when this module was first imported). A row with our pid that began before
# it was written by an earlier process that had the same pid: a restart in a container, where every daemon is pid 1.
PROCESS_STARTED = datetime.now(UTC)


def this_host() -> str:
    """The name this daemon gives its host: MAILBOT_HOSTNAME when set (containers whose host names are random or
    shared), else the machine's. Daemons of one host name judge each other's processes directly (see process_gone),
    so two machines must not share one."""
    return os.environ.get("MAILBOT_HOSTNAME") or socket.gethostname()


def owner_id() -> str:
    """A daemon's owner id, unique to this process: its claims and its heartbeat row carry it."""
    return f"{this_host()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def process_gone(host: str, pid: int) -> Callable[[RunningDaemon], bool]:
    """Whether a daemon recorded on HOST (this machine, whose own process is PID) has died: its process is no
    longer there, or it had our pid before this process began. Other hosts' daemons are judged by their heartbeat
    alone."""

    def gone(row: RunningDaemon) -> bool:
        if row.host != host:
            return False
        if row.pid == pid:
            return row.started_at < PROCESS_STARTED
        try:
            os.kill(row.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # there, under another user
            return False
        return False

    return gone


def claim_lease(section: DaemonSection) -> timedelta:
    """The lease a running daemon's claims carry, renewed at each beat: never shorter than the time it takes to
    declare a silent daemon dead, so a claim cannot lapse between two beats of a live one."""
    return timedelta(seconds=max(section.lease_seconds, section.stale_seconds))


@dataclass
class Heartbeat:
    sessions: sessionmaker[Session]
    section: DaemonSection
    owner: str
    clock: Callable[[], datetime]
    # Called after claims were freed (the daemon wakes its poll and its outbox sender).
    on_take_over: Callable[[], None] = lambda: None
    # Called when this daemon finds it was taken for dead and its claims taken over.
    on_lost: Callable[[], None] = lambda: None
    host: str = field(default_factory=this_host)
    pid: int = field(default_factory=os.getpid)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.started = self.clock()
        self.thread: threading.Thread | None = None
        self.last_beat: datetime | None = None

    def register(self) -> daemons.TakeOver:
        """Record this daemon, and take over at once the claims of any daemon found dead (on one machine: a
        predecessor that was killed)."""
        now = self.clock()
        with transaction(self.sessions) as session:
            daemons.register(session, owner=self.owner, host=self.host, pid=self.pid, now=now)
        self.last_beat = now
        return self.take_over()

    def take_over(self) -> daemons.TakeOver:
        with transaction(self.sessions) as session:
            freed = daemons.take_over_dead(session, me=self.owner, now=self.clock(),
                                           stale_after=timedelta(seconds=self.section.stale_seconds),
                                           gone=process_gone(self.host, self.pid))
        if freed:
            log.warning("daemon(s) %s found dead: %d message claim(s) taken over, %d send(s) requeued, "
                        "%d marked uncertain", ", ".join(freed.daemons), freed.claims, freed.requeued,
                        freed.uncertain)
            self.on_take_over()
        return freed

    def beat(self) -> bool:
        """One heartbeat; False when this daemon had been taken for dead (its claims are no longer its own)."""
        now = self.clock()
        with transaction(self.sessions) as session:
            alive = daemons.beat(session, owner=self.owner, host=self.host, pid=self.pid, started=self.started,
                                 now=now, lease=claim_lease(self.section))
        self.last_beat = now
        if not alive:
            log.error("this daemon (%s) was taken for dead and its claims taken over: it leaves them to the "
                      "others and carries on with new work", self.owner)
            self.on_lost()
        return alive

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(self.section.heartbeat_seconds):
            try:
                self.beat()
                self.take_over()
            except Exception as exc:  # noqa: BLE001 - the store may be down for a moment: beat again next time
                log.error("heartbeat failed: %s: %s", exc.__class__.__name__, exc)

    def leave(self) -> None:
        """Stop beating and remove this daemon's row (only after its work in hand finished)."""
        self.stop.set()
        if self.thread is not None:
            self.thread.join(5)
        with transaction(self.sessions) as session:
            daemons.leave(session, self.owner)

    def halt(self) -> None:
        """Stop beating, leaving the row: work still in hand keeps its claims until the others see us stale."""
        self.stop.set()
