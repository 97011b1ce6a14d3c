"""`mailbot staff add|disable|enable|password NAME`: the PCSE staff who may log in to the review web page."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.errors import UsageError
from store.db import transaction
from store.staff import StaffError, add_staff, disable_staff, enable_staff, set_password


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
    enable = actions.add_parser("enable", help="let a disabled or locked-out member of staff log in again")
    enable.add_argument("name", metavar="NAME")
    enable.set_defaults(handler=run_enable)
    password = actions.add_parser("password", help="set a new password (asks for it); ends their sessions")
    password.add_argument("name", metavar="NAME")
    password.add_argument("--password-stdin", action="store_true",
                          help="read the password from the first line of standard input (for scripts)")
    password.set_defaults(handler=run_password)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Same password again: ") != first:
        raise UsageError("mailbot: staff: the two passwords are not the same; nothing was changed")
    return first


def _change(args: argparse.Namespace, action: Callable[..., object], *extra: str) -> None:
    """ACTION(session, NAME, *EXTRA) in one transaction; a StaffError is a usage error, nothing changed."""
    app = App.from_args(args)
    try:
        with transaction(app.sessions) as session:
            action(session, args.name, *extra, now=utcnow(), by=f"mailbot staff {args.staff_action}")
    except StaffError as exc:
        raise UsageError(f"mailbot: staff: {exc}") from None


def run_add(args: argparse.Namespace) -> int:
    _change(args, add_staff, _password(args))
    print(f"staff member {args.name.strip()} added; they can log in to the review web page now.")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    _change(args, disable_staff)
    print(f"staff member {args.name.strip()} disabled; their sessions have ended.")
    return 0


def run_enable(args: argparse.Namespace) -> int:
    _change(args, enable_staff)
    print(f"staff member {args.name.strip()} can log in again.")
    return 0


def run_password(args: argparse.Namespace) -> int:
    _change(args, set_password, _password(args))
    print(f"new password set for {args.name.strip()}; their sessions have ended.")
    return 0
