"""`mailbot run [--once]`: the daemon (SPEC 14). It reads the mailbox (IMAP, or a local Maildir), records each
message exactly once, sends the replies (SMTP, or a local Maildir), and serves /healthz and /metrics.

With --once it handles what is there, drains the outbox and exits: for the demo and for tests.
"""

from __future__ import annotations

import argparse
import json

from mailbot.app import App
from mailbot.hardening import make_undumpable


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="the daemon: read the mailbox, decide, reply (until SIGTERM)")
    parser.add_argument("--once", action="store_true",
                        help="handle the mail that is there, send the replies, and exit")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: the pipeline pulls in the parsers and the forms sandbox, which other commands do not need.
    from mailbot.daemon.big_buffers import give_big_buffers_back
    from mailbot.daemon.scheduler import Daemon
    from mailbot.processing.mail_handler import PipelineHandler
    from mailbot.processing.services import understander
    from mailbot.processing.settings import settings_from

    make_undumpable()  # first: the passwords in this process's environment are not for its children to read
    app = App.from_args(args)
    give_big_buffers_back()  # a message's buffers freed are given back, not kept by each worker's heap
    with understander(app.config, app.read_sessions) as understand:
        handler = PipelineHandler(app.sessions, understand, settings_from(app.config))
        daemon = Daemon(app.config, app.sessions, handler)
        if args.once:
            report = daemon.run_once()
            print(json.dumps({"handled": report.handled, "moved": report.moved, "backlog": report.backlog}))
            return 0
        return daemon.run_forever()
