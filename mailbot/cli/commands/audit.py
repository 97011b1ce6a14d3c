"""`mailbot audit verify [--json] [--anchor SEQ:HASH]`: walk the audit trail's hash chain and name the first broken
link and whether a row was edited, deleted or inserted (store/audit_verify.py). Exit status 0 when the chain is
intact, 1 when it is broken, 2 for a usage error."""

from __future__ import annotations

import argparse
import json
import re

from mailbot.app import App
from mailbot.errors import UsageError

ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="the audit trail's hash chain")
    actions = parser.add_subparsers(dest="audit_action", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="check that no audit event was edited, deleted or inserted")
    verify.add_argument("--json", action="store_true", help="one JSON document")
    verify.add_argument("--anchor", metavar="SEQ:HASH",
                        help="a chain head recorded earlier (from /metrics or the daily log line) that must still "
                             "be in the chain")
    verify.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    from store.audit_chain import ChainHead
    from store.audit_verify import verify_chain

    anchor = None
    if args.anchor is not None:
        match = ANCHOR.match(args.anchor.strip().lower())
        if not match:
            raise UsageError(f"--anchor {args.anchor!r}: expected SEQ:HASH, e.g. 42:{'0' * 64}")
        anchor = ChainHead(seq=int(match[1]), hash=match[2])
    app = App.from_args(args)
    report = verify_chain(app.engine, anchor)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        head = f"head seq {report.head.seq} hash {report.head.hash}" if report.head else "no chain head"
        if report.intact:
            print(f"audit chain intact: {report.events} event(s), {head}")
        else:
            first = report.breaks[0]
            print(f"audit chain BROKEN: first broken link: {first.kind}: {first.why}")
            for later in report.breaks[1:]:
                print(f"  also {later.kind}: {later.why}")
            print(f"{report.events} event(s), {head}")
    return 0 if report.intact else 1
