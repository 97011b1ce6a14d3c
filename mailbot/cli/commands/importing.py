"""`mailbot import organisations|users|signatories|applications FILE.csv`: all or nothing, idempotent."""

from __future__ import annotations

import argparse
from pathlib import Path

from mailbot.admin.register_import import KINDS, import_rows, read_rows
from mailbot.app import App
from mailbot.clock import utcnow
from store.db import transaction


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import", help="import a register file (CSV); a bad row rejects the whole file",
        description="Columns (SPEC 15): organisations code,name,type; users org_code,username,full_name,email,"
                    "status,primary,applications; signatories org_code,full_name,email,role; applications name.",
    )
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("file", metavar="FILE.csv")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    app = App.from_args(args)
    rows = read_rows(args.kind, Path(args.file), args.file)  # the file is checked before the store is opened
    with transaction(app.sessions) as session:
        result = import_rows(session, args.kind, rows, filename=args.file, now=utcnow())
    print(result.summary(args.file))
    return 0
