"""Policy replay: the golden corpus's store decided again with `[forms] accept_typed_signature = false`, as
`mailbot replay` run by a person (its own process), timed (wall clock and CPU) with its peak RSS.

    .venv/bin/python -m bench.bench_replay [--runs 3]

The store is made once by processing the corpus (not timed). On a loaded machine read the CPU time: the wall clock
is mostly waiting for a core.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.golden.run_corpus import run

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-replay-") as folder:
        work = Path(folder)
        doc = run(work)
        changed_config = work / "typed-off.toml"
        changed_config.write_text("[forms]\naccept_typed_signature = false\n")
        walls, cpus, rss = [], [], 0.0
        output = ""
        for _ in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            began = time.monotonic()
            proc = subprocess.run([sys.executable, "-m", "mailbot", "--config", str(work / "mailbot.toml"), "replay",
                                   "--config", str(changed_config), "--json"], cwd=ROOT, capture_output=True,
                                  text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            walls.append(time.monotonic() - began)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            rss = max(rss, after.ru_maxrss / 1024)
            output = proc.stdout
        summary = json.loads(output.splitlines()[-1])["summary"]
        print(json.dumps({"messages": len(doc["lines"]), "changed": summary["changed"],
                          "wall_s_median": round(statistics.median(walls), 2),
                          "cpu_s_median": round(statistics.median(cpus), 2),
                          "messages_per_cpu_s": round(summary["messages"] / statistics.median(cpus), 1),
                          "peak_rss_mb": round(rss, 1), "load_1min": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
