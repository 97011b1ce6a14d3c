"""The CPU a message's recording costs (the store transaction, after the message is understood), in figures that do
not move with the machine's load: Python function calls a message (cProfile), or machine instructions a message
under callgrind. The floor's run (bench/floor.py) on a fresh SQLite store (or `--postgres URL`), each recording
after the first ten counted (the first read the register and compile statements).

    .venv/bin/python -m bench.recording_cost --messages 100 [--mix all] [--postgres URL]        # calls
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=_operator_call \\
        .venv/bin/python -m bench.recording_cost --messages 40 --instructions                   # instructions

With `--instructions` each counted recording is run through `operator.call`, whose C function callgrind's
`--toggle-collect` switches counting on and off with (nothing in the recording calls it): callgrind's total divided
by the recordings counted (printed) is the instructions a recording costs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from bench.bench_backlog import _database
from bench.call_cost import CallCost
from bench.common import Bench
from bench.floor import floor_rate
from bench.pipeline_mail import pipeline_messages
from mailbot.processing import mail_handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100, help="messages after the warm-up")
    parser.add_argument("--mix", choices=["requests", "all"], default="requests")
    parser.add_argument("--postgres", default=None, metavar="URL")
    parser.add_argument("--instructions", action="store_true", help="run under callgrind (see above)")
    parser.add_argument("--profile-out", default=None, metavar="FILE",
                        help="also write the recordings' cProfile stats to FILE (pstats), to see where the calls go")
    args = parser.parse_args()
    cost = CallCost(instructions=args.instructions)
    read_ahead = mail_handler.PipelineHandler.read_ahead

    def counted(self: mail_handler.PipelineHandler, raw: bytes, claim: Any) -> Callable[[], Any]:
        recording = read_ahead(self, raw, claim)
        return lambda: cost(recording)

    mail_handler.PipelineHandler.read_ahead = counted  # type: ignore[method-assign]
    bench = Bench(kind="pipeline", mix=args.mix)
    messages = pipeline_messages(bench, args.messages + cost.warm_up)
    with ExitStack() as stores:
        url = stores.enter_context(_database(args.postgres)) if args.postgres else None
        found = floor_rate(bench, messages, url)
    # (the mix's unprocessable messages have no recording)
    print("statements a message:", {kind: row["total"] for kind, row in found.statements_per_message().items()})
    cost.report("recording", dump=args.profile_out)


if __name__ == "__main__":
    main()
