"""On PostgreSQL (psycopg), a statement whose result nobody reads is queued, not waited for: it goes to the server
with the next statement that is waited for, in one round trip.

Why: on PostgreSQL the daemon's recording thread spent most of its time waiting for the server's answer to one
statement after another, each a round trip (a wake-up of the server's backend and then of this thread: on a loaded
two-core machine up to a millisecond each). A recording's case and its reasons are written by statements nothing
reads the result of (store.precompiled's `execute`); queued in psycopg's pipeline mode, they travel with its reply's
INSERT after them, whose id is read. The outbox sender's "previous mail sent" travels with the next mail's
"transmitting" the same way, and both with the COMMIT after them.

What stays the same: every statement runs in the same transaction, in the same order; nothing is committed before
COMMIT, and COMMIT takes effect only if every statement queued before it succeeded (PostgreSQL skips what follows
an error up to the pipeline's end; the error is raised as the pipeline is left, as SQLAlchemy's exception, and the
transaction then rolls back, as it would have had the error come at once). What changes is where such an error is
raised: at the next statement waited for (or the COMMIT), not at the statement that failed. Queued: statements sent
through `store.precompiled.send` with `queued`, a transaction's BEGIN (with its first statement), a SAVEPOINT, and
COMMIT (after what is queued, the pipeline then left: the server skips it if anything queued failed). A statement
of SQLAlchemy's own is sent in the pipeline and the pipeline left right after it (one round trip, with what was
queued before it). A RELEASE (so that an error inside a savepoint is raised inside its block), a ROLLBACK, an
executemany or server-side cursor of SQLAlchemy's, and the connection going back to the pool leave the pipeline
first.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from contextlib import suppress
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import Dialect

# The psycopg Pipeline a pooled connection is in (its pool record's info): present only while statements are queued.
_PIPELINE = "mailbot_pg_pipeline"
# The dialects of the engines `install` readied (an engine's execution_options copies share its dialect): only their
# connections queue, for only they leave the pipeline before COMMIT.
_READY: weakref.WeakSet[Dialect] = weakref.WeakSet()
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: no transaction begun on the server (psycopg sends BEGIN first)


def queue_on(connection: Connection) -> bool:
    """Put CONNECTION's psycopg connection in pipeline mode (if it is not yet), so that the statement sent next is
    queued; False (send it as usual) when the engine's dialect cannot (not psycopg, or libpq without pipelines)."""
    fairy = connection._dbapi_connection
    if fairy is None or connection.dialect not in _READY:
        return False
    info = fairy.info
    if _PIPELINE in info:
        return True
    if not _pipelines_supported():
        return False
    driver = fairy.driver_connection
    if driver is None:
        return False
    pipeline = driver.pipeline()  # psycopg's context manager, left by `leave`
    pipeline.__enter__()
    info[_PIPELINE] = pipeline
    if not driver.autocommit and driver.pgconn.transaction_status == _IDLE:
        _queue_begin(driver)
    return True


@cache
def _pipelines_supported() -> bool:
    from psycopg import Pipeline  # only a psycopg engine gets here

    return Pipeline.is_supported()


def _queue_begin(driver: Any) -> None:
    """Queue the transaction's BEGIN (psycopg's own text for it: its isolation level...) in DRIVER's pipeline, to
    travel with the statements after it. Why: psycopg, beginning a transaction in a pipeline itself, waits for its
    BEGIN's answer (a Sync of its own: one round trip a transaction, for the sender's every mail, every claim).
    Handed to libpq now (as psycopg's own queueing would hand it, the pipeline just entered holding nothing), it is
    a command in progress (the transaction no longer IDLE to libpq), so psycopg begins no other; its answer is
    awaited in turn with the rest (the None in the result queue: a command's, whose error only is looked at).
    psycopg's private parts (_get_tx_start_command, its Pipeline's result_queue): psycopg is pinned
    (constraints.txt), and tests/store/test_pg_pipeline.py counts the round trips."""
    driver.pgconn.send_query_params(driver._get_tx_start_command(), None)
    driver._pipeline.result_queue.append(None)


def in_pipeline(connection: Connection) -> bool:
    fairy = connection._dbapi_connection
    return fairy is not None and _PIPELINE in fairy.info


def in_pipeline_or_beginning(connection: Connection) -> bool:
    """Whether the statement sent next on CONNECTION goes in its pipeline: it is in one, or it is the first of a
    transaction (psycopg then sends BEGIN first: in a pipeline, queued with the statement rather than waited for on
    its own, one round trip fewer a transaction), the pipeline then entered."""
    fairy = connection._dbapi_connection
    if fairy is None:
        return False
    if _PIPELINE in fairy.info:
        return True
    # Asked for every statement: the fewest Python calls. The DBAPI connection is psycopg's own (no adapter between,
    # as for an async driver); pgconn's status, not driver.info's (an object built each time), is no Python call,
    # and tells a transaction under way (most statements) before the autocommit property is asked.
    driver = fairy.dbapi_connection
    if driver is None or driver.pgconn.transaction_status != _IDLE or driver.autocommit:
        return False
    return queue_on(connection)


def leave(connection: Connection) -> None:
    """Send what CONNECTION has queued and wait for every answer, leaving pipeline mode (one round trip); a queued
    statement's error is raised as SQLAlchemy's exception, the connection invalidated if it was lost."""
    fairy = connection._dbapi_connection
    if fairy is None:
        return
    pipeline = fairy.info.pop(_PIPELINE, None)
    if pipeline is None:
        return
    try:
        pipeline.__exit__(None, None, None)
    except BaseException as exc:
        connection._handle_dbapi_exception(exc, "(statements queued in a pipeline)", None, None, None)


def _let_go(info: dict[str, Any]) -> None:
    """Leave the pipeline, its error (if any) not raised: the transaction is being rolled back or reset anyway."""
    pipeline = info.pop(_PIPELINE, None)
    if pipeline is not None:
        with suppress(Exception):  # a rollback follows, which reports a connection that is gone
            pipeline.__exit__(None, None, None)


def install(engine: Engine) -> None:
    """Let ENGINE's connections queue (a psycopg engine's), leaving the pipeline before anything but
    store.precompiled.send uses one."""
    if engine.dialect.driver != "psycopg":
        return
    _READY.add(engine.dialect)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_statement(connection: Connection, _cursor: Any, _statement: str, _parameters: Any, context: Any,
                          executemany: bool) -> None:
        # store.precompiled.send passes no execution context (and handles the pipeline itself); SQLAlchemy's own
        # statements always have one, and read their result (its description) as soon as they are sent: sent in
        # the pipeline, with what was queued before it (and BEGIN, for a transaction's first), the pipeline left
        # right after (below), before SQLAlchemy reads the result: one round trip, where leaving first was two.
        # An executemany (psycopg's own pipeline inside) and a server-side cursor (none in a pipeline) leave first.
        if context is not None and (executemany or context._is_server_side
                                    or not in_pipeline_or_beginning(connection)):
            leave(connection)

    @event.listens_for(engine, "after_cursor_execute")
    def _after_statement(connection: Connection, _cursor: Any, _statement: str, _parameters: Any, context: Any,
                         _executemany: bool) -> None:
        # Still inside SQLAlchemy's handling of the statement: an error of it or of one queued before it is raised
        # as the statement's own (SQLAlchemy's exception, a lost connection invalidated).
        if context is not None:
            fairy = connection._dbapi_connection
            pipeline = fairy.info.pop(_PIPELINE, None) if fairy is not None else None
            if pipeline is not None:
                pipeline.__exit__(None, None, None)

    @event.listens_for(engine, "commit")
    def _before_commit(connection: Connection) -> None:
        _transaction_ends(connection)
        try:
            _queue_commit(connection)
            leave(connection)
        except BaseException:
            # COMMIT will not be sent: end the server's transaction (aborted by the queued statement's error) here,
            # as a COMMIT that failed would have ended it; the caller sees the commit fail.
            _on_driver(connection, lambda driver: driver.rollback())
            raise
        _refuse_aborted(connection)

    event.listen(engine, "rollback", _let_go_first)
    event.listen(engine, "rollback", _transaction_ends)

    # Before a SAVEPOINT: what an earlier message queued (a group's first, in no savepoint of its own) is answered
    # and its error raised, as before the savepoint began.
    for name in ("savepoint", "begin_twophase", "prepare_twophase", "commit_twophase"):
        event.listen(engine, name, _leave_first)
    _queue_savepoints(engine.dialect)
    _keep_savepoints(engine.dialect)

    @event.listens_for(engine, "release_savepoint")
    def _before_release(connection: Connection, name: str, _context: Any) -> None:
        try:
            leave(connection)
        except BaseException:
            # As if the queued statement had failed inside the savepoint's block: the savepoint rolled back (the
            # transaction around it goes on), and the block's caller sees the error.
            _on_driver(connection, lambda driver: driver.execute(f"ROLLBACK TO SAVEPOINT {name}"))
            raise
    for name in ("rollback_savepoint", "rollback_twophase"):  # what was queued since is being undone anyway
        event.listen(engine, name, _let_go_first)

    @event.listens_for(engine, "reset")
    def _on_reset(_dbapi_connection: Any, record: Any, _state: Any) -> None:
        _let_go(record.info)
        record.info.pop(_KEPT, None)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        _let_go(record.info)
        record.info.pop(_KEPT, None)


def _queue_savepoints(dialect: Dialect) -> None:
    """DIALECT's SAVEPOINT queued in the pipeline, to go with the savepoint's first statement waited for: one round
    trip fewer for each message of a group but its first (mailbot/intake/recording_group.py). What a SAVEPOINT
    could fail on, an earlier statement's error, was raised before it (the `savepoint` event above); an error of a
    statement inside the savepoint comes at one of the savepoint's own statements, or at its RELEASE (which leaves
    the pipeline first), either way inside its block; a block that raises before anything was waited for lets the
    pipeline go (SAVEPOINT answered) before its ROLLBACK TO SAVEPOINT. Done on the dialect (SQLAlchemy sends a
    savepoint by its `do_savepoint`, as a statement of its own, which would leave the pipeline)."""
    if getattr(dialect, _QUEUED_SAVEPOINTS, False):
        return
    from store.precompiled import send  # (store.precompiled imports this module)

    plain = dialect.do_savepoint
    quote = dialect.identifier_preparer.quote

    def do_savepoint(connection: Connection, name: str) -> None:
        if queue_on(connection):
            send(connection, f"SAVEPOINT {quote(name)}", (), queued=True).close()
        else:
            plain(connection, name)

    dialect.do_savepoint = do_savepoint  # type: ignore[method-assign]
    setattr(dialect, _QUEUED_SAVEPOINTS, True)


_QUEUED_SAVEPOINTS = "mailbot_queued_savepoints"

# The most savepoints a transaction leaves unreleased (`_keep_savepoints`): a group of recordings holds at most
# [daemon] group_commit (64 at most) less one; past that they are released as before.
KEPT_SAVEPOINTS = 64
_KEPT = "mailbot_kept_savepoints"  # in a pooled connection's info: how many its transaction has kept


def _keep_savepoints(dialect: Dialect) -> None:
    """A savepoint whose block ended without an error left in place rather than RELEASEd: one round trip fewer for
    each message of a group but its first (mailbot/intake/recording_group.py). Why it changes nothing: what a
    savepoint wrote is the transaction's, committed or rolled back with it, whether released or not; a later
    savepoint begins inside it (a ROLLBACK TO that later one undoes only what was written since it, as before); a
    ROLLBACK TO an earlier one, or of the transaction, undoes it with the rest, as before. What RELEASE was also
    for, leaving the pipeline so that an error of a statement queued in the savepoint is raised inside its block,
    is done by the `release_savepoint` event above, which comes first. At most KEPT_SAVEPOINTS a transaction (each
    one a level of the server's subtransactions): past those, RELEASE as before."""
    if getattr(dialect, _KEPT, False):
        return
    plain = dialect.do_release_savepoint

    def do_release_savepoint(connection: Connection, name: str) -> None:
        fairy = connection._dbapi_connection
        kept = fairy.info.get(_KEPT, 0) if fairy is not None else KEPT_SAVEPOINTS
        if kept < KEPT_SAVEPOINTS and fairy is not None:
            fairy.info[_KEPT] = kept + 1
        else:
            plain(connection, name)

    dialect.do_release_savepoint = do_release_savepoint  # type: ignore[method-assign]
    setattr(dialect, _KEPT, True)


def _transaction_ends(connection: Connection, *_args: Any) -> None:
    """The savepoints CONNECTION's transaction kept go with it (committed or rolled back)."""
    fairy = connection._dbapi_connection
    if fairy is not None:
        fairy.info.pop(_KEPT, None)


def _on_driver(connection: Connection, do: Callable[[Any], object]) -> None:
    """DO with CONNECTION's psycopg connection, if it is still valid; its error not raised (the caller is raising
    one already)."""
    driver = _driver(connection)
    if driver is not None:
        with suppress(Exception):
            do(driver)


def _driver(connection: Connection) -> Any:
    """CONNECTION's psycopg connection, None when it has none or it is no longer valid."""
    fairy = connection._dbapi_connection
    return fairy.driver_connection if fairy is not None and fairy.is_valid else None


class AbortedTransaction(Exception):
    """COMMIT asked of a transaction the server had already aborted: nothing of it was kept."""


def _refuse_aborted(connection: Connection) -> None:
    """Fail the COMMIT of a transaction PostgreSQL has aborted (a statement of it failed, its error raised and
    caught on the way), rather than let it end in a ROLLBACK that psycopg reports as a COMMIT that succeeded.
    A queued statement's error comes a statement late, possibly to a caller that takes it for its own: a group of
    recordings (mailbot/intake/recording_group.py) whose first message's queued INSERT failed hears of it at the
    next message's SAVEPOINT, takes that message for the failed one and commits the rest; the rest was gone with
    the aborted transaction, and must fail too, not be taken for recorded. (Asked of libpq: no round trip.)"""
    driver = _driver(connection)
    if driver is None:
        return
    from psycopg.pq import TransactionStatus  # only a psycopg engine gets here

    if driver.info.transaction_status == TransactionStatus.INERROR:
        _on_driver(connection, lambda d: d.rollback())
        raise AbortedTransaction("COMMIT of a transaction PostgreSQL had aborted after an error: nothing was kept")


def _queue_commit(connection: Connection) -> None:
    """COMMIT queued after what CONNECTION has queued (if anything), to go with it in the one round trip leaving the
    pipeline takes, where it took one of its own after (psycopg's commit, then, has no transaction left to end).
    A queued statement's error, or the server's transaction aborted already (its statements queued since fail),
    skips the COMMIT (a pipeline after an error skips everything up to its Sync): the caller rolls back. The
    pipeline holds a statement whenever it is open (it is entered only to queue one), so the COMMIT of a
    transaction aborted earlier, which PostgreSQL answers as a ROLLBACK without an error, never goes this way."""
    fairy = connection._dbapi_connection
    if fairy is None or _PIPELINE not in fairy.info or not fairy.is_valid:
        return
    driver = fairy.driver_connection
    if driver is not None:
        driver.wait(driver._exec_command(b"COMMIT"))  # (psycopg's private method, as _queue_begin)


def _leave_first(connection: Connection, *_args: Any) -> None:
    leave(connection)


def _let_go_first(connection: Connection, *_args: Any) -> None:
    fairy = connection._dbapi_connection
    if fairy is not None:
        _let_go(fairy.info)
