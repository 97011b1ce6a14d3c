"""A pooled PostgreSQL connection the server dropped while it sat idle is replaced before anyone uses it (store.db
pings a connection that was idle for a while as it leaves the pool); one back in use at once is not pinged."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from store import db
from store.db import make_engine


@pytest.mark.postgres
def test_a_connection_dropped_while_idle_is_replaced(postgres_database: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(postgres_database)
    admin = make_engine(postgres_database)
    pings: list[str] = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append("ping") or real_ping(conn))
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as conn:  # back in use at once: no ping
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == first
        assert pings == ["ping"]  # the new connection's, once
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            conn.commit()
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.05)
        time.sleep(0.1)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != first
        assert len(pings) >= 2
    finally:
        engine.dispose()
        admin.dispose()

