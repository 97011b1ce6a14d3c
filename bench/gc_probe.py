"""`python -m bench.gc_probe OUT.json MAILBOT-ARGS...`: `mailbot MAILBOT-ARGS` (the real CLI) with every cyclic
garbage collection of this process timed through gc.callbacks; at exit OUT.json holds, per generation, the
collections and milliseconds before the daemon started its jobs (Daemon.start: imports, config, engine, form
readers) and after (the mail), with their CPU time and the longest pause, and the frozen and tracked object
counts. For bench/bench_gc.py. BENCH_GC_THRESHOLD=A,B,C: gc.set_threshold(A, B, C) as the daemon starts its jobs
(to try thresholds without changing the daemon).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


class GcTimes:
    """Collections and seconds by generation, in two phases: "startup" until the daemon starts its jobs, "running"
    after."""

    def __init__(self) -> None:
        self.phase = "startup"
        # phase -> generation -> (pause, CPU) seconds of each collection
        self.times: dict[str, dict[int, list[tuple[float, float]]]] = {
            p: {g: [] for g in range(3)} for p in ("startup", "running")}
        self.began = (0.0, 0.0)

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        # A collection runs holding the interpreter lock, start to stop: no other thread's can come between. Its
        # CPU time (the collecting thread's) moves less with the machine's load than the pause does.
        if phase == "start":
            self.began = (time.perf_counter(), time.thread_time())
        else:
            self.times[self.phase][info["generation"]].append(
                (time.perf_counter() - self.began[0], time.thread_time() - self.began[1]))

    def summary(self) -> dict[str, object]:
        return {phase: {str(g): {"collections": len(t), "ms": round(1000 * sum(p for p, _ in t), 1),
                                 "cpu_ms": round(1000 * sum(c for _, c in t), 1),
                                 "longest_ms": round(1000 * max((p for p, _ in t), default=0.0), 1)}
                        for g, t in gens.items()}
                for phase, gens in self.times.items()} | {
            "frozen_objects": gc.get_freeze_count(), "tracked_objects_at_exit": len(gc.get_objects()),
            "thresholds": gc.get_threshold()}


def main(argv: list[str]) -> int:
    out, mailbot_args = Path(argv[0]), argv[1:]
    times = GcTimes()
    thresholds = [int(n) for n in os.environ.get("BENCH_GC_THRESHOLD", "").split(",") if n]
    gc.callbacks.append(times)
    from mailbot.cli.main import main as mailbot
    from mailbot.daemon.scheduler import Daemon

    start = Daemon.start

    def started(daemon: Daemon) -> None:
        times.phase = "running"  # the first poll is one of the jobs started here
        if thresholds:  # trying other thresholds without changing the daemon
            gc.set_threshold(*thresholds)
        start(daemon)

    Daemon.start = started  # type: ignore[method-assign]
    try:
        return mailbot(mailbot_args)
    finally:
        out.write_text(json.dumps(times.summary()))


if __name__ == "__main__":  # the forms sandbox starts child processes: they must not run this again
    sys.exit(main(sys.argv[1:]))
