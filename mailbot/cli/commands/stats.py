"""`mailbot stats [--json] [--days N]`: the mailbox at a glance on the command line, the same figures as the web
page (/insight) and /metrics. Reads only."""

from __future__ import annotations

import argparse
import json

from mailbot.app import App
from mailbot.errors import UsageError

MAX_DAYS = 3660


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("stats", help="the mailbox at a glance: cases per day, handled with no person, "
                                                 "time to answer, the queue's age, top reasons")
    parser.add_argument("--json", action="store_true", help="one JSON document")
    parser.add_argument("--days", type=int, default=30, metavar="N", help="days to count, today included (30)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mailbot.clock import utcnow
    from mailbot.review.insight_text import render_insight
    from store.insight import insight

    if not 1 <= args.days <= MAX_DAYS:
        raise UsageError(f"mailbot: stats: --days must be from 1 to {MAX_DAYS}, not {args.days}")
    app = App.from_args(args)
    with app.read_sessions() as session:
        found = insight(session, now=utcnow(), days=args.days)
    print(json.dumps(found.as_dict(), ensure_ascii=False, indent=1) if args.json else render_insight(found))
    return 0
