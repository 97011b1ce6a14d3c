"""`mailbot run [--once]`: the daemon (SPEC 14). It reads the mailbox (IMAP, or a local Maildir), records each
message exactly once, sends the replies (SMTP, or a local Maildir), and serves /healthz and /metrics.

With `[daemon] processes` above 1, or `[daemon] sender_process = true`, it becomes a supervisor
(mailbot.daemon.supervisor) that keeps that many daemons running on this host, each a process of its own (`mailbot
run --process I`), and with sender_process the outbox sender in one more (mailbot.daemon.sender_process).

With --once it handles what is there, drains the outbox and exits: for the demo and for tests (one process, whatever
`[daemon] processes` says).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import NoReturn

from mailbot.app import App
from mailbot.hardening import make_undumpable


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="the daemon: read the mailbox, decide, reply (until SIGTERM)")
    parser.add_argument("--once", action="store_true",
                        help="handle the mail that is there, send the replies, and exit")
    # Set by the supervising `mailbot run` on each of its [daemon] processes; not for people to type.
    parser.add_argument("--process", type=int, default=None, help=argparse.SUPPRESS)
    # Set by it too with [daemon] sender_process: the pipe's write end that wakes the sender process.
    parser.add_argument("--wake-sender", type=int, default=None, help=argparse.SUPPRESS)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    parent = os.getppid() if args.process is not None else None  # before anything slow: it may die meanwhile
    make_undumpable()  # first: the passwords in this process's environment are not for its children to read
    app = App.from_args(args)
    section = app.config.daemon
    if (section.processes > 1 or section.sender_process) and args.process is None and not args.once:
        return supervise(app, args)
    # Imported here: the pipeline pulls in the parsers and the forms sandbox, which other commands do not need.
    from mailbot.daemon.big_buffers import give_big_buffers_back
    from mailbot.daemon.outbox_wake import PipeWaker
    from mailbot.daemon.scheduler import Daemon
    from mailbot.processing.child_process import settle_heap
    from mailbot.processing.mail_handler import PipelineHandler
    from mailbot.processing.services import understander
    from mailbot.processing.settings import settings_from

    give_big_buffers_back()  # a message's buffers freed are given back, not kept by each worker's heap
    # The form readers started at once, not at the first form: the first form after a start would otherwise wait
    # for them to load (about a second), and with it every message that came in meanwhile. Not for --once.
    with understander(app.config, app.read_sessions, start_form_readers=not args.once) as understand:
        handler = PipelineHandler(app.sessions, understand, settings_from(app.config))
        wake_sender = None if args.wake_sender is None or args.once else PipeWaker(args.wake_sender)
        daemon = Daemon(app.config, app.sessions, handler, host_duties=not args.process, parent=parent,
                        wake_sender=wake_sender)
        if args.once:
            report = daemon.run_once()
            print(json.dumps({"handled": report.handled, "moved": report.moved, "backlog": report.backlog}))
            return 0
        # Everything loaded for good (the modules, the config, the engine, the pipeline's tables) kept out of the
        # collector's way: each full collection, a pause of every thread, walked them all again (about 120 ms).
        settle_heap()
        return daemon.run_forever()


def supervise(app: App, args: argparse.Namespace) -> NoReturn:
    """Become the supervisor of `[daemon] processes` daemons (mailbot.daemon.supervisor), this process's pid kept
    (what systemd watches), its memory let go."""
    app.engine.dispose()  # the schema created or upgraded once here, not raced by the children as they start
    config_file = [] if app.config.source_path is None else ["--config", str(app.config.source_path.resolve())]
    from mailbot.daemon.supervisor import logging_options

    sys.stdout.flush()
    sys.stderr.flush()
    supervisor = [sys.executable, "-m", "mailbot.daemon.supervisor", *config_file,
                  *logging_options(args.log_level, args.log_json)]
    os.execv(sys.executable, supervisor)  # noqa: S606 - our own interpreter and module, no shell
