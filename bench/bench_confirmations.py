"""Signatory confirmations (SPEC 17): how fast answers are read, and how long the daemon's deadline job takes when
many confirmations fall due at once (a daemon that was down for a week).

Usage: python bench/bench_confirmations.py [N] [--store-url URL]   (run from the repository root; N pending cases,
default 1000; the default store is a fresh SQLite file, or give an empty migrated PostgreSQL database)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mailbot.config import parse_config  # noqa: E402
from mailbot.processing.confirmation_expiry import everything_due, remind_and_expire  # noqa: E402
from mailbot.processing.settings import settings_from  # noqa: E402
from parsers.confirmation_answer import read_answer  # noqa: E402
from store.cases import next_reference  # noqa: E402
from store.confirmations import Signatory, open_confirmation  # noqa: E402
from store.db import make_engine, sessions, transaction, upgrade  # noqa: E402
from store.models import Case  # noqa: E402

ANSWERS = ["Yes", "Yes, that's fine.", "Confirmed - thanks", "No. I did not sign this.", "I can't confirm this",
           "Who is Sam New? Please call me.", "I confirm that I did not sign this form",
           "Yes, I signed it. Sam is our new practice manager. Let me know if you need anything else."]


def bench_answers(rounds: int = 2000) -> None:
    times = []
    for _ in range(rounds):
        for text in ANSWERS:
            started = time.perf_counter()
            read_answer(text)
            times.append((time.perf_counter() - started) * 1e6)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"read_answer: median {statistics.median(times):.1f} us, p95 {p95:.1f} us ({len(times)} answers)")


def bench_deadlines(n: int, store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    factory = sessions(engine)
    settings = settings_from(parse_config({"store": {"url": store_url}}, environ={}))
    asked = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with transaction(factory) as session:
        for i in range(n):
            case = Case(reference=next_reference(session, 2026), kind="primary_user_request", outcome="pending",
                        reasons=["signatory.confirmation_requested"], checks=[], changes=[], org_code="A81001",
                        sender=f"manager{i}@nhs.net", subject="Primary User request form", created_at=asked,
                        updated_at=asked, fields={"request": {"org_code": "A81001", "pu_full_name": f"Nominee {i}",
                                                              "pu_email": f"nominee{i}@nhs.net", "pu_request": "new"},
                                                  "sender": {"address": f"manager{i}@nhs.net", "authenticated": True},
                                                  "thread": {"message_id": f"<m{i}@nhs.net>", "references": []}})
            session.add(case)
            session.flush()
            open_confirmation(session, case, Signatory("Dr Alan Hughes", "alan.hughes@nhs.net", "lead_gp"),
                              now=asked, days=7)
    for label, day in (("reminders", 4), ("expiries", 8), ("nothing due", 9)):
        started = time.perf_counter()
        report = everything_due(factory, now=asked + timedelta(days=day), settings=settings)
        seconds = time.perf_counter() - started
        done = len(report.reminded) + len(report.expired)
        rate = f", {done / seconds:.0f}/s" if done else ""
        print(f"{label}: {done} in {seconds:.2f} s{rate}")
    started = time.perf_counter()
    remind_and_expire(factory, now=asked + timedelta(days=10), settings=settings)
    print(f"one run of the daemon's job with nothing due: {(time.perf_counter() - started) * 1000:.1f} ms")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--store-url")
    args = parser.parse_args()
    bench_answers()
    with tempfile.TemporaryDirectory() as tmp:
        bench_deadlines(args.n, args.store_url or f"sqlite:///{tmp}/bench.db")


if __name__ == "__main__":
    main()
