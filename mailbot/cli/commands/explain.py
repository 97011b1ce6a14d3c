"""`mailbot explain [--json] FILE.eml ...`: what the reader understood of each message, part by part, and why the
kind was chosen. Changes nothing; needs only the register (the store's, created empty on first use)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from mailbot.app import App
from mailbot.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("explain", help="show what the mailbot understands of message files, and why")
    parser.add_argument("--json", action="store_true", help="one JSON document a line")
    parser.add_argument("files", nargs="+", metavar="FILE.eml")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mailbot.processing.settings import message_id_domain
    from mailbot.review.explain import explain_message, render_explanation
    from parsers.kinds import KindContext
    from parsers.register_words import UserEntry, Vocabulary
    from store.register import catalogue_names, organisation_entries, user_entries

    files = []
    for name in args.files:
        try:
            files.append((name, Path(name).read_bytes()))
        except OSError as exc:
            raise UsageError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    app = App.from_args(args)
    with app.read_sessions() as session:
        vocabulary = Vocabulary(catalogue=catalogue_names(session), organisations=organisation_entries(session))

    def users_of(code: str) -> tuple[UserEntry, ...]:
        with app.read_sessions() as session:
            return user_entries(session, code)

    context = KindContext(mailbox_address=app.config.mailbox.address,
                          system_address=app.config.openexeter.system_address,
                          message_id_domain=message_id_domain(app.config))
    for index, (name, raw) in enumerate(files):
        doc = {"file": name, **explain_message(raw, context, vocabulary, users_of)}
        if args.json:
            print(json.dumps(doc, ensure_ascii=False), flush=True)
        else:
            print(("\n" if index else "") + render_explanation(doc), flush=True)
    return 0
