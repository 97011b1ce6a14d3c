"""Parse and classify the sample messages many times; print median and 95th percentile per message.

Usage: python bench/bench_parse.py [ROUNDS]   (run from the repository root)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from parsers.kinds import KindContext, classify  # noqa: E402
from parsers.message import parse_message  # noqa: E402
from tests.message.samples import ID_DOMAIN, MAILBOX, SYSTEM, all_samples  # noqa: E402


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    ctx = KindContext(mailbox_address=MAILBOX, system_address=SYSTEM, message_id_domain=ID_DOMAIN)
    samples = all_samples()
    every: list[float] = []
    print(f"{'sample':24s} {'bytes':>7s} {'median ms':>10s} {'p95 ms':>8s}  kind")
    for name, raw in samples.items():
        times = []
        kind = ""
        for _ in range(rounds):
            started = time.perf_counter()
            kind = classify(parse_message(raw), ctx).kind.value
            times.append((time.perf_counter() - started) * 1000)
        every += times
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"{name:24s} {len(raw):7d} {statistics.median(times):10.3f} {p95:8.3f}  {kind}")
    p95_all = statistics.quantiles(every, n=20)[-1]
    print(f"{'all':24s} {'':7s} {statistics.median(every):10.3f} {p95_all:8.3f}  ({len(every)} runs)")


if __name__ == "__main__":
    main()
