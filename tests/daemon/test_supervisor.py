"""The supervisor of `[daemon] processes` with real child processes (small Python programs that stand in for the
daemons, so each case takes seconds): a child that keeps dying is started again after growing waits and then
given up on; one that cannot start at first stops everything with status 2; SIGTERM reaches every child, and one
that will not stop is killed. The real daemons under it: tests/daemon/test_processes.py."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from mailbot.daemon.supervisor import Supervisor, describe_exit

# Quick deaths counted for anything under 60 s; restarts after 0.05, 0.1, 0.2 s: the waits grow, the test stays short.
FAST = {"restart_first_seconds": 0.05, "restart_most_seconds": 0.2, "quick_deaths_to_give_up": 4}


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _starts(tmp_path: Path) -> list[str]:
    return (tmp_path / "starts").read_text().split() if (tmp_path / "starts").exists() else []


def _counting_start(tmp_path: Path, then: str) -> str:
    """A child that notes its start (index and pid) in tmp_path/starts, then runs THEN."""
    return (f"import os, pathlib, sys, time, signal\n"
            f"with open({str(tmp_path / 'starts')!r}, 'a') as f: f.write(f'{{sys.argv[1]}}:{{os.getpid()}} ')\n"
            f"{then}\n")


def _until(condition, timeout: float = 60) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_child_that_keeps_dying_is_restarted_after_growing_waits_then_given_up_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    code = _counting_start(tmp_path, "sys.exit(1) if sys.argv[1] == '1' else time.sleep(120)")
    supervisor = Supervisor(2, lambda i: [*_python(code), str(i)], **FAST)
    caplog.set_level(logging.INFO, "mailbot.daemon.supervisor")
    began = time.monotonic()
    assert supervisor.run() == 1
    took = time.monotonic() - began
    starts = _starts(tmp_path)
    assert [s.split(":")[0] for s in starts].count("1") == 4  # the first start and three restarts, then no more
    assert [s.split(":")[0] for s in starts].count("0") == 1  # its sibling ran on untouched until the end
    assert took >= 0.05 + 0.1 + 0.2  # the waits between restarts, doubling up to the most
    assert "process 1 died (exit status 1)" in caplog.text
    assert "process 1 died 4 times in a row" in caplog.text
    sibling = int(next(s for s in starts if s.startswith("0:")).split(":")[1])
    assert not Path(f"/proc/{sibling}").exists() or " Z " in Path(f"/proc/{sibling}/stat").read_text()


def test_a_child_that_cannot_start_at_first_stops_all_with_status_2(tmp_path: Path) -> None:
    code = _counting_start(tmp_path, "sys.exit(2) if sys.argv[1] == '1' else time.sleep(120)")
    supervisor = Supervisor(2, lambda i: [*_python(code), str(i)], **FAST)
    assert supervisor.run() == 2
    assert sorted(s.split(":")[0] for s in _starts(tmp_path)) == ["0", "1"]  # not started again


def test_a_replacement_that_cannot_start_is_tried_again(tmp_path: Path) -> None:
    """Status 2 from a replacement (say the mailbox is down for a moment as it starts) is a death like another."""
    marker = tmp_path / "died-once"
    code = _counting_start(tmp_path, f"p = pathlib.Path({str(marker)!r})\n"
                                     "if not p.exists(): p.write_text('x'); os.kill(os.getpid(), signal.SIGKILL)\n"
                                     "sys.exit(2)")
    supervisor = Supervisor(1, lambda i: [*_python(code), str(i)], **FAST)
    assert supervisor.run() == 1  # given up after four deaths, not at the first status 2
    assert len(_starts(tmp_path)) == 4


def test_sigusr1_and_sigterm_reach_every_child_and_one_that_will_not_stop_is_killed(tmp_path: Path) -> None:
    stopped, asked = tmp_path / "stopped", tmp_path / "asked"
    code = _counting_start(tmp_path, f"""
def on_term(*_):
    with open({str(stopped)!r}, 'a') as f: f.write(sys.argv[1] + ' ')
    if sys.argv[1] == '0': sys.exit(0)
def on_usr1(*_):
    with open({str(asked)!r}, 'a') as f: f.write(sys.argv[1] + ' ')
signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGTERM, on_term)
while True: time.sleep(0.1)""")
    supervisor = Supervisor(2, lambda i: [*_python(code), str(i)], stop_within_seconds=3)

    def sigterm_once_both_listen() -> None:
        try:
            if _until(lambda: len(_starts(tmp_path)) == 2 and _handlers_set(tmp_path)):
                os.kill(os.getpid(), signal.SIGUSR1)  # as a person would: to the pid systemd shows
                _until(lambda: asked.exists() and len(asked.read_text().split()) == 2)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # as systemd would: to the supervisor alone

    sigterm = threading.Thread(target=sigterm_once_both_listen)
    sigterm.start()
    began = time.monotonic()
    status = supervisor.run()
    sigterm.join()
    assert sorted(asked.read_text().split()) == ["0", "1"]  # both were asked where they stand
    assert sorted(stopped.read_text().split()) == ["0", "1"]  # both were told to stop
    assert status == 1  # one had to be killed: not a clean stop
    assert 3 <= time.monotonic() - began < 60


def _handlers_set(tmp_path: Path) -> bool:
    """Whether both children have installed their SIGTERM handler (SigCgt in /proc/PID/status)."""
    for start in _starts(tmp_path):
        pid = int(start.split(":")[1])
        caught = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if line.startswith("SigCgt:"))
        if not int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)):
            return False
    return True


def test_exits_are_described_by_status_or_signal() -> None:
    assert describe_exit(1) == "exit status 1"
    assert describe_exit(-signal.SIGKILL) == "signal SIGKILL"
