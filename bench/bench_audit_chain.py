"""What the audit hash chain costs: appends per second with and without it, `audit verify` over a large trail, and
`mailbot db backup` of that trail.

    .venv/bin/python bench/bench_audit_chain.py [--appends 1000] [--trail 100000] [--postgres URL]

Appends are one transaction each (as the daemon writes them, a fsync per commit on SQLite); "unchained" inserts the
same rows with made-up seq and hashes, which is what an append cost before the chain. The trail for verify is
written in transactions of 5,000.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, event, text  # noqa: E402

from store import audit, audit_chain  # noqa: E402
from store.audit_verify import verify_chain  # noqa: E402
from store.backup import backup_sqlite  # noqa: E402
from store.db import make_engine, sessions, transaction, upgrade  # noqa: E402
from store.models import AuditEvent  # noqa: E402

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def append(engine: Engine, count: int, per_transaction: int = 1) -> float:
    factory = sessions(engine)
    began = time.perf_counter()
    for start in range(0, count, per_transaction):
        with transaction(factory) as session:
            for n in range(start, min(count, start + per_transaction)):
                audit.record(session, at=NOW, actor="bench", action="case.decided", case_id=None,
                             org_code="A81001", n=n, reasons=["auth.dkim_pass", "org.known"], outcome="approved")
    return time.perf_counter() - began


def unchained(engine: Engine, count: int) -> float:
    """The same appends with the chain's hook swapped for one that only fills the columns."""
    counter = itertools.count(10**9)

    def fill(_mapper: object, _connection: object, target: AuditEvent) -> None:
        target.seq, target.prev_hash, target.hash = next(counter), "0" * 64, "0" * 64

    event.remove(AuditEvent, "before_insert", audit_chain._chain_before_insert)
    event.listen(AuditEvent, "before_insert", fill)
    try:
        return append(engine, count)
    finally:
        event.remove(AuditEvent, "before_insert", fill)
        event.listen(AuditEvent, "before_insert", audit_chain._chain_before_insert)


def measure(name: str, engine: Engine, args: argparse.Namespace) -> None:
    chained = append(engine, args.appends)
    plain = unchained(engine, args.appends)
    print(f"{name}: {args.appends} appends, one transaction each: chained {args.appends / chained:,.0f}/s "
          f"({chained / args.appends * 1000:.2f} ms each), unchained {args.appends / plain:,.0f}/s "
          f"({plain / args.appends * 1000:.2f} ms each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=1000)
    parser.add_argument("--trail", type=int, default=100_000)
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server (a database is made and dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-audit-") as work:
        path = Path(work) / "store.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        measure("SQLite", engine, args)
        # A fresh store for the large trail: the unchained rows above do not verify (made-up hashes).
        engine.dispose()
        path.unlink()
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        written = append(engine, args.trail, per_transaction=5000)
        began = time.perf_counter()
        report = verify_chain(engine)
        verified = time.perf_counter() - began
        assert report.intact and report.events == args.trail
        print(f"SQLite: trail of {args.trail:,} events written in {written:.1f} s; audit verify {verified:.2f} s "
              f"({args.trail / verified:,.0f} events/s)")
        began = time.perf_counter()
        result = backup_sqlite(path, Path(work) / "copy.db")
        print(f"SQLite: db backup of that store ({result.size / 1e6:.1f} MB) {time.perf_counter() - began:.2f} s")
        engine.dispose()
    if args.postgres:
        admin = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
        name = f"mailbot_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            engine = make_engine(args.postgres.rsplit("/", 1)[0] + "/" + name)
            upgrade(engine)
            measure("PostgreSQL", engine, args)
            engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
