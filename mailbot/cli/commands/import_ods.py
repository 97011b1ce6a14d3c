"""`mailbot import ods FILE [--kind practices|trusts]`: the ODS extracts (epraccur.csv, etr.csv) into the register.

The two files have the same 27 columns; the practice file fills the prescribing setting (column 26) on every row and
the trust file on none, which is how the kind is told when --kind is not given. --kind is there for a file that is
neither clearly (a hand-cut extract), and it is checked against the content: a trust import of a file carrying
prescribing settings is refused rather than typing every practice `other`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mailbot.admin.ods_import import import_extract, read_extract
from mailbot.app import App
from mailbot.cli.progress_bar import ProgressBar
from mailbot.clock import utcnow
from parsers.ods_extract import OdsKind
from store.db import transaction

KIND = "ods"


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", dest="ods_kind", choices=[k.value for k in OdsKind], default=None,
                        help="for `import ods`: practices (epraccur.csv) or trusts (etr.csv); told from the content "
                             "when left out")


def run(args: argparse.Namespace) -> int:
    kind = OdsKind(args.ods_kind) if args.ods_kind else None
    extract = read_extract(Path(args.file), args.file, kind)  # the whole file is checked before the store is opened
    app = App.from_args(args)
    with ProgressBar(f"import {Path(args.file).name}", len(extract.organisations)) as bar, \
            transaction(app.sessions) as session:
        result = import_extract(session, extract, filename=args.file, now=utcnow(), progress=bar.advance)
    print(result.summary(args.file))
    return 0
