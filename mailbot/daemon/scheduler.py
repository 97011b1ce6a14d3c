"""`mailbot run`: the scheduler that reads the mailbox, drains the outbox and keeps house, until told to stop.

APScheduler 3 runs four jobs in a thread pool, each at most one instance at a time and coalesced: the poll (every
`[imap] poll_seconds`, at once when IDLE announces mail, and again at once after a poll that handled mail), the
outbox drain (every `[daemon] outbox_seconds`, and at once after new cases), housekeeping (expired claims, stuck
sends), and the signatory deadlines (reminders and expiries of confirmations, every `[daemon]
housekeeping_seconds`, by the daemon's injected clock). The
scheduler is in memory per process: replicas coordinate only through the store. Every socket has a timeout, so no
job can hang for good.
SIGTERM/SIGINT let the message and mail in hand finish, then stop within 10 s. One of several `[daemon] processes`
on a host (mailbot.daemon.supervisor) leaves the health port, housekeeping and signatory deadlines to the first;
with `[daemon] sender_process` it drains no outbox, and wakes the host's sender process instead
(mailbot.daemon.sender_process).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from mailbot.clock import utcnow
from mailbot.config import Config, secret_values
from mailbot.connections import ConnectionProblem, open_imap, quietly_logout
from mailbot.daemon.audit_anchor import DailyAnchorLog
from mailbot.daemon.health import HealthServer
from mailbot.daemon.stopping import STOP_WITHIN_SECONDS, run_until_stopped
from mailbot.errors import StartupProblem
from mailbot.intake.heartbeat import Heartbeat, owner_id
from mailbot.intake.imap_idle import ImapIdler
from mailbot.intake.imap_source import ImapSource, PollReport
from mailbot.intake.maildir_source import MaildirSource
from mailbot.intake.worker import IntakeWorker
from mailbot.metrics import METRICS
from mailbot.outbox.sender import OUTBOX_HOLD_SECONDS, OutboxSender
from mailbot.processing.confirmation_expiry import remind_and_expire
from mailbot.processing.contract import Handler
from mailbot.processing.settings import settings_from
from store import intake
from store.daemons import running_daemons
from store.db import transaction
from store.outbox import queue as outbox_queue

log = logging.getLogger(__name__)
ASKED_STALE_SECONDS = 1.0
POLL_RETRY_SECONDS = 5.0  # leaves room inside the 10 s a supervisor gives after SIGTERM
# How long a thread may keep the interpreter lock while another waits for it (Python's default: 5 ms). The
# message being recorded lets go of the lock at each commit's fsync; a thread parsing or checking DKIM meanwhile
# (reading ahead, the outbox's replies) then keeps it for up to this long before the recording may go on. With
# 5 ms a committing transaction beside one busy thread took two to three times as long as alone; with 1 ms about
# as long (README: Performance). Around a commit, and a wait for the write turn, a store writer shortens it further
# (store.sqlite_write_turn.HANDBACK_SWITCH_SECONDS); 0.2 ms throughout cost more CPU a message than it saved.
SWITCH_INTERVAL_SECONDS = 0.001


class _Repeating:
    """Runs a job now or soon without ever running it twice at once; a wake-up is never lost. One during a run
    makes it run again HOLD seconds after it ends (the outbox: replies queued meanwhile go in one batch, fewer
    commits a mail); one after a run begins the next no sooner than HOLD after that run began (a quiet mailbox's
    reply goes at once; a steady trickle's at most every HOLD, as a batch); one while a run is already asked for
    and not begun costs nothing more (that run will see what the waker committed first)."""

    def __init__(self, name: str, work: Callable[[], Any], stop: threading.Event, hold: float = 0.0) -> None:
        self.name, self.work, self.stop, self.hold = name, work, stop, hold
        self.lock = threading.Lock()
        self.running = False
        self.again = False
        self.asked_at: float | None = None  # when a run not begun yet was asked of the scheduler
        self.began = float("-inf")  # when the last run began (time.monotonic)
        self.scheduler: BackgroundScheduler | None = None

    def wake(self) -> None:
        with self.lock:
            if self.running:
                self.again = True
                return
            now = time.monotonic()
            # Asked again after a second all the same: should the scheduler have skipped that run (at most
            # `max_instances` at once), the job is not left waiting for its next interval.
            if self.asked_at is not None and now - self.asked_at < ASKED_STALE_SECONDS:
                return
            self.asked_at = now
            delay = max(0.0, self.began + self.hold - now)
        if self.scheduler is not None and not self.stop.is_set():
            try:
                self.scheduler.modify_job(self.name, next_run_time=datetime.now(UTC) + timedelta(seconds=delay))
            except Exception:  # noqa: BLE001 - the scheduler is shutting down: nothing to wake
                return

    def __call__(self) -> None:
        with self.lock:
            self.asked_at = None
            if self.running:
                self.again = True
                return
            self.running = True
        try:
            while not self.stop.is_set():
                with self.lock:
                    self.again = False
                    self.began = time.monotonic()
                try:
                    self.work()
                except Exception as exc:  # noqa: BLE001 - logged; the next run tries again
                    log.error("%s failed: %s: %s", self.name, exc.__class__.__name__, exc)
                with self.lock:
                    if not self.again:
                        self.running = False
                        return
                if self.hold:
                    self.stop.wait(self.hold)  # still `running`: wake-ups meanwhile join this next run
        finally:
            with self.lock:
                self.running = False


@dataclass
class Daemon:
    config: Config
    sessions: sessionmaker[Session]
    handler: Handler
    clock: Callable[[], datetime] = utcnow
    owner: str = field(default_factory=owner_id)
    stop: threading.Event = field(default_factory=threading.Event)
    health: HealthServer | None = None
    # What a host needs done once (the [http] listen port, housekeeping with the daily audit anchor line, the
    # signatory deadlines): done by this daemon, or left to the first of its host's [daemon] processes.
    host_duties: bool = True
    # The supervising `mailbot run` (mailbot.daemon.supervisor), when this is one of its processes: if it is gone,
    # this daemon stops as if told to, rather than run on unsupervised.
    parent: int | None = None
    # The wake-up of the host's sender process ([daemon] sender_process: mailbot.daemon.outbox_wake): when given,
    # this daemon drains no outbox of its own, and wakes that process where it would have woken its outbox job.
    wake_sender: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        source_name = (f"imap:{self.config.imap.folder}" if self.config.source.kind == "imap"
                       else f"maildir:{self.config.path(self.config.source.maildir)}")
        self.worker = IntakeWorker(sessions=self.sessions, handler=self.handler, source=source_name,
                                   owner=self.owner, daemon=self.config.daemon, folders=self.config.folders,
                                   clock=self.clock,
                                   give_up_after=timedelta(hours=self.config.auth.dns_give_up_hours),
                                   secrets=secret_values(self.config))
        self.sender = OutboxSender(self.sessions, self.config, self.owner, self.clock, stop=self.stop)
        self.source: ImapSource | MaildirSource
        if self.config.source.kind == "imap":
            self.source = ImapSource(self.config, self.worker, stop=self.stop)
        else:
            self.source = MaildirSource(self.config.path(self.config.source.maildir), self.worker,
                                        batch_size=self.config.imap.batch_size,
                                        max_bytes=self.config.limits.max_message_bytes, stop=self.stop)
        self.poll_job = _Repeating("poll", self._poll, self.stop)
        self.outbox_job = _Repeating("outbox", self.sender.drain, self.stop, hold=OUTBOX_HOLD_SECONDS)
        self.signatory_job = _Repeating("signatory", self.signatory_deadlines, self.stop)
        self.wake_outbox = self.wake_sender or self.outbox_job.wake
        self.source.after_batch = self.wake_outbox
        self.worker.after_message = self.wake_outbox
        self.idler: ImapIdler | None = None
        self.scheduler: BackgroundScheduler | None = None
        self.last_report = PollReport()
        self.heartbeat = Heartbeat(self.sessions, self.config.daemon, self.owner, self.clock,
                                   on_take_over=self._after_take_over, on_lost=self.worker.claims_lost)
        self.registered = False
        self.anchor_log = DailyAnchorLog(self.sessions)

    def _after_take_over(self) -> None:
        self.poll_job.wake()
        self.wake_outbox()

    def _poll(self) -> None:
        try:
            self.last_report = self.source.poll()
        except Exception:
            # Try again soon rather than at the next interval (which may be minutes away when IDLE is relied on).
            if not self.stop.is_set():
                timer = threading.Timer(POLL_RETRY_SECONDS, self.poll_job.wake)
                timer.daemon = True
                timer.start()
            raise
        METRICS.mailbox_backlog.set(self.last_report.backlog)
        if self.last_report.handled:
            self._read_again_at_once()

    def _read_again_at_once(self) -> None:
        """After a poll that handled mail, look again at once (the poll job goes round again) rather than wait for
        IDLE's next word: mail is arriving, and more of it likely came while this poll worked. IDLE is slow to
        tell: Dovecot announces new mail only 0.5 s after the first change it sees (NOTIFY_DELAY_MSECS), which at
        20 messages/s made every message wait 0.25 s on average and arrive in bunches of ten. A poll that finds
        nothing to handle ends the round, so a quiet mailbox costs nothing more."""
        self.poll_job.wake()

    def housekeeping(self) -> None:
        """The slow net under the heartbeat: claims of owners that left no heartbeat (`run --once`) whose lease ran
        out, and sends stuck far longer than any SMTP timeout. Once a day, the audit chain's head goes to the log."""
        now = self.clock()
        with transaction(self.sessions) as session:
            released = intake.release_expired(session, now)
            stale = max(self.config.daemon.lease_seconds, 3 * self.config.smtp.timeout_seconds)
            requeued, uncertain = outbox_queue.recover_stale(session, now, timedelta(seconds=stale))
        if released or requeued or uncertain:
            log.warning("housekeeping: %d expired claim(s) released, %d send(s) requeued, %d marked uncertain",
                        released, requeued, uncertain)
            self.poll_job.wake()
            self.wake_outbox()
        self.anchor_log.maybe_log(now)

    def signatory_deadlines(self) -> None:
        """Reminders and expiries of signatory confirmations due by this daemon's clock (SPEC 17)."""
        report = remind_and_expire(self.sessions, now=self.clock(), settings=settings_from(self.config))
        if report.mails:
            log.info("signatory confirmations: %d reminder(s), %d expired", len(report.reminded),
                     len(report.expired))
            self.wake_outbox()

    # --- one pass, for tests and the demo ------------------------------------------------------------------
    def run_once(self, max_rounds: int = 1000) -> PollReport:
        """Read what is there, handle it, drain the outbox, and return (no scheduler, no IDLE, no HTTP)."""
        total = PollReport()
        try:
            self.signatory_deadlines()
            for _ in range(max_rounds):
                report = self.source.poll()
                self.sender.drain()
                total.handled += report.handled
                total.moved += report.moved
                total.backlog = report.backlog
                if report.handled == 0 or self.stop.is_set():
                    break
        finally:
            self.source.close()
            self.sender.close()
        return total

    # --- the daemon ----------------------------------------------------------------------------------------
    def check_mailbox(self) -> None:
        """Before starting: the mailbox answers and takes our login (a refusal would otherwise only be logged
        again and again by the poll)."""
        if self.config.source.kind != "imap":
            return
        imap = self.config.imap
        try:
            quietly_logout(open_imap(imap))
        except ConnectionProblem as exc:
            refused = "LoginError" in str(exc) or "no password" in str(exc)
            setting = "[imap] username/password" if refused else "[imap] host/port"
            raise StartupProblem(f"{setting} ({imap.username}@{imap.host}:{imap.port}): {exc}") from exc

    def start_health(self) -> None:
        """Bind the health port first, so a port in use stops the start before any work is claimed."""
        if not self.config.http.listen:
            return
        health = HealthServer(self.config.http.listen, self.sessions,
                              max_poll_age=3 * self.config.imap.poll_seconds + 60, details=self.health_details)
        try:
            health.start()
        except OSError as exc:
            health.stop()
            raise StartupProblem(f"[http] listen {self.config.http.listen}: {exc.strerror or exc}") from exc
        self.health = health

    def health_details(self) -> dict[str, Any]:
        return {"idle": bool(self.idler and self.idler.active), "owner": self.owner,
                "daemons": running_daemons(self.sessions, self.clock(), self.config.daemon.stale_seconds)}

    def start(self) -> None:
        sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        if self.host_duties:
            self.start_health()
        self.heartbeat.register()
        self.registered = True
        self.heartbeat.start()
        executors = {"default": ThreadPoolExecutor(4)}
        # Two instances allowed: a run that finds the job busy only marks it to go round again (see _Repeating),
        # so a wake-up during a run is never lost, and work itself never runs twice at once.
        defaults = {"max_instances": 2, "coalesce": True, "misfire_grace_time": 30}
        self.scheduler = BackgroundScheduler(executors=executors, job_defaults=defaults, timezone=UTC)
        d = self.config.daemon
        now = datetime.now(UTC)
        self.scheduler.add_job(self.poll_job, "interval", seconds=max(1, self.config.imap.poll_seconds), id="poll",
                               next_run_time=now)
        if self.wake_sender is None:
            self.scheduler.add_job(self.outbox_job, "interval", seconds=max(1, d.outbox_seconds), id="outbox",
                                   next_run_time=now)
        if self.host_duties:
            self.scheduler.add_job(self.housekeeping, "interval", seconds=max(1, d.housekeeping_seconds),
                                   id="housekeeping", next_run_time=now, max_instances=1)
            self.scheduler.add_job(self.signatory_job, "interval", seconds=max(1, d.housekeeping_seconds),
                                   id="signatory", next_run_time=now)
        self.poll_job.scheduler = self.outbox_job.scheduler = self.signatory_job.scheduler = self.scheduler
        self.scheduler.start()
        if self.config.source.kind == "imap" and self.config.imap.idle:
            self.idler = ImapIdler(self.config, self.poll_job.wake, stop=self.stop)
            self.idler.start()
        log.info("mailbot running as %s", self.owner)

    def shutdown(self) -> bool:
        """Stop taking work, let the work in hand finish; True when everything stopped in time."""
        self.stop.set()
        deadline = time.monotonic() + STOP_WITHIN_SECONDS
        finished = threading.Event()

        def wait_for_jobs() -> None:
            if self.scheduler is not None:
                self.scheduler.shutdown(wait=True)
            finished.set()

        threading.Thread(target=wait_for_jobs, name="shutdown", daemon=True).start()
        finished.wait(max(0.0, deadline - time.monotonic()))
        if self.idler is not None:
            self.idler.join(max(0.0, deadline - time.monotonic()))
        if self.health is not None:
            self.health.stop()
        self.source.close()
        if finished.is_set():
            self.sender.close()
        if self.registered:
            try:  # gone cleanly: nothing of ours is left to take over; else the others wait for us to go stale
                if finished.is_set():
                    self.heartbeat.leave()
                else:
                    self.heartbeat.halt()
            except Exception as exc:  # noqa: BLE001 - the store is down: our row goes stale and is removed
                log.error("could not remove this daemon's heartbeat: %s: %s", exc.__class__.__name__, exc)
        return finished.is_set()

    def run_forever(self) -> int:
        """Run until SIGTERM or SIGINT (or the supervisor is gone); returns the exit status."""
        self.check_mailbox()
        return run_until_stopped(self.start, self.shutdown, self.parent)
