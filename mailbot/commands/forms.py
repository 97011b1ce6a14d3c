"""`mailbot forms build DIR`: write the published blank forms (built in mailbot/form_builder.py)."""

from __future__ import annotations

import argparse

from mailbot.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("forms", help="the published Primary User request forms")
    actions = parser.add_subparsers(dest="forms_action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="write both blank fillable forms into DIR")
    build.add_argument("dir", metavar="DIR")
    build.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace) -> int:
    raise UsageError("forms build is not built yet")
