"""`mailbot db upgrade`: create or upgrade the store's schema (the deliberate step on PostgreSQL)."""

from __future__ import annotations

import argparse

from mailbot.config import load_config, redact_url
from store.db import make_engine, upgrade


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="the store's schema")
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    actions.add_parser("upgrade", help="create or upgrade the schema to this version").set_defaults(
        handler=run_upgrade
    )


def run_upgrade(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    engine = make_engine(config.store_url)
    before, after = upgrade(engine)
    where = redact_url(config.store_url)
    if before == after:
        print(f"{where}: already at {after}")
    else:
        print(f"{where}: upgraded from {before or 'empty'} to {after}")
    return 0
