"""Counting a PostgreSQL connection's round trips: the server's ReadyForQuery messages in libpq's own trace of it
(one each time the client waits for the server to answer everything sent so far)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg import pq


@contextmanager
def round_trips(driver_connection: Any) -> Iterator[list[int]]:
    """The round trips DRIVER_CONNECTION (a psycopg connection) makes in the block: a list filled in when it ends."""
    found: list[int] = []
    pgconn = driver_connection.pgconn
    with tempfile.TemporaryFile("w+") as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            yield found
        finally:
            pgconn.untrace()
            trace.seek(0)
            found.append(sum(1 for line in trace if line.startswith("B\t") and "\tReadyForQuery" in line))
