"""`mailbot import ods` on a national-size practice extract: a generated epraccur.csv (seeded; 10,000 rows by
default, shaped like the real file: 27 quoted fields, Windows-1252, CRLF, about a third closed), imported into a
fresh store by the command as its own process (start-up included), then imported again (must change nothing), then
a copy with one row in ten changed. The same file is also read and stored in this process, to tell the import's own
work from the command's start-up (which loads every command's modules). On SQLite, and with --pg on a database of
its own on the test PostgreSQL (dropped at the end).

    .venv/bin/python bench/bench_ods_import.py [--rows 10000] [--pg]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datetime import UTC, datetime  # noqa: E402

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from mailbot.admin.ods_import import import_extract  # noqa: E402
from parsers.ods_extract import parse_ods_extract  # noqa: E402
from store.db import make_engine, sessions, transaction, upgrade  # noqa: E402
from store.models import AuditEvent, Organisation  # noqa: E402
from tests.register.ods_rows import national_practices, ods_file  # noqa: E402
from tests.support.cli import ROOT, write_config  # noqa: E402
from tests.support.servers import PG_ADMIN_URL  # noqa: E402


def timed_import(config: Path, extract: Path) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mailbot", "--config", str(config), "import", "ods", str(extract)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"import failed ({proc.returncode}): {proc.stderr}")
    return seconds, proc.stdout.splitlines()[0]


def in_process(url: str, data: bytes) -> list[tuple[str, float]]:
    """Parse, then store twice, in this process: the import's own work."""
    engine = make_engine(url)
    upgrade(engine)
    start = time.perf_counter()
    extract = parse_ods_extract(data, "epraccur.csv")
    times = [("parse", time.perf_counter() - start)]
    for label in ("store, first", "store, again"):
        start = time.perf_counter()
        with transaction(sessions(engine)) as session:
            import_extract(session, extract, filename="epraccur.csv", now=datetime.now(UTC))
        times.append((label, time.perf_counter() - start))
    engine.dispose()
    return times


def fresh_url(work: Path, name: str, admin: object, made: list[str]) -> str:
    if admin is None:
        return f"sqlite:///{work / name}.db"
    made.append(f"mailbot_bench_{uuid.uuid4().hex[:12]}")
    with admin.connect() as conn:  # type: ignore[attr-defined]
        conn.execute(text(f'CREATE DATABASE "{made[-1]}"'))
    return make_url(PG_ADMIN_URL).set(database=made[-1]).render_as_string(hide_password=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--pg", action="store_true", help="on the test PostgreSQL (tests/support/servers.py)")
    args = parser.parse_args()
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT") if args.pg else None
    made: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        try:
            url = fresh_url(work, "store", admin, made)
            engine = make_engine(url)
            upgrade(engine)  # the store exists before the clock starts: the import is timed, not the migrations
            config = write_config(work, url)
            rows = national_practices(args.rows)
            extract = work / "epraccur.csv"
            extract.write_bytes(ods_file(rows))
            size = extract.stat().st_size
            first, first_line = timed_import(config, extract)
            again, again_line = timed_import(config, extract)
            for n, row in enumerate(rows):
                if n % 10 == 0:
                    row[12] = "C" if row[12] != "C" else "A"
            changed = work / "epraccur-changed.csv"
            changed.write_bytes(ods_file(rows))
            tenth, tenth_line = timed_import(config, changed)
            with engine.connect() as conn:
                orgs = conn.execute(select(func.count()).select_from(Organisation)).scalar_one()
                events = conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
            engine.dispose()
            own = in_process(fresh_url(work, "own", admin, made), extract.read_bytes())
        finally:
            if admin is not None:
                with admin.connect() as conn:
                    for database in made:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                admin.dispose()
    store = "PostgreSQL" if args.pg else "SQLite"
    print(f"{store}, {args.rows} rows ({size} bytes), `mailbot import ods` as its own process:")
    print(f"  first import   {first:6.2f} s   {first_line}")
    print(f"  re-import      {again:6.2f} s   {again_line}")
    print(f"  1 row in 10 changed {tenth:6.2f} s   {tenth_line}")
    print(f"  store: {orgs} organisations, {events} audit events (the re-import wrote none)")
    print("  in this process: " + ", ".join(f"{label} {seconds:.2f} s" for label, seconds in own))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
