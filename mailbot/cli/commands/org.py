"""`mailbot org show CODE [--json]`: an organisation and its users, as the store has them."""

from __future__ import annotations

import argparse
import json

from mailbot.app import App
from mailbot.errors import UsageError
from store.register import organisation, organisation_view


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("org", help="look at an organisation in the register")
    actions = parser.add_subparsers(dest="org_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="an organisation, its users and their applications")
    show.add_argument("code", metavar="CODE")
    show.add_argument("--json", action="store_true", help="one JSON document (SPEC 15)")
    show.set_defaults(handler=run_show)


def run_show(args: argparse.Namespace) -> int:
    app = App.from_args(args)
    with app.sessions() as session:
        org = organisation(session, args.code)
        if org is None:
            raise UsageError(f"mailbot: org show: no organisation with code {args.code.strip().upper()!r} in the store")
        view = organisation_view(org)
        signatories = [(s.full_name, s.role, s.email) for s in org.signatories]
    if args.json:
        print(json.dumps(view, ensure_ascii=False))
        return 0
    closed = f"  {view['status'].upper()}" if "status" in view else ""
    print(f"{view['code']}  {view['name']}  ({view['type']}){closed}")
    for u in view["users"]:
        flag = " PRIMARY" if u["primary"] else ""
        print(f"  {u['username']:<24} {u['full_name']:<28} {u['email']:<34} {u['status']:<8}{flag}")
        if u["applications"]:
            print(f"  {'':<24} applications: {'; '.join(u['applications'])}")
    if signatories:
        print("  signatories:")
        for name, role, email in signatories:
            print(f"    {name:<28} {role:<26} {email or '(no email on record)'}")
    return 0
