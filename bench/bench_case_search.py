"""How fast are the case page (with its context panel) and the case search with many cases in the store?

Fills a fresh SQLite store as bench_queue.py does (N cases over two years from 5,000 senders and 2,000
organisations, which are put in the register too, with a Primary User and a signatory each), then measures the
server time of each page through the app, logged in, via Starlette's TestClient. Prints median and 95th percentile
in milliseconds.

    .venv/bin/python bench/bench_case_search.py [--cases 1000000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from bench.bench_queue import NOW, ORGS, fill_sqlite  # noqa: E402
from mailbot.app import App  # noqa: E402
from mailbot.config import parse_config  # noqa: E402
from mailbot.review.web.app import create_app  # noqa: E402
from store.db import make_engine, transaction, upgrade  # noqa: E402
from store.staff import add_staff  # noqa: E402


def fill_register(url: str) -> None:
    engine = make_engine(url)
    stamp = NOW.isoformat(" ")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (id, code, name, type, created_at, updated_at) "
                          "VALUES (:id, :code, :name, 'gp_practice', :t, :t)"),
                     [{"id": i + 1, "code": code, "name": f"Practice number {i}", "t": stamp}
                      for i, code in enumerate(ORGS)])
        conn.execute(text("INSERT INTO users (organisation_id, username, full_name, email, status, is_primary, "
                          "must_change_password, phone, created_at, updated_at) VALUES (:o, :u, :n, :e, 'active', "
                          "1, 0, '01632 960000', :t, :t)"),
                     [{"o": i + 1, "u": f"PU{i}", "n": f"Person {i} Smith", "e": f"sender{i}@nhs.net", "t": stamp}
                      for i in range(len(ORGS))])
        conn.execute(text("INSERT INTO signatories (organisation_id, full_name, email, role, phone, verified_how, "
                          "verified_at) VALUES (:o, :n, :e, 'lead_gp', '01632 960001', 'bench', :t)"),
                     [{"o": i + 1, "n": f"Dr Lead {i}", "e": f"lead{i}@nhs.net", "t": stamp}
                      for i in range(len(ORGS))])
    engine.dispose()


def pages(n: int) -> dict[str, str]:
    middle = f"OE-{NOW.year - 1}-{n // 2:07d}"
    return {
        "case page + context": "/cases/{middle}",
        "search: reference": f"/search?state=all&q={middle}",
        "search: sender": "/search?state=all&q=sender42%40nhs.net",
        "search: org code": f"/search?state=all&q={ORGS[7]}",
        "search: org name": "/search?state=all&q=Practice+number+1234",
        "search: person": "/search?state=all&q=Person+77+Smith",
        "finished, no filter": "/search",
        "finished, reason": "/search?reason=signatory.unverified",
        "finished, org": f"/search?org={ORGS[9]}",
    }


def measure(url: str, n: int, repeat: int) -> None:
    app = App(parse_config({"store": {"url": url}}, environ={}))
    with transaction(app.sessions) as session:
        add_staff(session, "bench", "bench password 123", now=NOW, by="bench")
        middle = session.scalar(text("SELECT reference FROM cases WHERE id = :i"), {"i": n // 2})
    with TestClient(create_app(app, clock=lambda: NOW), follow_redirects=False) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert client.post("/login", data={"name": "bench", "password": "bench password 123",
                                           "csrf_token": token}).status_code == 303
        for name, path in pages(n).items():
            path = path.replace("{middle}", middle).replace(f"OE-{NOW.year - 1}-{n // 2:07d}", middle)
            client.get(path)  # warm
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            times.sort()
            p95 = times[max(0, int(len(times) * .95) - 1)]
            print(f"  {name:<22} median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms"
                  f"   ({response.text.count('/cases/OE-')} case links)")
    app.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--waiting", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="bench-case-search-")) / "store.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    fill_sqlite(engine, args.cases, args.waiting)
    engine.dispose()
    fill_register(url)
    print(f"sqlite: {args.cases:,} cases, filled in {time.perf_counter() - started:.1f} s")
    measure(url, args.cases, args.repeat)
    path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
