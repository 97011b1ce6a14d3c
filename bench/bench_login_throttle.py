"""What a failed web log-in costs, heard and paused, over real HTTP (uvicorn in this process; a fresh SQLite store,
or with --pg a database of its own on the test PostgreSQL, dropped at the end): the median and 95th percentile
time of a wrong password that is checked (one argon2 verify) and of an attempt refused because its address is
paused (no verify), the CPU time for each (`time.process_time` over the run: client and server share this
process, so it is an upper bound), and how many argon2 verifies a flood from one paused address gets.

    .venv/bin/python bench/bench_login_throttle.py [--attempts 300] [--pg]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from store import staff as staff_store  # noqa: E402
from store.db import make_engine, upgrade  # noqa: E402
from tests.support.servers import PG_ADMIN_URL  # noqa: E402
from tests.web.http_world import csrf, http_world  # noqa: E402
from tests.web.seed import STAFF_NAME  # noqa: E402


def timed_attempts(client: httpx.Client, n: int, expect: int) -> tuple[list[float], float]:
    token = csrf(client.get("/login").text)
    times, cpu = [], time.process_time()
    for i in range(n):
        start = time.perf_counter()
        response = client.post("/login", data={"name": STAFF_NAME, "password": f"guess {i}", "csrf_token": token})
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == expect, response.status_code
        token = csrf(response.text)
    return times, (time.process_time() - cpu) * 1000 / n


def summary(label: str, times: list[float], cpu: float) -> str:
    p95 = statistics.quantiles(times, n=20)[18]
    return f"{label}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, CPU {cpu:.1f} ms per attempt"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=300)
    parser.add_argument("--pg", action="store_true", help="on the test PostgreSQL (tests/support/servers.py)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT") if args.pg else None
        made: list[str] = []

        def fresh_store(name: str) -> str:
            url = f"sqlite:///{folder}/{name}.db"
            if admin is not None:
                made.append(f"mailbot_bench_{uuid.uuid4().hex[:12]}")
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{made[-1]}"'))
                url = make_url(PG_ADMIN_URL).set(database=made[-1]).render_as_string(hide_password=False)
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            return url

        # Every wrong attempt is heard while lockout_attempts is this high; then one address is paused.
        with http_world(fresh_store("heard"), lockout_attempts=args.attempts + 1) as world, \
                world.client("127.0.0.2") as client:
            heard, heard_cpu = timed_attempts(client, args.attempts, 401)
        with http_world(fresh_store("paused"), lockout_attempts=5, lockout_first_seconds=3600,
                        lockout_minutes=60) as world, world.client("127.0.0.3") as client:
            timed_attempts(client, 5, 401)
            before = staff_store.VERIFICATIONS
            paused, paused_cpu = timed_attempts(client, args.attempts, 429)
            verifies = staff_store.VERIFICATIONS - before
        if admin is not None:
            with admin.connect() as conn:
                for database in made:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin.dispose()
    print(summary(f"wrong password, checked ({args.attempts})", heard, heard_cpu))
    print(summary(f"address paused, refused ({args.attempts})", paused, paused_cpu))
    print(f"argon2 verifies for {args.attempts} attempts from a paused address: {verifies}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
