"""`mailbot run` with `[daemon] processes` above 1: a small parent that keeps that many intake processes running on
this host, so that a backlog is worked on by every core (one process is bound by Python's interpreter lock).

Each child is a whole daemon (`mailbot run --process I`), a fresh interpreter, never a fork: its own owner id,
heartbeat, IMAP connections and outbox sender, sharing the store with its siblings exactly as replicas on other
hosts do (claims with leases and heartbeats: each message recorded once, each mail sent once; a dead sibling's
claims are taken over at the next heartbeat, its process being seen gone). What a host needs only once (the
`[http] listen` port with /healthz and /metrics, housekeeping with the daily audit anchor line, the signatory
deadlines) is done by child 0 alone.

`mailbot run` makes sure of the store's schema (once, not raced by the children as they start), then execs this
module (`python -m mailbot.daemon.supervisor`): a fresh interpreter holding the config and the logging alone, some
15 MB rather than the command line's 100. It does no mail work and opens no store.

With `[daemon] sender_process = true` it keeps one process more, the outbox sender alone
(mailbot.daemon.sender_process), and makes the pipe by which the intake processes wake it
(mailbot.daemon.outbox_wake): they then drain no outbox of their own. It is supervised as they are.

SIGUSR1 is passed on to every child (each writes its threads' stacks to the log). So is SIGTERM or SIGINT: each
child finishes the work in hand, and one still running after STOP_WITHIN_SECONDS is killed (its claims are taken
over at the next start). A child that dies is started again after a wait that doubles with each quick death
(RESTART_FIRST_SECONDS up to RESTART_MOST_SECONDS); one that ran RUNNING_STEADY_SECONDS before dying counts
afresh. After QUICK_DEATHS_TO_GIVE_UP quick deaths in a row of one
child, or when a child of the first start cannot start at all (exit status 2: a setting, the store, the port, the
mailbox's login), the parent stops the others and exits non-zero.
"""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mailbot.config import ConfigError, load_config, secret_values
from mailbot.daemon.outbox_wake import wake_pipe
from mailbot.hardening import make_undumpable
from mailbot.log_lines import apply_log_config, configure_logging

log = logging.getLogger("mailbot.daemon.supervisor")  # by name: it runs as __main__
STOP_WITHIN_SECONDS = 9.5  # each child stops within 8 s; systemd and the README promise 10 s
RESTART_FIRST_SECONDS = 1.0
RESTART_MOST_SECONDS = 30.0
RUNNING_STEADY_SECONDS = 60.0
QUICK_DEATHS_TO_GIVE_UP = 5
CANNOT_START = 2  # the command line's status for a setting or store a person must put right
WATCH_SECONDS = 0.2


@dataclass
class _Child:
    """One of the supervised processes: its slot, the process now in it, and how it has been dying."""

    index: int
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    generation: int = 0  # 0: the first start; more: a replacement
    quick_deaths: int = 0
    restart_at: float | None = None  # when a dead one is due to be started again


def describe_exit(status: int) -> str:
    """'exit status 1' or 'signal SIGKILL', as Popen.returncode says it."""
    if status < 0:
        try:
            return f"signal {signal.Signals(-status).name}"
        except ValueError:
            return f"signal {-status}"
    return f"exit status {status}"


@dataclass
class Supervisor:
    processes: int
    command: Callable[[int], Sequence[str]]  # the command line of child I
    fds: Callable[[int], Sequence[int]] = lambda _index: ()  # the descriptors child I inherits
    name: Callable[[int], str] = lambda index: f"process {index}"  # child I in the log
    clock: Callable[[], float] = time.monotonic
    stopping: threading.Event = field(default_factory=threading.Event)
    stop_within_seconds: float = STOP_WITHIN_SECONDS
    restart_first_seconds: float = RESTART_FIRST_SECONDS
    restart_most_seconds: float = RESTART_MOST_SECONDS
    running_steady_seconds: float = RUNNING_STEADY_SECONDS
    quick_deaths_to_give_up: int = QUICK_DEATHS_TO_GIVE_UP
    children: list[_Child] = field(init=False)

    def __post_init__(self) -> None:
        self.children = [_Child(i) for i in range(self.processes)]

    def restart_wait(self, quick_deaths: int) -> float:
        """Seconds before a child that died for the QUICK_DEATHS-th time in a row is started again."""
        return min(self.restart_most_seconds, self.restart_first_seconds * 2 ** max(0, quick_deaths - 1))

    def start(self, child: _Child) -> None:
        child.proc = subprocess.Popen(list(self.command(child.index)), pass_fds=tuple(self.fds(child.index)))
        child.started = self.clock()
        child.restart_at = None
        log.info("%s started (pid %d)", self.name(child.index), child.proc.pid)

    def run(self) -> int:
        """Start the children, keep them running until SIGTERM or SIGINT, stop them; the exit status."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        previous[signal.SIGUSR1] = signal.signal(signal.SIGUSR1, self._pass_on)
        try:
            for child in self.children:
                self.start(child)
            status = self.watch()
        finally:
            clean = self.stop_all()
            for s, handler in previous.items():
                signal.signal(s, handler)
        return status if status else (0 if clean else 1)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        if not self.stopping.is_set():
            log.warning("signal %s: stopping the %d processes", signal.Signals(signum).name, self.processes)
        self.stopping.set()

    def _pass_on(self, signum: int, _frame: Any) -> None:
        """SIGUSR1 (`kill -USR1 <pid>`: where does each thread stand?) to every process, which writes its stacks."""
        for child in self.children:
            if child.proc is not None and child.proc.poll() is None:
                child.proc.send_signal(signum)

    def watch(self) -> int:
        """Until told to stop: restart children that died. Non-zero when they keep dying (the status to exit with)."""
        while not self.stopping.wait(WATCH_SECONDS):
            status = self.check()
            if status:
                return status
        return 0

    def check(self) -> int:
        """One look at every child: note deaths, start replacements that are due. Non-zero: give up with it."""
        now = self.clock()
        for child in self.children:
            if child.proc is not None and child.proc.poll() is not None:
                status = child.proc.returncode
                lived = now - child.started
                child.proc = None
                name = self.name(child.index)
                if status == CANNOT_START and child.generation == 0:
                    log.error("%s cannot start (%s): stopping", name, describe_exit(status))
                    return CANNOT_START
                child.quick_deaths = child.quick_deaths + 1 if lived < self.running_steady_seconds else 1
                if child.quick_deaths >= self.quick_deaths_to_give_up:
                    log.error("%s died %d times in a row, each within %.0f s of starting (last: %s): "
                              "stopping", name, child.quick_deaths, self.running_steady_seconds,
                              describe_exit(status))
                    return 1
                wait = self.restart_wait(child.quick_deaths)
                child.restart_at = now + wait
                log.error("%s died (%s) after %.1f s; starting it again in %.0f s", name,
                          describe_exit(status), lived, wait)
            if child.proc is None and child.restart_at is not None and now >= child.restart_at:
                child.generation += 1
                self.start(child)
        return 0

    def stop_all(self) -> bool:
        """SIGTERM to every child, SIGKILL to any still there after STOP_WITHIN_SECONDS; True when all stopped
        cleanly (exit status 0)."""
        running = [c.proc for c in self.children if c.proc is not None]
        for proc in running:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = self.clock() + self.stop_within_seconds
        clean = True
        for proc in running:
            try:
                status = proc.wait(max(0.0, deadline - self.clock()))
            except subprocess.TimeoutExpired:
                log.error("process (pid %d) still running %.1f s after SIGTERM: killed", proc.pid,
                          self.stop_within_seconds)
                proc.kill()
                status = proc.wait()
            # Killed by that SIGTERM before it had set its handler: it had claimed nothing yet.
            clean = clean and status in (0, -signal.SIGTERM)
        return clean


def logging_options(level: str, json_lines: bool) -> list[str]:
    """The command line's logging options, as `mailbot run` passes them on to the supervisor and it to each child."""
    return ["--log-level", level, *(["--log-json"] if json_lines else [])]


def child_command(options: Sequence[str], index: int, wake_sender: int | None = None) -> list[str]:
    """The command line of the supervised process INDEX: `mailbot OPTIONS run --process INDEX`, with
    `--wake-sender FD` when a sender process drains the outbox (FD the write end of its wake-up pipe)."""
    wake = [] if wake_sender is None else ["--wake-sender", str(wake_sender)]
    return [sys.executable, "-m", "mailbot", *options, "run", "--process", str(index), *wake]


def sender_command(options: Sequence[str], wake_fd: int) -> list[str]:
    """The command line of the sender process: its own module, not the command line (which imports every command:
    some 20 MB more), reading its wake-ups from WAKE_FD."""
    return [sys.executable, "-m", "mailbot.daemon.sender_process", *options, "--wake-fd", str(wake_fd)]


def supervisor_for(processes: int, sender_process: bool, options: Sequence[str]) -> Supervisor:
    """PROCESSES intake processes, and with SENDER_PROCESS the sender beside them (the last child), woken through
    a pipe made here: kept open by this process, so that it outlives any one child."""
    if not sender_process:
        return Supervisor(processes, lambda index: child_command(options, index))
    read_end, write_end = wake_pipe()

    def command(index: int) -> list[str]:
        if index < processes:
            return child_command(options, index, wake_sender=write_end)
        return sender_command(options, read_end)

    return Supervisor(processes + 1, command, fds=lambda index: (write_end,) if index < processes else (read_end,),
                      name=lambda index: f"process {index}" if index < processes else "the sender process")


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m mailbot.daemon.supervisor [--config PATH] [--log-level L] [--log-json]`, as `mailbot run` execs
    it: the same options, passed on to each child."""
    parser = argparse.ArgumentParser(prog="mailbot run")
    parser.add_argument("--config")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument("--log-json", action="store_true")
    args = parser.parse_args(argv)
    configure_logging(args.log_level, json_lines=args.log_json)
    make_undumpable()  # an exec clears the mark: the passwords in this environment are still not for others
    try:
        config = load_config(args.config)
    except ConfigError as exc:  # changed since `mailbot run` read it a moment ago
        print(exc, file=sys.stderr)
        return CANNOT_START
    apply_log_config(config.log.format, secret_values(config))
    options = [*(["--config", args.config] if args.config else []), *logging_options(args.log_level, args.log_json)]
    return supervisor_for(config.daemon.processes, config.daemon.sender_process, options).run()


if __name__ == "__main__":
    sys.exit(main())
