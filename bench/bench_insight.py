"""How fast is the mailbox at a glance (/insight, `mailbot stats`, the /metrics gauges) over 100,000 cases?

Fills a fresh store (SQLite by default; PostgreSQL with --pg URL) with N cases, all opened within the last
--spread days (30 by default: every case falls in the page's 30-day window, the worst case; 365 is a year of
mail), with bulk inserts (executemany on SQLite, COPY on PostgreSQL): about 60% finished by the mailbot alone,
30% by staff hours to days later, some waiting for their signatory, 5% of the last three weeks' cases still in
the review queue, each flagged or rejected case with one or two reason codes. Then measures, median and 95th
percentile:

- the server time of /insight (the whole request through the app, logged in, via Starlette's TestClient);
- the figures alone (store.insight) and `mailbot stats --json` in this process;
- `mailbot stats` as its own process (start-up included), once;
- a scrape of the insight gauges (computed afresh each time: the once-a-minute cache is bypassed).

With --screenshot PATH it also runs `mailbot web` as its own process over the same store and saves what
Debian's chromium (Playwright) shows of /insight.

    .venv/bin/python bench/bench_insight.py [--cases 100000] [--spread 30] [--pg URL] [--screenshot docs/insight.png]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, text  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from bench.store_fill import load  # noqa: E402
from mailbot.app import App  # noqa: E402
from mailbot.cli.main import main as mailbot_main  # noqa: E402
from mailbot.config import parse_config  # noqa: E402
from mailbot.daemon.insight_metrics import insight_families  # noqa: E402
from mailbot.review.web.app import create_app  # noqa: E402
from store.db import make_engine, transaction, upgrade  # noqa: E402
from store.insight import insight, window_start  # noqa: E402
from store.staff import add_staff  # noqa: E402

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
STAFF = ["Sam Reviewer", "Jo Bloggs", "Ann Lee", "Raj Patel"]
KINDS = [("primary_user_request", 35), ("permission_request", 30), ("guidance", 10), ("follow_up", 8),
         ("new_user_notification", 7), ("automatic", 5), ("signatory_confirmation", 3), ("unclear", 2)]
FLAG_REASONS = [("signatory.unverified", 30), ("sender.unauthenticated", 18), ("org.unknown", 12),
                ("user.unknown", 10), ("request.unclear", 9), ("form.uncertain", 7), ("permission.unknown", 5),
                ("form.incomplete", 4), ("signatory.unconfirmed", 3), ("message.too_large", 2)]
REJECT_REASONS = [("form.unsigned", 40), ("form.missing", 25), ("signatory.role_not_allowed", 20),
                  ("form.altered", 15)]


def _pick(rnd: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rnd.choices([w for w, _ in weighted], [n for _, n in weighted])[0]


def rows(n: int, spread_days: int, seed: int = 16) -> tuple[list[tuple], list[tuple]]:  # type: ignore[type-arg]
    from rules.reasons import CODES

    for code, _ in FLAG_REASONS + REJECT_REASONS:
        assert code in CODES, code
    rnd = random.Random(seed)
    cases, reasons = [], []
    span = (NOW - window_start(NOW, spread_days)).total_seconds()  # the first of SPREAD days to now
    for i in range(1, n + 1):
        created = NOW - timedelta(seconds=span * (n - i) / n + rnd.random() * 5)
        kind = _pick(rnd, KINDS)
        r = rnd.random()
        codes: list[str] = []
        needs, by, delay = False, "mailbot", 0.0
        if r < 0.60:  # the mailbot alone, at once
            outcome = {"guidance": "answered", "automatic": "ignored"}.get(kind, "approved")
            if outcome == "approved" and rnd.random() < 0.2:
                outcome, codes = "rejected", [_pick(rnd, REJECT_REASONS)]
        elif r < 0.63:  # waiting for the signatory
            outcome, codes = "pending", ["signatory.confirmation_requested"]
        elif r < 0.65:  # the signatory confirmed: the mailbot approved, hours later
            outcome, delay = "approved", rnd.lognormvariate(9.5, 1.0)
        elif r < 0.95 or created < NOW - timedelta(days=21):  # flagged, then staff decided (the queue is recent)
            outcome, by = rnd.choice(("approved", "approved", "rejected")), rnd.choice(STAFF)
            codes = list(dict.fromkeys(_pick(rnd, FLAG_REASONS) for _ in range(rnd.choice((1, 1, 2)))))
            delay = rnd.lognormvariate(10.0, 1.2)  # a median near six hours, a long tail of days
        else:  # still in the review queue
            outcome, needs = "flagged", True
            codes = list(dict.fromkeys(_pick(rnd, FLAG_REASONS) for _ in range(rnd.choice((1, 1, 2)))))
        decided = min(NOW, created + timedelta(seconds=delay))
        c, d = created.replace(tzinfo=None), decided.replace(tzinfo=None)
        cases.append((i, f"OE-{created.year}-{i:07d}", kind, outcome, json.dumps(codes), "[]", "{}", "[]",
                      f"A{i % 2000:05d}", f"sender{i % 5000}@nhs.net", f"Subject {i}", needs, c, d, d, by))
        reasons.extend((i, code, needs) for code in codes)
    return cases, reasons


CASE_COLUMNS = ("id, reference, kind, outcome, reasons, checks, fields, changes, org_code, sender, subject, "
                "needs_review, created_at, updated_at, decided_at, decided_by")


def fill(engine: Engine, n: int, spread: int) -> None:
    cases, reasons = rows(n, spread)
    load(engine, [("cases", CASE_COLUMNS, cases), ("case_reasons", "case_id, code, waiting", reasons)])


def timed(name: str, repeat: int, run: Callable[[], object]) -> None:
    """Wall time (what a person waits for, on a shared machine) and this process's CPU time (the work itself,
    whatever else the machine is doing), median and 95th percentile."""
    run()  # warm
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    times.sort()
    cpu.sort()
    p95, cpu95 = (t[max(0, math.ceil(len(t) * .95) - 1)] for t in (times, cpu))  # nearest rank
    print(f"  {name:<36} wall median {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms   "
          f"cpu median {statistics.median(cpu):6.1f} ms  p95 {cpu95:6.1f} ms")


def stats_in_process(config: Path) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert mailbot_main(["--config", str(config), "stats", "--json"]) == 0
    json.loads(out.getvalue())


def measure(url: str, config: Path, repeat: int) -> None:
    app = App(parse_config({"store": {"url": url}}, environ={}))
    with transaction(app.sessions) as session:
        add_staff(session, "bench", "bench password 123", now=NOW, by="bench")
        total = session.scalar(text("SELECT count(*) FROM cases"))
        waiting = session.scalar(text("SELECT count(*) FROM cases WHERE needs_review"))
    print(f"  {total:,} cases in the store, {waiting:,} waiting for review; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    with app.read_sessions() as session:
        found = insight(session, now=NOW, days=30)
    print(f"  in the 30-day window: {sum(d.cases for d in found.per_day):,} cases; "
          f"no person {found.handling.share_by_mailbot:.1%}; answer p50 {found.answer_all.p50:.0f} s, "
          f"p95 {found.answer_all.p95:.0f} s")
    with TestClient(create_app(app, clock=lambda: NOW), follow_redirects=False) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert client.post("/login", data={"name": "bench", "password": "bench password 123",
                                           "csrf_token": token}).status_code == 303

        def get(path: str) -> None:
            response = client.get(path)
            assert response.status_code == 200 and "The mailbox at a glance" in response.text

        timed("page /insight (30 days)", repeat, lambda: get("/insight"))
        timed("page /insight?days=90", repeat, lambda: get("/insight?days=90"))
        print(f"  page size: {len(client.get('/insight').content):,} bytes")

    def figures() -> None:
        with app.read_sessions() as session:
            insight(session, now=NOW, days=30)

    def scrape() -> None:
        with app.read_sessions() as session:
            list(insight_families(insight(session, now=NOW, days=30)))

    timed("figures alone (store.insight)", repeat, figures)
    timed("mailbot stats --json (in process)", repeat, lambda: stats_in_process(config))
    timed("metrics scrape, figures afresh", repeat, scrape)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mailbot", "--config", str(config), "stats"], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "MAILBOT_CLOCK": NOW.isoformat()},
                          capture_output=True, text=True, check=True)
    print(f"  {'mailbot stats (own process, once)':<36} wall {(time.perf_counter() - started) * 1000:7.1f} ms "
          f"({len(proc.stdout.splitlines())} lines)")
    app.engine.dispose()


def screenshot(config: Path, path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.support.listening import free_port
    from tests.support.web_server import CHROMIUM

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MAILBOT_CLOCK": NOW.isoformat()}
    process = subprocess.Popen([sys.executable, "-m", "mailbot", "--config", str(config), "web", "--listen",
                                f"127.0.0.1:{port}"], cwd=ROOT, env=env)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            for _ in range(600):
                try:
                    page.goto(f"http://127.0.0.1:{port}/login")
                    break
                except Exception:  # noqa: BLE001 - not listening yet
                    time.sleep(0.1)
            page.get_by_label("Your staff name").fill("bench")
            page.get_by_label("Password").fill("bench password 123")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url("**/")
            page.goto(f"http://127.0.0.1:{port}/insight")
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=True, type="png")
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    print(f"  screenshot: {path} ({path.stat().st_size:,} bytes)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--spread", type=int, default=30, help="days the cases are spread over (default 30)")
    parser.add_argument("--db", metavar="PATH", help="SQLite file to fill, or to reuse when it exists")
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database to fill (its tables are emptied)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--screenshot", metavar="PNG", type=Path, help="save chromium's view of /insight here")
    args = parser.parse_args()
    os.environ["MAILBOT_CLOCK"] = NOW.isoformat()  # `mailbot stats` sees the bench's moment
    work = Path(tempfile.mkdtemp(prefix="bench-insight-"))
    reuse = False
    if args.pg:
        url = args.pg
        engine = make_engine(url)
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE cases, case_reasons, staff, staff_sessions, audit_events, outbox "
                              "RESTART IDENTITY CASCADE"))
    else:
        path = Path(args.db) if args.db else work / "store.db"
        reuse = path.exists()
        url = f"sqlite:///{path.resolve()}"
        engine = make_engine(url)
        upgrade(engine)
        if reuse:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM staff"))
            print(f"sqlite: reusing {path}")
    if not reuse:
        started = time.perf_counter()
        fill(engine, args.cases, args.spread)
        print(f"{engine.dialect.name}: {args.cases:,} cases over {args.spread} days, filled in "
              f"{time.perf_counter() - started:.1f} s")
    engine.dispose()
    config = work / "mailbot.toml"
    config.write_text(f'[store]\nurl = "{url}"\n[web]\nassets_dir = "{ROOT / "var" / "web"}"\n')
    measure(url, config, args.repeat)
    if args.screenshot:
        screenshot(config, args.screenshot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
