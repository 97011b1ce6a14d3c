"""The daemon's cyclic garbage collection over a backlog: N pipeline messages waiting in Dovecot when `mailbot run`
starts (as bench/bench_backlog.py), the daemon run under bench/gc_probe.py. Prints, per generation, the collections
and milliseconds while it handled the mail (and apart, at startup), the GC milliseconds a message, the daemon's peak
RSS and its rate.

    .venv/bin/python -m bench.bench_gc --messages 1000 [--read-ahead 2] [--workers N]

The collections and GC milliseconds a message move little with the machine's load (a collection's work is the
objects it walks); the rate moves with it.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from bench.bench_backlog import _Replies
from bench.common import Bench, add_daemon_arguments, daemon_section, family_cpu_seconds, peak_rss_mb, stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    add_daemon_arguments(parser)
    args = parser.parse_args()
    with Bench(kind="pipeline") as bench:
        assert bench.dovecot is not None
        from bench.pipeline_mail import prepare
        from tests.support.real_mail import prepare_store
        prepare_store(bench.write_config(extra={**prepare(bench), "daemon": daemon_section(args)}))
        with bench.dovecot.client(None) as client:
            for raw in bench.messages(args.messages):
                client.append("INBOX", raw)
        out = bench.work / "gc.json"
        began = time.monotonic()
        proc = bench.start_daemon(runner=("bench.gc_probe", str(out)))
        replies, peak = _Replies(bench), 0.0
        try:
            deadline = began + max(600, args.messages / 2)
            while replies() < args.messages and time.monotonic() < deadline:
                time.sleep(0.1)
                peak = max(peak, peak_rss_mb(proc.pid))
            elapsed = time.monotonic() - began
            cpu = family_cpu_seconds([proc.pid])
        finally:
            stop(proc)
        found = json.loads(out.read_text())
        running = found["running"]
        handled = max(1, replies.count)
        print(json.dumps({
            "messages": args.messages, "replies_accepted": replies.count,
            "gc_ms_per_message": round(sum(g["ms"] for g in running.values()) / handled, 3),
            "gc_cpu_ms_per_message": round(sum(g["cpu_ms"] for g in running.values()) / handled, 3),
            "collections": {g: v["collections"] for g, v in running.items()},
            "gc_ms": {g: v["ms"] for g, v in running.items()},
            "gc_cpu_ms": {g: v["cpu_ms"] for g, v in running.items()},
            "longest_pause_ms": max(v["longest_ms"] for v in running.values()),
            "startup": found["startup"], "frozen_objects": found["frozen_objects"],
            "tracked_objects_at_exit": found["tracked_objects_at_exit"], "thresholds": found["thresholds"],
            "peak_rss_mb": round(peak, 1), "messages_per_second": round(replies.count / elapsed, 1),
            "cpu_ms_per_message_with_children": round(1000 * cpu / handled, 1),
            "load_average": [round(x, 2) for x in os.getloadavg()], "workers": args.workers,
            "read_ahead": args.read_ahead,
        }, indent=2))


if __name__ == "__main__":  # the forms sandbox starts child processes: they must not run this again
    main()
