"""What the daemon benchmarks share: real servers (the test suite's Dovecot and aiosmtpd), a store, the daemon as
its own process, and the messages.

Two kinds of message: "simple" (any message; the tests' small handler records a case and one reply: measures the
daemon's own machinery), and "pipeline" (DKIM-signed permission requests, a third carrying a Primary User form,
handled by `mailbot run` and the real pipeline: every one gets a reply, so "all replies accepted" is the finish).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mailbot.config_sections import DaemonSection
from tests.support.daemon_setup import daemon_config_data, sample_message, toml
from tests.support.dovecot import DovecotServer
from tests.support.mail_servers import dovecot_root
from tests.support.smtp_server import SmtpServer

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Bench:
    kind: str = "simple"
    mix: str = "requests"  # pipeline only: "all" adds every other kind of case (bench/pipeline_mail.py)
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mailbot-bench-")))
    dovecot: DovecotServer | None = None
    smtp: SmtpServer | None = None
    config_path: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def __enter__(self) -> Bench:
        self.dovecot = DovecotServer(dovecot_root())
        self.dovecot.start()
        self.smtp = SmtpServer()
        self.smtp.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.dovecot is not None and self.smtp is not None
        self.dovecot.kill()
        shutil.rmtree(self.dovecot.setup.root, ignore_errors=True)
        self.smtp.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def write_config(self, *, store_url: str | None = None, batch_size: int = 100, poll_seconds: int = 60,
                     extra: dict[str, dict[str, object]] | None = None) -> Path:
        url = store_url or f"sqlite:///{self.work / 'store.db'}"
        data = daemon_config_data(url, dovecot=self.dovecot, smtp=self.smtp,
                                  imap={"batch_size": batch_size, "poll_seconds": poll_seconds},
                                  outbox_batch=100, lease_seconds=60, outbox_seconds=1)
        data["smtp"]["timeout_seconds"] = 30
        for section, values in (extra or {}).items():
            data.setdefault(section, {}).update(values)
        self.config_path = self.work / "mailbot.toml"
        self.config_path.write_text(toml(data))
        return self.config_path

    def start_daemon(self, runner: Sequence[str] = ("mailbot",)) -> subprocess.Popen[bytes]:
        """The daemon in a process of its own: `python -m RUNNER --config CONFIG run` (RUNNER a module and its
        first arguments: bench/gc_probe.py runs the real CLI under its probe), or the simple kind's test daemon."""
        assert self.config_path is not None
        env = {**os.environ, "PYTHONPATH": str(ROOT), **self.extra_env}
        if self.kind == "simple":
            argv = [sys.executable, "-m", "tests.support.run_daemon", str(self.config_path)]
        else:
            argv = [sys.executable, "-m", *runner, "--config", str(self.config_path), "run"]
        log = open(self.work / "daemon.log", "ab")  # noqa: SIM115 - the process holds it
        return subprocess.Popen(argv, cwd=self.work, env=env, stdout=log, stderr=subprocess.STDOUT)

    def messages(self, n: int, start: int = 0) -> list[bytes]:
        if self.kind == "simple":
            return [sample_message(start + i) for i in range(n)]
        from bench.pipeline_mail import pipeline_messages
        return pipeline_messages(self, n, start)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def family_memory_mb(pids: list[int]) -> tuple[float, float]:
    """The processes PIDS and every process below them still alive (a daemon's form readers, a supervisor's
    daemons): their peak RSS (VmHWM) summed, an upper bound of what they held together at any moment (the pages
    they share counted once for each), and their PSS now summed (shared pages counted once), in MB."""
    family = _family(pids)
    peak = pss = 0.0
    for pid in family:
        try:
            peak += peak_rss_mb(pid)
            pss += _pss_mb(pid)
        except OSError:
            continue
    return peak, pss


def family_cpu_seconds(pids: list[int]) -> float:
    """CPU time (user and system) the processes PIDS have used so far, with that of their children they reaped
    and of those still running (a supervisor's daemons, a daemon's form readers)."""
    family = _family(pids)
    total = 0
    for pid in family:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime: fields 14-17 of stat(5), counted from the state (field 3) here
        total += sum(int(x) for x in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of the process PID itself, not its children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _role(pid: int) -> str:
    """What a process of a daemon's family is, by its command line: intake (a daemon that reads the mailbox),
    sender ([daemon] sender_process), supervisor, or other (a form reader)."""
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    if b"mailbot.daemon.sender_process" in argv:
        return "sender"
    if b"mailbot.daemon.supervisor" in argv:
        return "supervisor"
    if b"run" in argv and (b"mailbot" in argv or b"tests.support.run_daemon" in argv):
        return "intake"
    return "other"


def family_by_role(pids: list[int]) -> dict[str, dict[str, float]]:
    """The processes PIDS and those below them still alive, by role (see _role): how many, their own CPU seconds
    so far (not their children's), and the largest peak RSS (VmHWM) among them, in MB. The intake's CPU a message
    is the figure [daemon] sender_process is about: one interpreter's lock holds the rate."""
    roles: dict[str, dict[str, float]] = {}
    for pid in sorted(_family(pids)):
        try:
            role, cpu, peak = _role(pid), _cpu_seconds(pid), peak_rss_mb(pid)
        except OSError:
            continue
        entry = roles.setdefault(role, {"processes": 0, "cpu_seconds": 0.0, "largest_peak_rss_mb": 0.0})
        entry["processes"] += 1
        entry["cpu_seconds"] += cpu
        entry["largest_peak_rss_mb"] = max(entry["largest_peak_rss_mb"], round(peak, 1))
    return roles


def machine_cpu() -> tuple[int, int]:
    """(busy, idle) clock ticks of the whole machine so far (/proc/stat): two readings say how busy it was
    between them, with everyone else's work on it."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return sum(ticks[:8]) - idle, idle


def _family(pids: list[int]) -> set[int]:
    """PIDS and every process below them still alive."""
    family = set(pids)
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    grew = True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in family} - family
        grew = bool(below)
        family |= below
    return family


def _pss_mb(pid: int) -> float:
    """The process's proportional set size now (shared pages divided among the processes sharing them), in MB."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def wait_for_replies(smtp: SmtpServer, count: int, timeout: float) -> float:
    """Seconds until COUNT replies were accepted (or the timeout)."""
    began = time.monotonic()
    smtp.wait_for(count, timeout)
    return time.monotonic() - began


def add_daemon_arguments(parser: argparse.ArgumentParser) -> None:
    """--workers, --read-ahead and --processes, defaulting to the daemon's own defaults (config [daemon])."""
    defaults = DaemonSection()
    parser.add_argument("--workers", type=int, default=defaults.workers, help="[daemon] workers")
    parser.add_argument("--read-ahead", type=int, default=defaults.read_ahead,
                        help="[daemon] read_ahead (0: one message at a time)")
    parser.add_argument("--processes", type=int, default=defaults.processes,
                        help="[daemon] processes (`mailbot run` supervising that many daemons; pipeline only)")
    parser.add_argument("--sender-process", action=argparse.BooleanOptionalAction, default=defaults.sender_process,
                        help="[daemon] sender_process (the outbox sent by a process of its own; pipeline only)")


def daemon_section(args: argparse.Namespace) -> dict[str, int | bool]:
    """The [daemon] settings add_daemon_arguments read, as the config's table."""
    return {"workers": args.workers, "read_ahead": args.read_ahead, "processes": args.processes,
            "sender_process": args.sender_process}


def by_role_figures(roles: dict[str, dict[str, float]], messages: int) -> dict[str, object]:
    """family_by_role's figures as a benchmark prints them: CPU ms a message and largest peak RSS by role."""
    return {"cpu_ms_per_message_by_role": {role: round(1000 * r["cpu_seconds"] / max(1, messages), 2)
                                           for role, r in roles.items()},
            "largest_peak_rss_mb_by_role": {role: r["largest_peak_rss_mb"] for role, r in roles.items()},
            "largest_peak_rss_mb": max((r["largest_peak_rss_mb"] for r in roles.values()), default=0.0)}
