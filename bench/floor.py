"""The in-process floor: the same messages handled with no IMAP, no SMTP and no scheduler. For "simple" that is
the tests' handler writing to a fresh SQLite store; for "pipeline", understand (parse, authenticate, read forms)
and record (decide, apply, queue replies) on a fresh store holding the same register."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench.common import Bench
from mailbot.processing.contract import IntakeClaim, content_hash, header_message_id
from store import intake
from store.db import make_engine, sessions, transaction, upgrade


def floor_rate(bench: Bench, messages: list[bytes]) -> float:
    url = f"sqlite:///{bench.work / 'floor.db'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = sessions(engine)
    handler, close = _handler(bench, factory, url)
    try:
        began = time.monotonic()
        for n, raw in enumerate(messages):
            now = datetime.now(UTC)
            key = f"floor:{n}"
            with transaction(factory) as session:
                intake.claim(session, source="floor", key=key, owner="floor", now=now,
                             lease=timedelta(minutes=5))
            handler(raw, IntakeClaim(key=key, source="floor", owner="floor", now=now,
                                     message_id=header_message_id(raw), content_hash=content_hash(raw), attempts=1))
        return len(messages) / (time.monotonic() - began)
    finally:
        close()
        engine.dispose()


def _handler(bench: Bench, factory, url: str):  # type: ignore[no-untyped-def]
    if bench.kind == "simple":
        from tests.support.simple_handler import SimpleHandler
        return SimpleHandler(factory), lambda: None
    from bench.pipeline_mail import pipeline_handler
    return pipeline_handler(bench, factory, url)
