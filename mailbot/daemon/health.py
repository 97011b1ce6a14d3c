"""The daemon's HTTP endpoint on `[http] listen`: /healthz (is it reading the mailbox?) and /metrics (Prometheus).

Store figures (backlog, cases by outcome, outbox pending and uncertain) are read when /metrics is scraped, so
every replica reports the same truth; the process's own counters come from mailbot.metrics; the mailbox at a
glance (mailbot.daemon.insight_metrics) is worked out at most once a minute.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from mailbot.daemon.audit_anchor import AuditChainCollector
from mailbot.daemon.insight_metrics import InsightCollector
from mailbot.metrics import METRICS, Metrics
from store.cases import counts_by_outcome
from store.intake import counts_by_status as intake_counts
from store.outbox.queue import counts_by_status as outbox_counts
from store.review import queue_size

log = logging.getLogger(__name__)


class StoreCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with self.sessions() as session:
                intake = intake_counts(session)
                outcomes = counts_by_outcome(session)
                outbox = outbox_counts(session)
                review = queue_size(session)
        except Exception:  # noqa: BLE001 - a scrape must answer even when the store is down
            log.exception("metrics: cannot read the store")
            return
        backlog = GaugeMetricFamily("mailbot_intake", "Messages known to intake, by status", labels=["status"])
        for status in ("claimed", "retry", "done", "set_aside"):
            backlog.add_metric([status], intake.get(status, 0))
        yield backlog
        yield GaugeMetricFamily("mailbot_backlog", "Messages claimed or waiting to be retried",
                                value=intake.get("claimed", 0) + intake.get("retry", 0))
        cases = GaugeMetricFamily("mailbot_cases", "Cases in the store, by outcome", labels=["outcome"])
        for outcome, n in sorted(outcomes.items()):
            cases.add_metric([outcome], n)
        yield cases
        yield GaugeMetricFamily("mailbot_review_queue", "Cases waiting for staff", value=review or 0)
        mails = GaugeMetricFamily("mailbot_outbox", "Outbox rows, by status", labels=["status"])
        for status in ("pending", "sending", "transmitting", "sent", "failed", "uncertain"):
            mails.add_metric([status], outbox.get(status, 0))
        yield mails


@dataclass
class HealthServer:
    listen: str
    sessions: sessionmaker[Session]
    max_poll_age: float  # seconds since the last good poll before /healthz says unhealthy
    metrics: Metrics = field(default_factory=lambda: METRICS)
    details: Callable[[], dict[str, Any]] = dict  # more for /healthz, e.g. whether IDLE is listening
    started: float = 0.0
    server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self.started = time.time()
        self.collector = StoreCollector(self.sessions)
        self.metrics.registry.register(self.collector)
        self.insight = InsightCollector(self.sessions)
        self.metrics.registry.register(self.insight)
        self.audit_collector = AuditChainCollector(self.sessions)
        self.metrics.registry.register(self.audit_collector)

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def health(self) -> tuple[int, dict[str, Any]]:
        last = self.metrics.last_poll._value.get()  # noqa: SLF001 - prometheus-client keeps no public getter
        reference = last or self.started
        age = time.time() - reference
        ok = age <= self.max_poll_age
        return (200 if ok else 503), {"status": "ok" if ok else "stale", "last_successful_poll": last or None,
                                      "seconds_since": round(age, 1), **self.details()}

    def start(self) -> None:
        host, _, port = self.listen.rpartition(":")
        self.server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), _handler(self.health, self.scrape))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="health", daemon=True).start()

    def scrape(self) -> bytes:
        return generate_latest(self.metrics.registry)

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        self.metrics.registry.unregister(self.collector)
        self.metrics.registry.unregister(self.insight)
        self.metrics.registry.unregister(self.audit_collector)


def _handler(health: Callable[[], tuple[int, dict[str, Any]]],
             scrape: Callable[[], bytes]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's spelling
            if self.path == "/healthz":
                status, body = health()
                self._send(status, "application/json", json.dumps(body).encode())
            elif self.path == "/metrics":
                self._send(200, "text/plain; version=0.0.4; charset=utf-8", scrape())
            else:
                self._send(404, "text/plain", b"not found\n")

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            return None

    return Handler
