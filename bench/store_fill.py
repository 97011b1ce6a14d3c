"""Filling a store for the benchmarks, as fast as the database takes rows: executemany in chunks on one raw
SQLite connection, COPY on PostgreSQL; then the statistics autovacuum would soon make (ANALYZE) and, on
PostgreSQL, each id sequence moved past the rows written. The one filler every benchmark uses (bench_backlog's
store already holding cases, bench_insight, bench_queue): each gives its own rows to `load`.

`fill` writes what the pipeline benchmark needs: N decided cases of an earlier year, each with its raw message,
first-sighting key, audit event (in the hash chain) and one reply in the outbox (sent); one in fifty waiting for
review with a reason. `fill_in_child` does it in a process of its own, for a benchmark that measures its own
process afterwards (a daemon never fills its own store): a 1,000,000-case fill leaves the filler's C heap at 750-930
MB, and the floor measured in that process afterwards took 11.2-12.6 ms of CPU a message in three trials of five
against 7.7-10.3 ms in fresh processes on the same store."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import Engine

from store.audit_chain import GENESIS, HEAD_ROW, event_hash
from store.db import make_engine

CHUNK = 20000
CACHE_KB = 512 * 1024  # while filling a SQLite store
DETAIL = {"outcome": "approved"}
DETAIL_TEXT = json.dumps(DETAIL)
RAW = b"From: someone@nhs.net\r\nSubject: an earlier request\r\n\r\nOld.\r\n"
Row = tuple[Any, ...]
Table = tuple[str, str, Iterable[Row]]  # (table, "column, column, ...", rows in that column order)


def load(engine: Engine, tables: Sequence[Table]) -> None:
    """Write each table's rows in one transaction. Values as Python gives them: datetimes (naive ones are UTC),
    booleans, JSON as dicts, lists or text."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            # A big page cache, or each insert reads back index pages it let go; no fsync but at the end (a
            # filler that dies leaves a store to throw away anyway).
            cur.execute(f"PRAGMA cache_size = -{CACHE_KB}")
            cur.execute("PRAGMA synchronous = OFF")
            for table, columns, rows in tables:
                marks = ", ".join("?" for _ in columns.split(","))
                cur.execute("BEGIN")
                for chunk in _chunks(rows):
                    cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", _as(chunk, _for_sqlite))
                cur.execute("COMMIT")
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the next table's pages into an empty log
            cur.execute("ANALYZE")
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA cache_size = -2000")
            return
        for table, columns, rows in tables:
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for chunk in _chunks(rows):
                    for row in _as(chunk, _for_postgres):
                        copy.write_row(row)
        for table, columns, _rows in tables:
            if "id" in (c.strip() for c in columns.split(",")):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))")
        raw.commit()
        raw.driver_connection.autocommit = True  # what autovacuum does soon after a load like this
        for table in dict.fromkeys(t for t, _c, _r in tables):
            cur.execute(f"VACUUM ANALYZE {table}")
    finally:
        raw.close()


def _chunks(rows: Iterable[Row]) -> Iterator[list[Row]]:
    it = iter(rows)
    while chunk := list(islice(it, CHUNK)):
        yield chunk


def _as(chunk: list[Row], convert: Callable[[Any], Any]) -> list[Row]:
    """CHUNK with CONVERT applied to the columns that need it (told from the first row that has a value)."""
    width = len(chunk[0])
    needs = [i for i in range(width)
             if isinstance(next((r[i] for r in chunk if r[i] is not None), None), datetime | bool | dict | list)]
    if not needs:
        return chunk
    out = []
    for row in chunk:
        values = list(row)
        for i in needs:
            values[i] = convert(values[i])
        out.append(tuple(values))
    return out


def _for_sqlite(value: Any) -> Any:
    if isinstance(value, datetime):  # as store.types.UTCDateTime keeps them
        if value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _for_postgres(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def fill(engine: Engine, cases: int, *, year: int = 2020) -> None:
    """Write CASES old cases (references OE-YEAR-NNNNNN, so they never meet this year's counter), their audit
    events carrying on the store's hash chain from its start."""
    start = datetime(year, 1, 1)  # naive (UTC), and JSON as text: nothing to convert on the way to SQLite
    senders = [f"sender{n}@nhs.net" for n in range(500)]
    numbers = range(1, cases + 1)

    def at(n: int) -> datetime:
        return start + timedelta(minutes=n)

    chain = {"hash": GENESIS}

    def audit_events() -> Iterator[Row]:
        prev = GENESIS
        for n in numbers:
            digest = event_hash(seq=n, at=at(n).replace(tzinfo=UTC), actor="mailbot", action="case.decided",
                                case_id=n, org_code="A81001", detail=DETAIL, prev_hash=prev)
            yield at(n), "mailbot", "case.decided", n, "A81001", DETAIL_TEXT, n, prev, digest
            prev = digest
        chain["hash"] = prev

    load(engine, [
        ("messages", "id, received_at, source, message_id, content_hash, size, raw",
         ((n, at(n), f"fill:{n}", f"<fill-{n}@nhs.net>", f"{n:064x}", len(RAW), RAW) for n in numbers)),
        ("message_keys", "key, message_row_id", ((f"mid:fill-{n}@nhs.net", n) for n in numbers)),
        ("cases", "id, reference, kind, outcome, reasons, checks, fields, changes, org_code, sender, subject, "
                  "message_row_id, needs_review, created_at, updated_at, decided_at, decided_by",
         ((n, f"OE-{year}-{n:06d}", "permission_request", "flagged" if n % 50 == 0 else "approved",
           '["user.already_has_application"]' if n % 50 == 0 else "[]", "[]", "{}", "[]", "A81001",
           senders[n % len(senders)], "an earlier request", n, n % 50 == 0, at(n), at(n), at(n), "mailbot")
          for n in numbers)),
        ("case_reasons", "case_id, code", ((n, "user.already_has_application") for n in numbers if n % 50 == 0)),
        ("audit_events", "at, actor, action, case_id, org_code, detail, seq, prev_hash, hash", audit_events()),
        ("outbox", "case_id, message_id, purpose, recipient, subject, body, headers, status, attempts, "
                   "next_attempt_at, sent_at, created_at",
         ((n, f"<OE-{year}-{n:06d}.1@fill>", "reply", senders[n % len(senders)], "Re: an earlier request",
           "Done.", "{}", "sent", 1, at(n), at(n), at(n)) for n in numbers)),
    ])
    if cases:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = ?"
                                 if engine.dialect.name == "sqlite" else
                                 "UPDATE audit_chain_head SET seq = %s, hash = %s WHERE id = %s",
                                 (cases, chain["hash"], HEAD_ROW))


def fill_in_child(url: str, cases: int, *, year: int = 2020) -> None:
    """fill() the store at URL (its schema already there) from a new process (spawned: nothing of this one's heap
    or threads), waiting for it; this process's own connections to that store see the rows afterwards."""
    child = multiprocessing.get_context("spawn").Process(target=_fill_url, args=(url, cases, year),
                                                         name="store-fill")
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"filling the store with {cases} cases failed in its process (exit code {child.exitcode})")


def _fill_url(url: str, cases: int, year: int) -> None:
    engine = make_engine(url)
    try:
        fill(engine, cases, year=year)
    finally:
        engine.dispose()
