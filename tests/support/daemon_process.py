"""Running the daemon as a real process (so it can be killed with SIGKILL or stopped with SIGTERM)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class DaemonProcess:
    def __init__(self, config_path: Path, *, handler_delay: float = 0.0, log_path: Path | None = None,
                 real: bool = False, env: dict[str, str] | None = None) -> None:
        """`mailbot run` itself when REAL, else the daemon with the tests' small handler."""
        env = {**os.environ, "PYTHONPATH": str(ROOT), "MAILBOT_TEST_HANDLER_DELAY": str(handler_delay), **(env or {})}
        self.log_path = log_path or config_path.with_suffix(f".{time.monotonic_ns()}.log")
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in wait()
        argv = (["-m", "mailbot", "--config", str(config_path), "run"] if real
                else ["-m", "tests.support.run_daemon", str(config_path)])
        self.proc = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as in a power cut or the OOM killer."""
        self.proc.send_signal(signal.SIGKILL)
        self.wait(10)

    def terminate(self) -> float:
        """SIGTERM; returns how many seconds it took to exit."""
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.wait(30)
        return time.monotonic() - began

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stacks(self) -> str:
        """Its log, with every thread's stack (SIGUSR1) when it still runs: for a test's failure message."""
        if self.proc.poll() is not None:
            return f"{self.output()}\n(exited with status {self.proc.returncode})"
        self.proc.send_signal(signal.SIGUSR1)
        time.sleep(1)
        return self.output()


def children_of(pid: int) -> set[int]:
    """The pids of PID's child processes now (read from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found
