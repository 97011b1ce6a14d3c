"""The audit chain's head leaves the store: on /metrics (seq gauge, info metric with the hash) and in the daemon's log
once a UTC day, at housekeeping, whatever the log level."""

from __future__ import annotations

import logging
import re
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mailbot.daemon.health import HealthServer
from mailbot.metrics import Metrics
from store.audit_verify import verify_chain
from store.db import make_engine, sessions
from tests.daemon.conftest import MakeDaemon
from tests.store.audit_tampering import append_events
from tests.support.daemon_setup import empty_maildir


def test_metrics_export_the_chain_head(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        append_events(engine, 4)
        head = verify_chain(engine).head
        assert head is not None and head.seq == 4
        health = HealthServer("127.0.0.1:0", sessions(engine), max_poll_age=60, metrics=Metrics())
        health.start()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{health.port}/metrics", timeout=5) as response:
                metrics = response.read().decode()
        finally:
            health.stop()
    finally:
        engine.dispose()
    assert "mailbot_audit_chain_seq 4.0" in metrics
    info = re.search(r'^mailbot_audit_chain_head_info\{(.*)\} 1\.0$', metrics, re.MULTILINE)
    assert info is not None
    assert f'hash="{head.hash}"' in info[1] and 'seq="4"' in info[1]


def test_housekeeping_logs_the_chain_head_once_a_day(tmp_path: Path, sqlite_url: str,
                                                    make_daemon: MakeDaemon) -> None:
    empty_maildir(tmp_path / "inbox")
    engine = make_engine(sqlite_url)
    append_events(engine, 2)
    head = verify_chain(engine).head
    engine.dispose()
    assert head is not None
    now = [datetime(2026, 12, 2, 0, 5, tzinfo=UTC)]
    daemon = make_daemon(base=tmp_path)
    daemon.clock = lambda: now[0]
    # As `mailbot run` sets logging up by default: the root at WARNING, a handler with no level of its own.
    root = logging.getLogger()
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    level = root.level
    root.setLevel(logging.WARNING)
    root.addHandler(handler)
    try:
        daemon.housekeeping()
        now[0] += timedelta(hours=20)
        daemon.housekeeping()
        now[0] += timedelta(hours=4)  # the next UTC day
        daemon.housekeeping()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    lines = [r.getMessage() for r in records if r.name == "mailbot.daemon.audit_anchor"]
    assert lines == [f"audit chain head: seq 2 hash {head.hash} (anchor: 2:{head.hash})"] * 2
