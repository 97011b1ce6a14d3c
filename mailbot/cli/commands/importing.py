"""`mailbot import organisations|users|signatories|applications|ods FILE.csv`: all or nothing, idempotent."""

from __future__ import annotations

import argparse
from pathlib import Path

from mailbot.admin.register_import import KINDS, import_rows, read_rows
from mailbot.app import App
from mailbot.cli.commands import import_ods
from mailbot.clock import utcnow
from mailbot.errors import UsageError
from store.db import transaction


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import", help="import a register file (CSV); a bad row rejects the whole file",
        description="Columns (SPEC 15): organisations code,name,type; users org_code,username,full_name,email,"
                    "status,primary,applications; signatories org_code,full_name,email,role; applications name. "
                    "ods: an NHS Organisation Data Service extract, epraccur.csv (GP practices) or etr.csv (trusts), "
                    "or the zip they come in.",
    )
    parser.add_argument("kind", choices=(*KINDS, import_ods.KIND))
    parser.add_argument("file", metavar="FILE.csv")
    import_ods.add_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.kind == import_ods.KIND:
        return import_ods.run(args)
    if args.ods_kind is not None:
        raise UsageError("mailbot: import: --kind is for `import ods` only")
    app = App.from_args(args)
    rows = read_rows(args.kind, Path(args.file), args.file)  # the file is checked before the store is opened
    with transaction(app.sessions) as session:
        result = import_rows(session, args.kind, rows, filename=args.file, now=utcnow())
    print(result.summary(args.file))
    return 0
