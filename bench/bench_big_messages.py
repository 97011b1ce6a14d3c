"""Peak memory on big messages (issue 19): messages of 1, 10, 24 and 30 MB (a signed Primary User form padded to
~37% of the size, a zip of ~33%) fed (a) through the daemon, `mailbot run` against the test suite's Dovecot, two at
a time with two workers busy, and (b) through `mailbot process`, one file per run. Prints the peak RSS (VmHWM) of
the daemon or command process and of its form-reading child (the largest of its descendants).

    .venv/bin/python -m bench.bench_big_messages [--sizes 1,10,24,30] [--workers 2]

Target: the daemon under 200 MB with 24 MB messages and two workers busy. A fresh daemon is started for each size,
so each figure is that size's own peak.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.big_messages import MB, big_form_message
from bench.common import ROOT, Bench, stop
from bench.pipeline_mail import _key, prepare
from tests.support.real_mail import prepare_store, signed_form_pdf


def _status(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class PeakWatch:
    """The peak RSS of a process and of its largest descendant, sampled while it runs (children come and go)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.own = 0.0
        self.child = 0.0

    def sample(self) -> None:
        self.own = max(self.own, _status(self.pid, "VmHWM"))
        for child in _descendants(self.pid):
            self.child = max(self.child, _status(child, "VmHWM"))


def through_daemon(size_mb: int, workers: int, pdf: bytes) -> tuple[float, float, float]:
    with Bench(kind="pipeline") as bench:
        assert bench.dovecot is not None
        extra = {**prepare(bench), "daemon": {"workers": workers}}
        prepare_store(bench.write_config(poll_seconds=2, batch_size=workers, extra=extra))
        messages = [big_form_message(size_mb * MB - 200_000, form_pdf=pdf, key=_key()) for _ in range(workers)]
        bench.dovecot.append(*messages)
        del messages
        began = time.monotonic()
        proc = bench.start_daemon()
        watch = PeakWatch(proc.pid)
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                watch.sample()
                if not bench.dovecot.uids("INBOX"):
                    break
                time.sleep(0.05)
            else:
                raise RuntimeError(f"the daemon did not finish the {size_mb} MB messages in time; see "
                                   f"{bench.work / 'daemon.log'}")
            spent = time.monotonic() - began
            watch.sample()
        finally:
            stop(proc)
        where = {folder: len(bench.dovecot.uids(folder)) for folder in bench.dovecot.folders() if folder != "INBOX"}
        print(f"         {size_mb} MB messages moved to: {where}", flush=True)
        return watch.own, watch.child, spent


def through_process(size_mb: int, pdf: bytes, work: Path, config: Path) -> tuple[float, float, float]:
    path = work / f"big-{size_mb}.eml"
    path.write_bytes(big_form_message(size_mb * MB - 200_000, form_pdf=pdf, key=_key()))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    began = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "mailbot", "--config", str(config), "process", "--dry-run",
                             "--json", str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watch = PeakWatch(proc.pid)
    while proc.poll() is None:
        watch.sample()
        time.sleep(0.05)
    _out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"process failed: {err.decode()[-500:]}")
    return watch.own, watch.child, time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,10,24,30", help="message sizes in MB")
    parser.add_argument("--workers", type=int, default=2, help="[daemon] workers, and messages fed at once")
    parser.add_argument("--skip-daemon", action="store_true")
    parser.add_argument("--skip-process", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pdf = signed_form_pdf()
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    with Bench(kind="pipeline") as bench:  # a store for `process` (no server is used by it)
        config = bench.write_config(extra=prepare(bench))
        prepare_store(config)
        for size in [] if args.skip_process else sizes:
            own, child, spent = through_process(size, pdf, bench.work, config)
            print(f"process  {size:3d} MB: peak RSS {own:6.1f} MB, form child {child:6.1f} MB, {spent:5.1f} s",
                  flush=True)
    if not args.skip_daemon:
        for size in sizes:
            own, child, spent = through_daemon(size, args.workers, pdf)
            print(f"daemon   {size:3d} MB x{args.workers}: peak RSS {own:6.1f} MB, form child {child:6.1f} MB, "
                  f"{spent:5.1f} s", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
