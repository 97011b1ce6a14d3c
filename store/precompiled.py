"""A statement run for every message, compiled once per kind of database and sent as its SQL text on the DBAPI's
cursor (`send`: what `Connection.exec_driver_sql` does, without its execution context and result object), its
parameters and returned values converted as SQLAlchemy would convert them.

Why: `Connection.execute` works out the statement's cache key, looks its compiled form up, builds an execution
context from the compiled form and maps each parameter to its bind for every execute. For the single-row statements
each message's recording sends (its case, its reply, its audit event, the chain head...) that was about a third of
the recording's Python-side CPU. Here the compiled form is looked up by dialect name only, and the parameters go
straight into the DBAPI's format.

What stays the same: the SQL text (the compiled form's, casts and escaping included), each value as the type's bind
processor makes it (datetimes, JSON, enums), each returned value as its result processor makes it, and the engine's
events (`before_cursor_execute` sees the statement: bench/sql_count.py counts it). What is not done here: Python
column defaults and `onupdate` values (a statement that would need them is refused when compiled: give every
column), expanding (`IN`) parameters, schema translation. tests/store/test_precompiled.py holds it to the rows the
Core path writes, on SQLite and PostgreSQL.

Reads compiled attributes of SQLAlchemy's (positiontup, binds, escaped_bind_names, _bind_processors,
_result_columns), and private ones of its Connection (see `send`): SQLAlchemy is pinned (constraints.txt,
pyproject.toml: 2.1.x), and the tests fail if they change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from store.pg_pipeline import in_pipeline_or_beginning, leave, queue_on
from store.types import UTCDateTime

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Form:
    """STATEMENT as one dialect runs it."""

    sql: str
    positional: bool
    # Each bind in the order the SQL names it: (its name in the DBAPI's parameters, the caller's key or None for a
    # value fixed in the statement, that fixed value already converted, the bind processor).
    binds: tuple[tuple[str, str | None, Any, _Processor], ...]
    results: tuple[_Processor, ...]  # one a returned column; empty when no column needs converting


class Precompiled:
    """STATEMENT, its parameters given by the caller under KEYS (the rest fixed in the statement), run one row at
    a time or several by one executemany; its compiled form kept for each kind of database."""

    def __init__(self, statement: ClauseElement, keys: Iterable[str]) -> None:
        self.statement = statement
        self.keys = tuple(keys)
        self._forms: dict[str, _Form] = {}

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect.name)
        if form is None:
            form = self._forms[dialect.name] = _compile(self.statement, self.keys, dialect)
        return form

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> None:
        """Run with PARAMS (every one of KEYS), whatever it returns let go of: on PostgreSQL queued, to be sent with
        the next statement waited for (store/pg_pipeline.py)."""
        self._run(connection, params, queued=True).close()

    def execute_all(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run for each of ROWS: one row as `execute`, several as one executemany of the compiled SQL (the DBAPI's
        `executemany`, each row's parameters converted as for one). Not for a statement that returns rows."""
        if len(rows) == 1:
            self.execute(connection, rows[0])
        elif rows:
            form = self._form(connection.dialect)
            send(connection, form.sql, [_parameters(form, row) for row in rows], many=True, queued=True).close()

    def _run(self, connection: Connection, params: Mapping[str, Any], *, queued: bool = False) -> _Sent:
        form = self._form(connection.dialect)
        return send(connection, form.sql, _parameters(form, params), queued=queued)

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run with PARAMS; the rows it returns, each value converted as SQLAlchemy's result would convert it."""
        sent = self._run(connection, params)
        try:
            fetched = sent.fetchall()
        finally:
            sent.close()
        processors = self._form(connection.dialect).results
        if not processors:
            return [tuple(row) for row in fetched]
        return [tuple([p(v) if p is not None else v for p, v in zip(processors, row, strict=True)])
                for row in fetched]

    def rows_in(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """`rows` read inside SESSION's transaction as `session.scalar` would read it: what the session still holds
        pending flushed first when it autoflushes, so those rows are counted too."""
        if session.autoflush:
            session.flush()
        return self.rows(session.connection(), params)

    def rowcount_later(self, connection: Connection, params: Mapping[str, Any]) -> Callable[[], int]:
        """Run with PARAMS, queued on PostgreSQL as `execute` is; the number of rows it matched given by the function
        returned, once the statement was answered (the pipeline left: at the latest, its transaction committed).
        Asked before, it raises rather than answer -1."""
        sent = self._run(connection, params, queued=True)

        def matched() -> int:
            count = int(sent.rowcount)
            if count < 0:
                raise RuntimeError("a statement's row count asked for before its answer came")
            sent.close()
            return count

        return matched

    def rowcount(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """Run with PARAMS; the number of rows it matched."""
        sent = self._run(connection, params)
        count = int(sent.rowcount)
        sent.close()
        return count


class _Sent(Protocol):
    """What a statement sent gives back: the DBAPI's cursor, or (the Core path's) a CursorResult."""

    @property
    def rowcount(self) -> int: ...

    def fetchall(self) -> Sequence[Any]: ...

    def close(self) -> None: ...


def send(connection: Connection, sql: str, parameters: Any, *, many: bool = False, begins: bool = False,
         queued: bool = False) -> _Sent:
    """SQL, in the DBAPI's paramstyle, sent with PARAMETERS (a list of them when MANY) on CONNECTION's DBAPI cursor
    as `Connection.exec_driver_sql` sends it, without building its execution context and result: the engine's
    `before_cursor_execute` and `after_cursor_execute` events see it (with no context), a DBAPI error is handled as
    there (SQLAlchemy's exception, a lost connection invalidated). The DBAPI cursor is returned: close it.

    Only inside CONNECTION's transaction, or as the statement that BEGINS it (sent from the engine's `begin`
    event: store/db.py's SQLite BEGIN): outside one (the statement would begin it), with echo on, with the
    dialect's own execute events, or with the connection invalid, it goes by exec_driver_sql itself.
    Why: the execution context and CursorResult were about 60 Python calls a statement, for some ten statements a
    message. Private attributes of SQLAlchemy's Connection read here (_transaction, _nested_transaction, _echo,
    _dbapi_connection, _has_events, _handle_dbapi_exception) are pinned with it; tests/store/test_precompiled.py
    holds this path to exec_driver_sql's rows, errors and events."""
    transaction, nested = connection._transaction, connection._nested_transaction
    dbapi_connection = connection._dbapi_connection
    outside = not begins and (transaction is None or not transaction.is_active
                              or (nested is not None and not nested.is_active))
    if (outside or connection._echo or dbapi_connection is None or connection.dialect._has_events):
        return connection.exec_driver_sql(sql, parameters)
    pipelined = (connection.dialect.driver == "psycopg"  # (no call at all on SQLite)
                 and (queue_on(connection) if queued else in_pipeline_or_beginning(connection)))
    cursor = dbapi_connection.cursor()
    events = connection._has_events or connection.engine._has_events
    try:
        if events:
            for listener in connection.dispatch.before_cursor_execute:
                sql, parameters = listener(connection, cursor, sql, parameters, None, many)
        if many:
            connection.dialect.do_executemany(cursor, sql, parameters)
        else:
            connection.dialect.do_execute(cursor, sql, parameters)
        if events:
            connection.dispatch.after_cursor_execute(connection, cursor, sql, parameters, None, many)
    except BaseException as exc:
        connection._handle_dbapi_exception(exc, sql, parameters, cursor, None)
    if pipelined and not queued:  # its result is wanted now: send it, and what was queued before, and wait
        leave(connection)
    return cast(_Sent, cursor)


def _parameters(form: _Form, params: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
    """PARAMS in the DBAPI's form for FORM: each converted by its bind processor, or the value fixed in the statement.
    (List comprehensions: a generator is resumed once a value, a cost paid for every statement of every message.)"""
    if form.positional:
        return tuple([(processor(params[key]) if processor is not None else params[key]) if key is not None else fixed
                      for _name, key, fixed, processor in form.binds])
    return {name: ((processor(params[key]) if processor is not None else params[key]) if key is not None else fixed)
            for name, key, fixed, processor in form.binds}


# The datetime each kind of database was last given, as converted (UTCDateTime's bind processor for it): a
# message's recording passes one `now` to most of its statements (the case's three times, its reply's two, its
# events', the message's), each conversion three Python calls. Every UTCDateTime column converts a value alike on
# one kind of database (the type has no options), and a datetime is immutable, so the same object converts to the
# same value; held as one tuple, so threads sharing it read a value with its own conversion.
_LAST_DATETIME: dict[str, list[tuple[Any, Any]]] = {}


def _last_remembered(processor: Callable[[Any], Any], dialect: str) -> Callable[[Any], Any]:
    return remember_last(processor, _LAST_DATETIME.setdefault(dialect, [(object(), None)]))


def remember_last(convert: Callable[[Any], Any], cell: list[tuple[Any, Any]] | None = None) -> Callable[[Any], Any]:
    """CONVERT, the last value given (the same object, for an immutable one) answered from CELL (shared by the
    converters given the same one; made here if not) without converting it again."""
    held_last = cell if cell is not None else [(object(), None)]

    def converted(value: Any) -> Any:
        held = held_last[0]
        if held[0] is value:
            return held[1]
        result = convert(value)
        held_last[0] = (value, result)
        return result

    return converted


def _compile(statement: ClauseElement, keys: Sequence[str], dialect: Dialect) -> _Form:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    assert isinstance(compiled, SQLCompiler)
    if compiled.insert_prefetch or compiled.update_prefetch:
        missing = [c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
        raise ValueError(f"columns with Python defaults not given: {missing} (give every column)")
    if compiled.literal_execute_params or compiled.post_compile_params or compiled.schema_translate_map:
        raise ValueError("expanding or literal-execute parameters and schema translation are not supported")
    names = compiled.positiontup if compiled.positional else list(compiled.binds)
    assert names is not None
    processors = compiled._bind_processors
    escaped: Mapping[str, str] = compiled.escaped_bind_names or {}
    wanted = set(keys)
    binds: list[tuple[str, str | None, Any, _Processor]] = []
    for name in names:
        bind = compiled.binds[name]
        found = processors.get(name)
        if found is not None and not callable(found):  # a tuple's processors, one an element
            raise ValueError(f"bind {bind.key!r}: tuple parameters are not supported")
        processor: _Processor = found
        if processor is not None and type(bind.type) is UTCDateTime:
            processor = _last_remembered(processor, dialect.name)
        if bind.key in wanted:
            binds.append((escaped.get(name, name), bind.key, None, processor))
        elif bind.required or bind.callable is not None:
            raise ValueError(f"bind {bind.key!r} is neither given nor fixed in the statement")
        else:
            value = bind.value
            binds.append((escaped.get(name, name), None, processor(value) if processor else value, None))
    results = tuple(type_._cached_result_processor(dialect, None)
                    for _key, _name, _objects, type_ in compiled._result_columns)
    return _Form(compiled.string, bool(compiled.positional), tuple(binds),
                 results if any(p is not None for p in results) else ())
