"""How fast is the review queue page with 1,000,000 cases in the store?

Fills a fresh store (SQLite by default; PostgreSQL with --pg URL) with N cases, a fraction of them waiting for
review, each with one to three reason codes, using executemany (SQLite) or COPY (PostgreSQL); then measures the
server time of the queue page (the whole request through the app, logged in, via Starlette's TestClient) for
the filters staff use. Prints one line per filter: median and 95th percentile in milliseconds.

    .venv/bin/python bench/bench_queue.py [--cases 1000000] [--waiting 0.05] [--pg URL]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, text  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from bench.store_fill import load  # noqa: E402
from mailbot.app import App  # noqa: E402
from mailbot.config import parse_config  # noqa: E402
from mailbot.review.web.app import create_app  # noqa: E402
from parsers.vocabulary.kinds import Kind  # noqa: E402
from rules.reasons import CODES  # noqa: E402
from store.db import make_engine, transaction, upgrade  # noqa: E402
from store.staff import add_staff  # noqa: E402

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ORGS = [f"A{n:05d}" for n in range(2000)]
KINDS = [k.value for k in Kind]
REASONS = sorted(CODES)


def rows(n: int, waiting: float, seed: int = 1) -> tuple[list[tuple], list[tuple]]:  # type: ignore[type-arg]
    rnd = random.Random(seed)
    cases, reasons = [], []
    start = NOW - timedelta(days=730)
    for i in range(1, n + 1):
        created = start + timedelta(seconds=i * 730 * 86400 // n)
        codes = rnd.sample(REASONS, rnd.choice((1, 1, 2, 3)))
        needs = rnd.random() < waiting
        cases.append((i, f"OE-{created.year}-{i:07d}", rnd.choice(KINDS), "flagged" if needs else "approved",
                      json.dumps(codes), "[]", "{}", "[]", rnd.choice(ORGS), f"sender{i % 5000}@nhs.net",
                      f"Subject {i}", needs, created.replace(tzinfo=None), created.replace(tzinfo=None),
                      "mailbot"))
        reasons.extend((i, c) for c in codes)
    return cases, reasons


CASE_COLUMNS = ("id, reference, kind, outcome, reasons, checks, fields, changes, org_code, sender, subject, "
                "needs_review, created_at, updated_at, decided_by")


def fill(engine: Engine, n: int, waiting: float) -> None:
    cases, reasons = rows(n, waiting)
    load(engine, [("cases", CASE_COLUMNS, cases), ("case_reasons", "case_id, code", reasons)])


FILTERS = {
    "no filter": "/",
    "page 20": "/?page=20",
    "reason": "/?reason=signatory.unverified",
    "rare reason": "/?reason=reply.rate_limited&kind=guidance",
    "kind": "/?kind=primary_user_request",
    "organisation": f"/?org={ORGS[7]}",
    "older than 30 days": "/?age=30",
    "reason + org": f"/?reason=org.unknown&org={ORGS[3]}",
}


def measure(url: str, repeat: int) -> None:
    app = App(parse_config({"store": {"url": url}}, environ={}))
    with transaction(app.sessions) as session:
        add_staff(session, "bench", "bench password 123", now=NOW, by="bench")
        waiting = session.scalar(text("SELECT count(*) FROM cases WHERE needs_review"))
        total = session.scalar(text("SELECT count(*) FROM cases"))
        print(f"  {total:,} cases in the store, {waiting:,} waiting for review")
    with TestClient(create_app(app, clock=lambda: NOW), follow_redirects=False) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert client.post("/login", data={"name": "bench", "password": "bench password 123",
                                           "csrf_token": token}).status_code == 303
        for name, path in FILTERS.items():
            client.get(path)  # warm
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            times.sort()
            p95 = times[int(len(times) * .95) - 1]
            print(f"  {name:<20} median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms"
                  f"   ({response.text.count('/cases/OE-')} cases on the page)")
    app.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--waiting", type=float, default=0.01,
                        help="fraction of cases waiting for review (default 1%%: 10,000 of a million)")
    parser.add_argument("--db", metavar="PATH", help="SQLite file to fill, or to reuse when it exists")
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database to fill (its tables are emptied)")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if args.pg:
        url = args.pg
        engine = make_engine(url)
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE cases, case_reasons, staff, staff_sessions, audit_events, outbox "
                              "RESTART IDENTITY CASCADE"))
    else:
        path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="bench-queue-")) / "store.db"
        reuse = path.exists()
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        upgrade(engine)
        if reuse:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM staff"))
            print(f"sqlite: reusing {path}")
    if args.pg or not reuse:
        started = time.perf_counter()
        fill(engine, args.cases, args.waiting)
        print(f"{engine.dialect.name}: {args.cases:,} cases, {args.waiting:.0%} waiting, filled in "
              f"{time.perf_counter() - started:.1f} s")
    engine.dispose()
    measure(url, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
