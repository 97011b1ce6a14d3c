"""How a process of `mailbot run` (an intake daemon, mailbot.daemon.scheduler; the sender process,
mailbot.daemon.sender_process) runs until it is told to stop, and stops in time."""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
STOP_WITHIN_SECONDS = 8.0  # the work in hand finished by then, or left; a supervisor kills what still runs at 9.5 s


def run_until_stopped(start: Callable[[], None], shutdown: Callable[[], bool], parent: int | None) -> int:
    """START, then wait for SIGTERM or SIGINT (or the supervising process PARENT gone), then SHUTDOWN, which says
    whether everything stopped within STOP_WITHIN_SECONDS; if not, the process exits at once (status 1) rather
    than wait for what still runs. Returns the exit status."""
    signalled = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.warning("signal %s: finishing the work in hand, then stopping", signal.Signals(signum).name)
        signalled.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    # A daemon that stops working without a word must say where it stands: `kill -USR1 <pid>` writes every
    # thread's stack to stderr (the log), and a crash in a C extension leaves its stacks there too.
    faulthandler.enable()
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        start()
        while not signalled.wait(0.5):
            if parent is not None and os.getppid() != parent:
                log.error("the supervising mailbot (pid %d) is gone: stopping", parent)
                break
    finally:
        clean = shutdown()
        for s, handler in previous.items():
            signal.signal(s, handler)
        faulthandler.unregister(signal.SIGUSR1)
    if not clean:
        log.error("work still running after %.0f s; exiting anyway (claims expire and are retried)",
                  STOP_WITHIN_SECONDS)
        logging.shutdown()
        os._exit(1)  # worker threads would otherwise be joined at exit, past the deadline
    return 0
