"""Latency with IDLE: messages delivered to Dovecot at a steady rate while `mailbot run` listens; for each, the time
from delivery (APPEND answered) to its reply accepted by the SMTP server; p50, p95, max, and the daemon's peak RSS.

    .venv/bin/python -m bench.bench_latency --rate 20 --seconds 15 [--kind pipeline|simple] [--read-ahead N]
        [--processes N] [--sender-process]

Target (issues 6 and 15): p95 under 1 s; peak RSS under 200 MB. The poll interval is set to 10 minutes, so only
IDLE can make it fast. Beside it, the floor: the same messages handled in this process one after another (no
IMAP, SMTP or scheduler: bench/floor.py), as seconds a message, the least a reply could take here and now.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from bench.common import (
    Bench,
    add_daemon_arguments,
    by_role_figures,
    daemon_section,
    family_by_role,
    family_memory_mb,
    peak_rss_mb,
    stop,
)
from bench.floor import floor_rate


def _message_id(raw: bytes) -> str:
    for line in raw.split(b"\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
    raise ValueError("no Message-ID")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20.0, help="messages delivered per second")
    parser.add_argument("--seconds", type=float, default=15.0)
    add_daemon_arguments(parser)
    parser.add_argument("--kind", choices=["simple", "pipeline"], default="pipeline")
    args = parser.parse_args()
    count = int(args.rate * args.seconds)
    daemon = daemon_section(args)
    load_before = [round(x, 2) for x in os.getloadavg()]
    with Bench(kind=args.kind) as bench:
        assert bench.dovecot is not None and bench.smtp is not None
        if args.kind == "pipeline":
            from bench.pipeline_mail import prepare
            from tests.support.real_mail import prepare_store
            extra = {**prepare(bench), "daemon": daemon}
            prepare_store(bench.write_config(poll_seconds=600, extra=extra))
        else:
            bench.write_config(poll_seconds=600, extra={"daemon": daemon})
        messages = bench.messages(count)
        proc = bench.start_daemon()
        delivered: dict[str, float] = {}
        peak = 0.0
        try:
            _wait_for_daemons(bench, args.processes + args.sender_process)  # the sender process registers too
            time.sleep(2)  # the IDLE connections settling in
            with bench.dovecot.client(None) as client:
                began = time.monotonic()
                for n, raw in enumerate(messages):
                    due = began + n / args.rate
                    time.sleep(max(0.0, due - time.monotonic()))
                    client.append("INBOX", raw)
                    delivered[_message_id(raw)] = time.monotonic()
                    if n % 10 == 0:
                        peak = max(peak, peak_rss_mb(proc.pid))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                replies = {" ".join(str(r.message.get("In-Reply-To", "")).split()): r.at
                           for r in bench.smtp.messages() if r.message.get("In-Reply-To")}
                if all(mid in replies for mid in delivered):
                    break
                time.sleep(0.1)
            peak = max(peak, peak_rss_mb(proc.pid))
            family_peak, family_pss = family_memory_mb([proc.pid])
            roles = family_by_role([proc.pid])
        finally:
            stop(proc)
        floor = floor_rate(bench, messages).rate
        latencies = sorted(replies[mid] - at for mid, at in delivered.items() if mid in replies)
        q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
        print(json.dumps({
            "kind": args.kind, "rate_per_second": args.rate, "messages": count, "answered": len(latencies),
            "p50_seconds": round(q[49], 3), "p95_seconds": round(q[94], 3),
            "max_seconds": round(max(latencies, default=0.0), 3), "peak_rss_mb": round(peak, 1),
            "peak_rss_mb_with_children": round(family_peak, 1), "pss_mb_with_children_at_end": round(family_pss, 1),
            "processes": args.processes, "sender_process": args.sender_process,
            **by_role_figures(roles, len(delivered)),
            "floor_seconds_per_message": round(1 / floor, 4) if floor else None,
            "floor_messages_per_second": round(floor, 1), "workers": args.workers, "read_ahead": args.read_ahead,
            "targets": {"p95_seconds": 1.0, "peak_rss_mb": 200},
            "load_average_before": load_before, "load_average": [round(x, 2) for x in os.getloadavg()],
        }, indent=2))


def _wait_for_daemons(bench: Bench, count: int, timeout: float = 180) -> None:
    """Until COUNT daemons are recorded as running in the bench's store (each has begun listening)."""
    from sqlalchemy.exc import OperationalError

    from store.daemons import running
    from store.db import make_engine, sessions, single_reads
    engine = make_engine(f"sqlite:///{bench.work / 'store.db'}")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                with single_reads(sessions(engine))() as session:  # never taking the write lock from them
                    if len(running(session)) >= count:
                        return
            except OperationalError:  # no schema yet: the daemon makes it as it starts
                pass
            time.sleep(0.2)
        raise SystemExit(f"{count} daemon(s) not running after {timeout:.0f} s: see {bench.work / 'daemon.log'}")
    finally:
        engine.dispose()


if __name__ == "__main__":  # the forms sandbox starts child processes: they must not run this again
    main()
