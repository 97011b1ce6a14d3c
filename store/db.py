"""Engines, sessions and schema upgrades, the same on SQLite and PostgreSQL.

SQLite is the embedded default: WAL mode so readers never wait for the writer, foreign keys on, a busy timeout,
and every transaction opened with BEGIN IMMEDIATE (the writers of one process taking turns on an in-process lock,
store/sqlite_write_turn.py, and asking SQLite again every millisecond while another process holds its lock).
pysqlite's own transaction handling starts transactions lazily and as DEFERRED, and a deferred reader that later
writes can fail with "database is locked" however long the busy timeout is; taking the write lock up front makes
writers queue instead. Read-only work can ask for a deferred transaction with
`engine.execution_options(sqlite_begin="DEFERRED")`, and reads of one statement each none at all
(`single_reads`).
"""

from __future__ import annotations

import sqlite3
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from store import audit_chain  # noqa: F401 - every session that inserts audit events must chain them (and, first, new cases: store/new_case_rows.py)
from store.encoded_json import dumps as json_dumps
from store.pg_pipeline import install as pipeline_unanswered_writes
from store.precompiled import send
from store.schema_version import at_head
from store.sqlite_write_turn import TurnTakingConnection

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# Alembic is imported where it is used, not here: a daemon whose store is current never loads it
# (store/schema_version.py).

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15000
PREPARE_THRESHOLD = 1


class StoreError(Exception):
    """The store cannot be used as it is: the message says why and what to do."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for URL; SQLite files get their folder created and the pragmas above."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"[store] url is not a database URL: {exc}") from exc
    # A value encoded beforehand is written as its text (store/encoded_json.py); anything else as json.dumps makes it.
    kwargs.setdefault("json_serializer", json_dumps)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "factory": TurnTakingConnection}, **kwargs)
        _configure_sqlite(engine)
        return engine
    ping_when_idle = "pool_pre_ping" not in kwargs
    if parsed.get_driver_name() == "psycopg":
        # psycopg 3 prepares a statement on the server once a connection has run it this many times (its default
        # is 5); the mailbot's statements are the same few for every message, so from the second time.
        kwargs["connect_args"] = {"prepare_threshold": PREPARE_THRESHOLD, **kwargs.get("connect_args", {})}
    if "poolclass" not in kwargs:
        # The connection given back last is the next one handed out (the pool's default is the one idle longest):
        # prepared statements live in one connection each, and a daemon recording one message at a time otherwise
        # went round all of its pooled connections, each running a statement too seldom to have it prepared.
        kwargs.setdefault("pool_use_lifo", True)
    engine = create_engine(url, **kwargs)
    if ping_when_idle:
        _ping_when_idle(engine)
    pipeline_unanswered_writes(engine)  # psycopg's: store/pg_pipeline.py
    return engine


# A pooled connection back in use within this long of its last use is not pinged first.
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "mailbot_idle_since"


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's pool_pre_ping, for connections that sat idle: a pre-ping is a round trip (two on psycopg,
    whose SELECT 1 begins a transaction) each time a connection leaves the pool, three or more times a message for
    a busy daemon, whose connections are back in use within milliseconds. A connection idle for longer (the server
    may have restarted or dropped it meanwhile) is pinged and, if dead, replaced before anyone uses it, as before;
    one that died in the last second fails its first statement, and the pool is renewed (SQLAlchemy drops every
    connection of the pool on a disconnect)."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is not None and time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"a pooled connection failed its ping: {exc}") from exc


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # FULL, not NORMAL: the mailbox is cleaned up after each commit, so a commit lost to a power cut would be a
        # message lost. One fsync per message is a price worth paying.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
        # A connection whose COMMIT failed (SQLite leaves the transaction open) is given back without a rollback
        # when SQLAlchemy counts its transaction as ended: roll it back here, or it would hold the write lock (and
        # its process's turn, store/sqlite_write_turn.py) while it sits in the pool.
        if dbapi_connection is not None and dbapi_connection.in_transaction:
            dbapi_connection.rollback()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode == NO_BEGIN:  # single-statement reads: SQLite reads each statement consistently on its own
            return
        if mode in WRITING_BEGINS:
            _begin_writing(connection, mode)
        else:  # DEFERRED takes no lock: it never waits
            connection.exec_driver_sql(f"BEGIN {mode}")


NO_BEGIN = "none"
# How long a writer waits before asking for SQLite's write lock again. SQLite's own busy handler waits in growing
# steps (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms...), so a writer that found the lock held by a commit of a
# few milliseconds could sleep on long after it was free. Measured over a backlog of 1,000 (bench_backlog, a loaded
# 2-core machine), the longest BEGIN of a daemon: two `mailbot run` on one store 1.2-3.9 s with SQLite's waits,
# 0.49-0.70 s asking every millisecond; one alone (its poll, sender and heartbeat threads each writing) 0.23-1.38 s
# against 0.18-0.38 s.
BEGIN_RETRY_SECONDS = 0.001
WRITING_BEGINS = ("IMMEDIATE", "EXCLUSIVE")  # the modes that take the write lock at once (and may wait for it)


def _begin_writing(connection: Any, mode: str) -> None:
    """BEGIN IMMEDIATE (or EXCLUSIVE), after waiting for this process's turn to write (store/sqlite_write_turn.py:
    no other thread of the process asks SQLite meanwhile), asking SQLite again every BEGIN_RETRY_SECONDS while
    another process holds the write lock, for up to the busy timeout in all; then SQLAlchemy's OperationalError, as
    SQLite's own timeout gives.

    The first try is sent on the connection's cursor as a precompiled statement is (store.precompiled.send: no
    execution context built for it; the engine's cursor events see it, so bench/sql_count.py counts one BEGIN a
    transaction); the retries go straight to sqlite3, each a few microseconds, not an exception SQLAlchemy wraps;
    the last, at the deadline, through the engine again, so a timeout is SQLAlchemy's error. SQLite's busy handler
    is off around them (PRAGMA busy_timeout, a setting of the connection read by no statement but the next: not
    counted)."""
    dbapi = connection.connection.driver_connection
    statement = f"BEGIN {mode}"
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    if isinstance(dbapi, TurnTakingConnection):
        dbapi.take_turn(deadline - time.monotonic())  # without it (after the busy timeout), ask SQLite anyway
    try:
        dbapi.execute("PRAGMA busy_timeout=0")
        try:
            send(connection, statement, (), begins=True).close()
        except OperationalError as exc:
            if not _busy(exc.orig) or time.monotonic() >= deadline:
                raise
            if not _retry_begin(dbapi, statement, deadline):
                send(connection, statement, (), begins=True).close()  # the last try: its error is the caller's
    except BaseException:
        if isinstance(dbapi, TurnTakingConnection):
            dbapi.give_turn_back_if_done()
        raise
    finally:
        dbapi.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _retry_begin(dbapi: sqlite3.Connection, statement: str, deadline: float) -> bool:
    """Send STATEMENT on DBAPI every BEGIN_RETRY_SECONDS while SQLite says busy, until the deadline; whether it
    went through (False: give up, or an error other than busy, for SQLAlchemy to report)."""
    while time.monotonic() < deadline:
        time.sleep(BEGIN_RETRY_SECONDS)
        try:
            dbapi.execute(statement)
            return True
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                return False
    return False


def _busy(error: BaseException | None) -> bool:
    """Whether ERROR is SQLite's busy (extended codes, BUSY_RECOVERY and the like, too)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY


def single_reads(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions for work that only reads, one statement at a time (each is consistent on its own): on SQLite no
    BEGIN is sent, so they cost one statement less each and never take the write lock a BEGIN IMMEDIATE would.
    On PostgreSQL they run in autocommit: no BEGIN and no ROLLBACK, each a round trip, and no rollback, after
    which psycopg forgets (and deallocates) every statement the connection had prepared. A statement in
    autocommit sees what a statement of a READ COMMITTED transaction would: a snapshot of its own."""
    engine = factory.kw.get("bind")
    if not isinstance(engine, Engine):  # (a Connection's options would change it)
        return factory
    reads = _SINGLE_READS.get(factory)
    if reads is None:
        options = {"sqlite_begin": NO_BEGIN} if is_sqlite(engine) else _POSTGRES_READS
        reads = sessionmaker(engine.execution_options(**options), expire_on_commit=False)
        _SINGLE_READS[factory] = reads
    return reads


def reading(engine: Engine) -> Engine:
    """ENGINE for work that only reads, perhaps several statements: on SQLite a deferred transaction (one snapshot
    for them all, never waiting for the writer); on PostgreSQL autocommit, as single_reads (each statement a
    snapshot of its own, as it is in a READ COMMITTED transaction), with no BEGIN, no ROLLBACK and the
    connection's prepared statements kept."""
    if is_sqlite(engine):
        return engine.execution_options(sqlite_begin="DEFERRED")
    return engine.execution_options(**_POSTGRES_READS)


# PostgreSQL reads in autocommit: no BEGIN, no ROLLBACK (after which psycopg would forget its prepared statements).
_POSTGRES_READS = {"isolation_level": "AUTOCOMMIT"}
_SINGLE_READS: weakref.WeakKeyDictionary[sessionmaker[Session], sessionmaker[Session]] = weakref.WeakKeyDictionary()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back if it raises."""
    with factory() as session, session.begin():
        yield session


def _alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert len(heads) == 1, f"migrations have {len(heads)} heads; merge them"
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest migration; returns (revision before, revision after)."""
    from alembic import command

    before = _current_or_error(engine)
    command.upgrade(_alembic_config(engine), "head")
    return before, head_revision()


def _current_or_error(engine: Engine) -> str | None:
    try:
        return current_revision(engine)
    except OperationalError as exc:
        # One line naming the setting: the driver's message spans several (PostgreSQL adds a hint).
        cause = " ".join(str(exc.orig).split())
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"[store] url {where}: cannot open the store: {cause}") from exc


def ensure_schema(engine: Engine) -> None:
    """Make sure the schema is current before a command uses the store.

    On SQLite (one machine, the embedded default) the store is created or upgraded on first use. A PostgreSQL
    store is shared by several daemons, so its upgrades are an operator's deliberate step: `mailbot db upgrade`.
    """
    if at_head(engine):
        return
    current = _current_or_error(engine)
    head = head_revision()
    if current == head:
        return
    if is_sqlite(engine):
        upgrade(engine)
        return
    if current is None:
        raise StoreError("the store has no schema yet: run `mailbot db upgrade` first")
    raise StoreError(f"the store's schema is at {current}, this version needs {head}: run `mailbot db upgrade`")
