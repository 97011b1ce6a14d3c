"""The mailbox at a glance as Prometheus gauges on the daemon's /metrics (issue 16): the figures of store.insight
over the last 30 days, computed when /metrics is scraped but at most once a minute per process (the last
figures are served in between), so a scrape every few seconds costs the store one set of aggregate queries a
minute (bench/bench_insight.py: tens of milliseconds over 100,000 cases)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from mailbot.clock import utcnow
from store.insight import Insight, insight

log = logging.getLogger(__name__)

WINDOW_DAYS = 30
REFRESH_SECONDS = 60.0


def insight_families(found: Insight) -> Iterator[GaugeMetricFamily]:
    window = f"the last {found.days} days"
    cases = GaugeMetricFamily("mailbot_insight_cases", f"Cases opened in {window}, by kind and outcome",
                              labels=["kind", "outcome"])
    totals: dict[tuple[str, str], int] = {}
    for row in found.per_day:
        totals[(row.kind, row.outcome)] = totals.get((row.kind, row.outcome), 0) + row.cases
    for (kind, outcome), n in sorted(totals.items()):
        cases.add_metric([kind, outcome], n)
    yield cases
    h = found.handling
    by = GaugeMetricFamily("mailbot_insight_finished_cases", f"Cases opened in {window} and finished, by who "
                           "finished them (mailbot: no person)", labels=["by"])
    by.add_metric(["mailbot"], h.by_mailbot)
    by.add_metric(["staff"], h.by_staff)
    yield by
    waiting = GaugeMetricFamily("mailbot_insight_waiting_cases", f"Cases opened in {window} still waiting, for whom",
                                labels=["for"])
    waiting.add_metric(["staff"], h.waiting_for_staff)
    waiting.add_metric(["signatory"], h.waiting_for_signatory)
    yield waiting
    if h.share_by_mailbot is not None:
        yield GaugeMetricFamily("mailbot_insight_no_person_ratio",
                                f"Share of the cases opened in {window} and finished that no person handled",
                                value=h.share_by_mailbot)
    answer = GaugeMetricFamily("mailbot_insight_answer_seconds", f"Seconds from arrival to answer of the cases "
                               f"opened in {window} and finished (nearest-rank quantiles)",
                               labels=["finished_by", "quantile"])
    for who, times in (("any", found.answer_all), ("staff", found.answer_staff)):
        for quantile, value in (("0.5", times.p50), ("0.95", times.p95)):
            if value is not None:
                answer.add_metric([who, quantile], value)
    yield answer
    q = found.queue
    bands = GaugeMetricFamily("mailbot_insight_queue_cases", "Cases waiting for staff, by how long they have waited",
                              labels=["age"])
    for label, n in q.bands:
        bands.add_metric([label], n)
    yield bands
    yield GaugeMetricFamily("mailbot_insight_queue_oldest_age_seconds",
                            "How long the oldest case waiting for staff has waited (0 when none waits)",
                            value=(found.now - q.oldest_since).total_seconds() if q.oldest_since else 0.0)
    reasons = GaugeMetricFamily("mailbot_insight_top_reason_cases",
                                "Cases opened in the last 7 days with each of the most frequent reason codes",
                                labels=["reason"])
    for code, n in found.top_reasons:
        reasons.add_metric([code], n)
    yield reasons


class InsightCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session], *, clock: Callable[[], datetime] = utcnow,
                 refresh_seconds: float = REFRESH_SECONDS, days: int = WINDOW_DAYS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.sessions, self.clock, self.refresh_seconds, self.days = sessions, clock, refresh_seconds, days
        self.monotonic = monotonic
        self.lock = threading.Lock()
        self.found: Insight | None = None
        self.at = 0.0
        self.computed = 0  # how many times the store was asked (tests check the bound)

    def current(self) -> Insight | None:
        with self.lock:  # one computation at a time; scrapes meanwhile wait for it, then share it
            if self.found is None or self.monotonic() - self.at >= self.refresh_seconds:
                try:
                    with self.sessions() as session:
                        self.found = insight(session, now=self.clock(), days=self.days)
                    self.computed += 1
                except Exception:  # noqa: BLE001 - a scrape must answer even when the store is down
                    log.exception("metrics: cannot work out the insight figures")
                    self.found = None
                self.at = self.monotonic()
            return self.found

    def collect(self) -> Iterator[GaugeMetricFamily]:
        found = self.current()
        if found is not None:
            yield from insight_families(found)
