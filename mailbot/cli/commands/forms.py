"""`mailbot forms build DIR`: write the published blank forms (built in mailbot/admin/form_builder.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from mailbot.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("forms", help="the published Primary User request forms")
    actions = parser.add_subparsers(dest="forms_action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="write both blank fillable forms into DIR")
    build.add_argument("dir", metavar="DIR")
    build.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace) -> int:
    from mailbot.admin.form_builder import build_forms  # reportlab only loads for this command

    directory = Path(args.dir)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"mailbot: forms build: {directory} exists and is not a directory")
    try:
        written = build_forms(directory)
    except OSError as exc:
        raise UsageError(f"mailbot: forms build: cannot write into {directory}: {exc.strerror or exc}") from exc
    for path in written:
        print(path)
    return 0
