"""`mailbot stats` (words and --json) and the insight gauges on the daemon's /metrics, over the known store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mailbot.daemon.health import HealthServer
from mailbot.daemon.insight_metrics import InsightCollector
from mailbot.metrics import Metrics
from store.db import make_engine, sessions, transaction
from tests.insight import known_store as known
from tests.support.cli import mailbot, write_config


@pytest.fixture
def seeded(store_url: str) -> Iterator[str]:
    engine = make_engine(store_url)
    with transaction(sessions(engine)) as s:
        known.seed_insight(s)
    engine.dispose()
    yield store_url


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILBOT_CLOCK", known.NOW.isoformat())


def test_stats_json_shape_and_figures(seeded: str, tmp_path: Path, fixed_clock: None) -> None:
    result = mailbot("--config", write_config(tmp_path, seeded), "stats", "--json")
    assert result.status == 0, result.err
    doc = json.loads(result.out)
    assert set(doc) == {"now", "days", "since", "per_day", "handling", "answer_time", "queue", "top_reasons"}
    assert doc["days"] == 30 and doc["since"] == "2026-10-28T00:00:00+00:00"
    assert [(d["day"], d["kind"], d["outcome"], d["cases"]) for d in doc["per_day"]] == known.PER_DAY
    assert doc["handling"] == {"by_mailbot": 6, "by_staff": 2, "finished": 8, "waiting_for_staff": 3,
                               "waiting_for_signatory": 1, "share_by_mailbot": 0.75}
    assert doc["answer_time"] == {"all": {"cases": 8, "p50_seconds": 60.0, "p95_seconds": 86400.0},
                                  "by_staff": {"cases": 2, "p50_seconds": 7200.0, "p95_seconds": 86400.0}}
    assert doc["queue"] == {"waiting": 4, "oldest_since": "2026-10-17T12:00:00+00:00", "bands": [
        {"age": "under 1 day", "cases": 1}, {"age": "1 to 2 days", "cases": 0}, {"age": "2 to 7 days", "cases": 2},
        {"age": "7 to 30 days", "cases": 0}, {"age": "30 days or more", "cases": 1}]}
    assert doc["top_reasons"]["since"] == "2026-11-19T12:00:00+00:00"
    assert [(r["code"], r["cases"]) for r in doc["top_reasons"]["reasons"]] == list(known.TOP_REASONS)


def test_stats_in_words_with_fewer_days(seeded: str, tmp_path: Path, fixed_clock: None) -> None:
    result = mailbot("--config", write_config(tmp_path, seeded), "stats", "--days", "7")
    assert result.status == 0, result.err
    out = result.out
    assert "the last 7 days, since 2026-11-20 00:00 UTC" in out
    assert "finished by the mailbot alone           4   66.7% of 6 finished" in out
    # 0 60 120 7200 10800 86400: the median is rank 3
    assert "all finished cases             6 cases   p50     2 min   p95    24.0 h" in out
    assert "Cases in the period: 10" in out
    assert "The review queue: 4 waiting, the oldest since 2026-10-17 12:00 UTC" in out
    assert "signatory.unverified" in out.split("Top reasons", 1)[1].splitlines()[1]


def test_stats_refuses_a_window_it_cannot_mean(seeded: str, tmp_path: Path) -> None:
    for days in ("0", "-3", "99999"):
        result = mailbot("--config", write_config(tmp_path, seeded), "stats", "--days", days)
        assert result.status == 2 and "--days must be from 1 to 3660" in result.err and not result.out


def test_the_gauges_on_metrics(seeded: str) -> None:
    engine = make_engine(seeded)
    health = HealthServer("127.0.0.1:0", sessions(engine), max_poll_age=60, metrics=Metrics())
    health.insight.clock = lambda: known.NOW
    health.start()
    try:
        text = httpx.get(f"http://127.0.0.1:{health.port}/metrics", timeout=10).text
    finally:
        health.stop()
        engine.dispose()
    for line in ('mailbot_insight_cases{kind="permission_request",outcome="flagged"} 2.0',
                 'mailbot_insight_finished_cases{by="mailbot"} 6.0', 'mailbot_insight_finished_cases{by="staff"} 2.0',
                 'mailbot_insight_waiting_cases{for="signatory"} 1.0', "mailbot_insight_no_person_ratio 0.75",
                 'mailbot_insight_answer_seconds{finished_by="any",quantile="0.5"} 60.0',
                 'mailbot_insight_answer_seconds{finished_by="staff",quantile="0.95"} 86400.0',
                 'mailbot_insight_queue_cases{age="2 to 7 days"} 2.0',
                 "mailbot_insight_queue_oldest_age_seconds 3.456e+06",
                 'mailbot_insight_top_reason_cases{reason="signatory.unverified"} 3.0'):
        assert line in text.splitlines(), line


def test_scrapes_ask_the_store_at_most_once_a_minute(seeded: str) -> None:
    engine = make_engine(seeded)
    ticks = [1000.0]
    collector = InsightCollector(sessions(engine), clock=lambda: known.NOW, monotonic=lambda: ticks[0])
    try:
        for _ in range(5):
            assert any(f.name == "mailbot_insight_cases" for f in collector.collect())
            ticks[0] += 10
        assert collector.computed == 1
        ticks[0] += 20  # 60 s since the first
        list(collector.collect())
        assert collector.computed == 2
    finally:
        engine.dispose()


def test_a_store_that_cannot_answer_gives_no_gauges_and_no_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/empty.db")  # no schema: every query fails
    collector = InsightCollector(sessions(engine), clock=lambda: known.NOW)
    assert list(collector.collect()) == [] and collector.computed == 0
    engine.dispose()
