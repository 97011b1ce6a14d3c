"""The CPU a message's understanding costs in the daemon's main process (mailbot.processing.handle.understood: parse,
authenticate, classify, read the text, hand any forms to the sandbox), in figures that do not move with the
machine's load: Python function calls a message (cProfile, with the functions costing most), or machine instructions
a message under callgrind. The floor's run (bench/floor.py) on a fresh SQLite store, each understanding after the
first ten counted (the form-reading children's CPU is theirs, not counted).

    .venv/bin/python -m bench.understanding_cost --messages 100 [--mix all] [--top 30]          # calls
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=_operator_call \\
        .venv/bin/python -m bench.understanding_cost --messages 40 --instructions               # instructions

With `--instructions` each counted understanding is run through `operator.call` (as in bench/recording_cost.py):
callgrind's total divided by the understandings counted (printed) is the instructions an understanding costs.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any

from bench.call_cost import CallCost
from bench.common import Bench
from bench.floor import floor_rate
from bench.pipeline_mail import pipeline_messages
from mailbot.processing import mail_handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100, help="messages after the warm-up")
    parser.add_argument("--mix", choices=["requests", "all"], default="requests")
    parser.add_argument("--instructions", action="store_true", help="run under callgrind (see above)")
    parser.add_argument("--top", type=int, default=0, help="print the functions costing most (own time)")
    parser.add_argument("--dump", default=None, metavar="FILE", help="write the profile (pstats) to FILE")
    parser.add_argument("--again", type=int, default=0, metavar="ROUNDS",
                        help="then understand the counted messages again ROUNDS times (Understander.understand: "
                             "no forms read, no store written) and print the least CPU a message a round took")
    args = parser.parse_args()
    cost = CallCost(instructions=args.instructions)
    understood = mail_handler.understood
    asked: list[tuple[Any, bytes, datetime]] = []

    def counted(*given: Any, **named: Any) -> Any:
        if cost.seen >= cost.warm_up:  # (this call is counted)
            asked.append((given[1], given[2], named["now"]))
        return cost(understood, *given, **named)

    mail_handler.understood = counted  # type: ignore[assignment]
    bench = Bench(kind="pipeline", mix=args.mix)
    messages = pipeline_messages(bench, args.messages + cost.warm_up)
    floor_rate(bench, messages)
    cost.report("understanding", top=args.top, dump=args.dump)  # (the mix's unprocessable messages: not understood)
    if args.again:
        print("CPU an understanding, least of", args.again, "rounds (us):", round(_again(asked, args.again), 1))


def _again(asked: list[tuple[Any, bytes, datetime]], rounds: int) -> float:
    """The least CPU time (microseconds) a message took, a round over ASKED's messages understood again."""
    best = float("inf")
    for _ in range(rounds):
        began = time.process_time()
        for understander, raw, now in asked:
            understander.understand(raw, now=now)
        best = min(best, (time.process_time() - began) / len(asked))
    return best * 1e6


if __name__ == "__main__":
    main()
