"""`mailbot staff add|disable NAME`: the PCSE staff who may log in to the review web page."""

from __future__ import annotations

import argparse
import getpass
import sys

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.errors import UsageError
from store.db import transaction
from store.staff import StaffError, add_staff, disable_staff


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("staff", help="staff accounts for the review web page")
    actions = parser.add_subparsers(dest="staff_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a member of staff (asks for the password)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input (for scripts)")
    add.set_defaults(handler=run_add)
    disable = actions.add_parser("disable", help="stop a member of staff logging in; ends their sessions")
    disable.add_argument("name", metavar="NAME")
    disable.set_defaults(handler=run_disable)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Same password again: ") != first:
        raise UsageError("mailbot: staff: the two passwords are not the same; nothing was changed")
    return first


def run_add(args: argparse.Namespace) -> int:
    password = _password(args)
    app = App.from_args(args)
    try:
        with transaction(app.sessions) as session:
            add_staff(session, args.name, password, now=utcnow(), by="mailbot staff add")
    except StaffError as exc:
        raise UsageError(f"mailbot: staff: {exc}") from None
    print(f"staff member {args.name.strip()} added; they can log in to the review web page now.")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    app = App.from_args(args)
    try:
        with transaction(app.sessions) as session:
            disable_staff(session, args.name, now=utcnow(), by="mailbot staff disable")
    except StaffError as exc:
        raise UsageError(f"mailbot: staff: {exc}") from None
    print(f"staff member {args.name.strip()} disabled; their sessions have ended.")
    return 0
