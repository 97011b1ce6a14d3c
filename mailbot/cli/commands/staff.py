"""`mailbot staff add|disable|enable|password|link|unlink|grant-admin|revoke-admin NAME`: the PCSE staff who may log
in to the review web page, with a password, their NHS account (OpenID Connect, [oidc]), or both; staff
administrators also unlock, reset and disable accounts on the web page (/staff)."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from collections.abc import Callable

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.errors import UsageError
from store.db import transaction
from store.staff import StaffError, add_staff, disable_staff, enable_staff, set_password
from store.staff_admin import set_admin
from store.staff_nhs import link_nhs_email, unlink_nhs_email


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("staff", help="staff accounts for the review web page")
    actions = parser.add_subparsers(dest="staff_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a member of staff (asks for the password)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input (for scripts)")
    add.add_argument("--nhs-email", metavar="EMAIL",
                     help="link their NHS account (the address it logs in with) for NHS log-in")
    add.add_argument("--no-password", action="store_true",
                     help="no local password (with --nhs-email): they log in with their NHS account only")
    add.add_argument("--admin", action="store_true",
                     help="a staff administrator: may unlock, reset and disable other accounts on the web page")
    add.set_defaults(handler=run_add)
    grant = actions.add_parser("grant-admin", help="make a member of staff a staff administrator")
    grant.add_argument("name", metavar="NAME")
    grant.set_defaults(handler=run_grant_admin)
    revoke = actions.add_parser("revoke-admin", help="take the staff administrator role away")
    revoke.add_argument("name", metavar="NAME")
    revoke.set_defaults(handler=run_revoke_admin)
    link = actions.add_parser("link", help="link a member of staff to their NHS account, for NHS log-in")
    link.add_argument("name", metavar="NAME")
    link.add_argument("email", metavar="NHS_EMAIL")
    link.set_defaults(handler=run_link)
    unlink = actions.add_parser("unlink", help="stop a member of staff logging in with their NHS account")
    unlink.add_argument("name", metavar="NAME")
    unlink.set_defaults(handler=run_unlink)
    disable = actions.add_parser("disable", help="stop a member of staff logging in; ends their sessions")
    disable.add_argument("name", metavar="NAME")
    disable.set_defaults(handler=run_disable)
    enable = actions.add_parser("enable", help="let a disabled member of staff log in again; lifts their pauses")
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


def _change(args: argparse.Namespace, action: Callable[..., object], *extra: object) -> None:
    """ACTION(session, NAME, *EXTRA) in one transaction; a StaffError is a usage error, nothing changed."""
    app = App.from_args(args)
    try:
        with transaction(app.sessions) as session:
            action(session, args.name, *extra, now=utcnow(), by=f"mailbot staff {args.staff_action}")
    except StaffError as exc:
        raise UsageError(f"mailbot: staff: {exc}") from None


def _add_linked(session: object, name: str, password: str, email: str, admin: bool, **kwargs: object) -> None:
    add_staff(session, name, password, admin=admin, **kwargs)  # type: ignore[arg-type]
    link_nhs_email(session, name, email, **kwargs)  # type: ignore[arg-type]


def _add(session: object, name: str, password: str, admin: bool, **kwargs: object) -> None:
    add_staff(session, name, password, admin=admin, **kwargs)  # type: ignore[arg-type]


def run_add(args: argparse.Namespace) -> int:
    if args.no_password and not args.nhs_email:
        raise UsageError("mailbot: staff: --no-password needs --nhs-email (or nobody could log in as them)")
    # Without a local password the account gets a random one nobody knows: a password log-in as them then
    # fails like any wrong password (and takes as long), until `staff password` sets one.
    password = secrets.token_urlsafe(32) if args.no_password else _password(args)
    if args.nhs_email:
        _change(args, _add_linked, password, args.nhs_email, args.admin)
        how = "with their NHS account " + args.nhs_email.strip().lower()
        print(f"staff member {args.name.strip()} added; they can log in to the review web page "
              f"{how}{'' if args.no_password else ' or their password'}.")
    else:
        _change(args, _add, password, args.admin)
        print(f"staff member {args.name.strip()} added; they can log in to the review web page now.")
    if args.admin:
        print(f"{args.name.strip()} is a staff administrator.")
    return 0


def run_grant_admin(args: argparse.Namespace) -> int:
    _change(args, set_admin, True)
    print(f"staff member {args.name.strip()} is now a staff administrator (the Staff accounts page).")
    return 0


def run_revoke_admin(args: argparse.Namespace) -> int:
    _change(args, set_admin, False)
    print(f"staff member {args.name.strip()} is no longer a staff administrator.")
    return 0


def run_link(args: argparse.Namespace) -> int:
    _change(args, link_nhs_email, args.email)
    print(f"staff member {args.name.strip()} linked to the NHS account {args.email.strip().lower()}; their first "
          "NHS log-in ties the link to that account.")
    return 0


def run_unlink(args: argparse.Namespace) -> int:
    _change(args, unlink_nhs_email)
    print(f"staff member {args.name.strip()} can no longer log in with an NHS account.")
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
