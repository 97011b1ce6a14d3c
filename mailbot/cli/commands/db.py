"""`mailbot db upgrade`: create or upgrade the store's schema (the deliberate step on PostgreSQL).
`mailbot db backup PATH`: a copy of a SQLite store taken while daemons write to it (store/backup.py); for a
PostgreSQL store it says how to use pg_dump instead."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from mailbot.config import load_config, redact_url, secret_values
from mailbot.log_lines import apply_log_config
from store.db import make_engine, upgrade


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="the store's schema and backups")
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    actions.add_parser("upgrade", help="create or upgrade the schema to this version").set_defaults(
        handler=run_upgrade
    )
    backup = actions.add_parser("backup", help="copy a SQLite store to PATH while the daemons keep writing")
    backup.add_argument("path", metavar="PATH", help="the new file (never overwritten)")
    backup.set_defaults(handler=run_backup)


def run_upgrade(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    apply_log_config(config.log.format, secret_values(config))
    engine = make_engine(config.store_url)
    before, after = upgrade(engine)
    where = redact_url(config.store_url)
    if before == after:
        print(f"{where}: already at {after}")
    else:
        print(f"{where}: upgraded from {before or 'empty'} to {after}")
    return 0


def run_backup(args: argparse.Namespace) -> int:
    from mailbot.app import App
    from store.backup import POSTGRESQL_ROUTE, backup_sqlite

    app = App.from_args(args)
    url = make_url(app.config.store_url)
    target = Path(args.path).expanduser().absolute()
    if url.get_backend_name() != "sqlite":
        libpq = url.set(drivername=url.get_backend_name(), password=None).render_as_string(hide_password=False)
        print(f"mailbot db backup: {redact_url(app.config.store_url)} is not a SQLite store.\n"
              + POSTGRESQL_ROUTE.format(path=target, url=libpq), file=sys.stderr)
        return 2
    # No schema upgrade first (unlike other commands): a backup is what one takes before an upgrade.
    result = backup_sqlite(Path(url.database or ""), target)
    head = f"audit chain head {result.audit_head.seq}:{result.audit_head.hash}" if result.audit_head else \
        "no audit chain"
    print(f"backed up {url.database} to {result.path} ({result.size} bytes); {head}")
    return 0
