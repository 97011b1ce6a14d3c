"""`mailbot signatory expire [--json]`: what the daemon's signatory job does, run once now: send the reminders
that are due (half-way through `[signatory] confirm_days`) and flag `signatory.unconfirmed` the confirmations that
have run out. Safe to run at any time, as often as you like, beside running daemons (SPEC 17)."""

from __future__ import annotations

import argparse
import json

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.processing.settings import settings_from


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("signatory", help="confirmations waiting for a form's signatory")
    actions = parser.add_subparsers(dest="signatory_action", metavar="ACTION", required=True)
    expire = actions.add_parser("expire", help="send due reminders and flag confirmations that have run out")
    expire.add_argument("--json", action="store_true", help="one JSON object: the cases reminded and expired")
    expire.set_defaults(handler=run_expire)


def run_expire(args: argparse.Namespace) -> int:
    from mailbot.processing.confirmation_expiry import everything_due

    app = App.from_args(args)
    report = everything_due(app.sessions, now=utcnow(), settings=settings_from(app.config))
    if args.json:
        print(json.dumps({"reminded": report.reminded, "expired": report.expired}))
        return 0
    print(f"{len(report.reminded)} reminder(s) queued" + (f": {', '.join(report.reminded)}" if report.reminded else ""))
    print(f"{len(report.expired)} case(s) flagged signatory.unconfirmed"
          + (f": {', '.join(report.expired)}" if report.expired else ""))
    return 0
