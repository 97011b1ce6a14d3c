"""`[daemon] sender_process = true`: the outbox sender in a process of its own beside the host's intake processes,
so that their interpreter (bound by its lock at about one core: README, Performance) spends nothing on sending.

The supervising `mailbot run` (mailbot.daemon.supervisor) starts it as `python -m mailbot.daemon.sender_process`:
a fresh interpreter that imports the sender and the store alone (no IMAP, no pipeline, no form readers), and is
given the read end of the wake-up pipe whose write end the intake processes hold (mailbot.daemon.outbox_wake).
It sends as the daemon's outbox job would: at once when woken, once more OUTBOX_HOLD_SECONDS after a drain that
was woken meanwhile (the replies queued during it go in one batch), and every `[daemon] outbox_seconds` whatever
happens. It registers as a daemon with a heartbeat of its own, so what it holds when it dies is taken over as any
daemon's is (by the intake processes' next heartbeat, or its replacement's start: mail not yet at DATA pending
again, mail whose DATA had begun uncertain, never resent). Exactly once is the store's doing (claims, as with the
senders of several replicas), not this process's. It has none of the host's duties (process 0 keeps them).
SIGTERM or SIGINT lets the mail in hand finish, within STOP_WITHIN_SECONDS; a supervisor gone stops it too.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.config import Config, ConfigError, load_config, secret_values
from mailbot.daemon.outbox_wake import WakeReader
from mailbot.daemon.stopping import STOP_WITHIN_SECONDS, run_until_stopped
from mailbot.hardening import make_undumpable
from mailbot.intake.heartbeat import Heartbeat, owner_id
from mailbot.log_lines import apply_log_config, configure_logging
from mailbot.outbox.sender import OUTBOX_HOLD_SECONDS, OutboxSender
from store.db import StoreError

log = logging.getLogger("mailbot.daemon.sender_process")  # by name: it runs as __main__
WAIT_STEP_SECONDS = 0.25  # how often a wait for a wake-up looks whether it is stopping
CANNOT_START = 2  # the command line's status for a setting or store a person must put right


@dataclass
class SenderProcess:
    config: Config
    sessions: sessionmaker[Session]
    wake: WakeReader
    # The supervising `mailbot run`: if it is gone, this process stops as if told to.
    parent: int | None = None
    clock: Callable[[], datetime] = utcnow
    owner: str = field(default_factory=owner_id)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.sender = OutboxSender(self.sessions, self.config, self.owner, self.clock, stop=self.stop)
        self.woken_here = threading.Event()  # a dead daemon's mail freed by this process's heartbeat
        self.heartbeat = Heartbeat(self.sessions, self.config.daemon, self.owner, self.clock,
                                   on_take_over=self.woken_here.set)
        self.sending = threading.Thread(target=self.send_when_woken, name="outbox", daemon=True)
        self.registered = False

    def send_when_woken(self) -> None:
        """Drain the outbox at once, then whenever woken or every `[daemon] outbox_seconds`, until stopped."""
        interval = max(1, self.config.daemon.outbox_seconds)
        began = float("-inf")
        due: float | None = time.monotonic()  # when the next drain begins; None: when woken
        try:
            while not self.stop.is_set():
                if due is None:
                    self._wait_for_wake(interval)
                    due = began + OUTBOX_HOLD_SECONDS  # no sooner than this after the last drain began
                if self.stop.wait(max(0.0, due - time.monotonic())):
                    return
                self._woken()  # what woke it before this drain begins is answered by it
                began = time.monotonic()
                try:
                    self.sender.drain()
                except Exception as exc:  # noqa: BLE001 - logged; the next drain tries again
                    log.error("outbox failed: %s: %s", exc.__class__.__name__, exc)
                # Woken meanwhile: again once the replies queued during this drain can go together.
                due = time.monotonic() + OUTBOX_HOLD_SECONDS if self._woken() else None
        finally:
            self.sender.close()

    def _woken(self) -> bool:
        """Whether anything woke this process since last asked, taking those wake-ups."""
        here = self.woken_here.is_set()
        self.woken_here.clear()
        return self.wake.take() or here

    def _wait_for_wake(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.stop.is_set() and not self.woken_here.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self.wake.wait(min(WAIT_STEP_SECONDS, left)):
                return

    def start(self) -> None:
        self.heartbeat.register()
        self.registered = True
        self.heartbeat.start()
        self.sending.start()
        log.info("mailbot sender running as %s", self.owner)

    def shutdown(self) -> bool:
        """Stop sending, let the mail in hand finish; True when it did in time."""
        self.stop.set()
        if self.sending.is_alive():
            self.sending.join(STOP_WITHIN_SECONDS)
        finished = not self.sending.is_alive()
        if self.registered:
            try:  # gone cleanly: nothing of ours is left to take over; else the others take it over
                if finished:
                    self.heartbeat.leave()
                else:
                    self.heartbeat.halt()
            except Exception as exc:  # noqa: BLE001 - the store is down: our row goes stale and is removed
                log.error("could not remove this sender's heartbeat: %s: %s", exc.__class__.__name__, exc)
        return finished

    def run_forever(self) -> int:
        """Send until SIGTERM or SIGINT (or the supervisor is gone); returns the exit status."""
        return run_until_stopped(self.start, self.shutdown, self.parent)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m mailbot.daemon.sender_process --wake-fd FD [--config PATH] [--log-level L] [--log-json]`, as the
    supervisor starts it."""
    parent = os.getppid()  # before anything slow: it may die meanwhile
    parser = argparse.ArgumentParser(prog="mailbot run (sender)")
    parser.add_argument("--config")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--log-json", action="store_true")
    parser.add_argument("--wake-fd", type=int, required=True)
    args = parser.parse_args(argv)
    configure_logging(args.log_level, json_lines=args.log_json)
    make_undumpable()  # the SMTP password in this environment is not for others to read
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return CANNOT_START
    apply_log_config(config.log.format, secret_values(config))
    try:
        sessions = App(config).sessions
        return SenderProcess(config, sessions, WakeReader(args.wake_fd), parent=parent).run_forever()
    except StoreError as exc:
        print(f"mailbot: store: {exc}", file=sys.stderr)
        return CANNOT_START


if __name__ == "__main__":
    sys.exit(main())
