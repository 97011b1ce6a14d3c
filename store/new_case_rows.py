"""A new case's rows, inserted by prebuilt Core statements (one row: sent precompiled, store/precompiled.py) when
the session flushes rather than by the unit of work: the case itself when its id was given before it was added
(store.cases.next_case: every message's case), its reason rows (store.review), the outbox rows queued for it
(store.outbox.case_rows) and a signatory confirmation opened for a case (store.confirmations). Afterwards they are
in the session as loaded, persistent objects with their ids, as if the unit of work had inserted them.

Why: the unit of work's insert (sorting the flush, collecting each column's value and default, fetching the ids,
setting up each object's after-insert state) cost about as much CPU as deciding the case, and a message's recording
flushes a case and its reply every time; with these rows through Core (and the audit events, store/audit_chain.py)
a message's last flush often has nothing left for the unit of work at all.

Nothing else changes: each row is the one the unit of work would write (a column not given gets its Python default,
as there), it goes in at the same moment (the flush that would have inserted it), cases before the rows that name
them, and all of them before the flush's audit events (store/audit_chain.py calls `insert_new_case_rows` first);
what is changed on an object afterwards is written as an UPDATE by the unit of work, as before. Left to the unit
of work: a case without a given id or with a relationship set (the unit of work sets its foreign keys from it), and
then, while such a case waits in the flush, the reason and outbox rows too (they may name it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from store.models import Case, CaseReason, OutboxMessage, SignatoryConfirmation
from store.precompiled import Precompiled

_RELATIONSHIPS = tuple(relationship.key for relationship in inspect(Case).relationships)
# Built once: an insert given a list of rows is compiled once per statement and kept (SQLAlchemy's cache).
_INSERT_OUTBOX = insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True)
# SQLite: one multi-row INSERT ... RETURNING whatever the number of rows (SQLAlchemy sends one a row when asked to
# keep the parameters' order there, as SQLite returns the rows in no set order). The ids are given in the rows'
# order all the same (each row inserted in turn, the table's largest id plus one, under the write lock the
# transaction holds), so the ids sorted are the rows' in order.
_INSERT_OUTBOX_SQLITE = insert(OutboxMessage).returning(OutboxMessage.id)


def _columns(table: Any) -> tuple[str, ...]:
    return tuple(column.key for column in table.columns)


_CASE_COLUMNS = _columns(Case.__table__)
_REASON_COLUMNS = _columns(CaseReason.__table__)
_OUTBOX_COLUMNS = tuple(key for key in _columns(OutboxMessage.__table__) if key != "id")
_CONFIRMATION_COLUMNS = tuple(key for key in _columns(SignatoryConfirmation.__table__) if key != "id")


def _defaults(table: Any, columns: tuple[str, ...]) -> dict[str, tuple[bool, Any]]:
    """What the unit of work would write for a column the object was not given: its Python default (called, when
    it is a callable, for each row: a fresh list or dict), else NULL. Looked up once a table."""
    found: dict[str, tuple[bool, Any]] = {}
    for key in columns:
        default = table.columns[key].default
        if default is None:
            found[key] = (False, None)
        elif default.is_callable:
            found[key] = (True, default.arg)  # SQLAlchemy wraps list or dict to take a context: called with None
        else:
            found[key] = (False, default.arg)
    return found


_DEFAULTS = {table: _defaults(table, columns) for table, columns in (
    (Case.__table__, _CASE_COLUMNS), (CaseReason.__table__, _REASON_COLUMNS),
    (OutboxMessage.__table__, _OUTBOX_COLUMNS), (SignatoryConfirmation.__table__, _CONFIRMATION_COLUMNS))}

# One row (the usual case: a message's case, its one reason, its one reply) goes by its precompiled statement
# (store/precompiled.py); several cases or reasons by the statement's executemany, several replies as above.
_INSERT_CASES = Precompiled(insert(Case), _CASE_COLUMNS)
_INSERT_REASONS = Precompiled(insert(CaseReason), _REASON_COLUMNS)
_ONE_OUTBOX = Precompiled(insert(OutboxMessage).returning(OutboxMessage.id), _OUTBOX_COLUMNS)
# A case's signatory confirmation (a Primary User form waiting for its signatory), one row at a time.
_ONE_CONFIRMATION = Precompiled(insert(SignatoryConfirmation).returning(SignatoryConfirmation.id),
                                _CONFIRMATION_COLUMNS)


def _rows(objects: Sequence[Any], columns: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for obj in objects:
        held = obj.__dict__
        defaults = _DEFAULTS[obj.__table__]
        for key in columns:
            if key not in held:  # as loaded: the session's object carries what its row holds
                call, arg = defaults[key]
                held[key] = arg(None) if call else arg
        rows.append({key: held[key] for key in columns})
    return rows


def _insert_order(obj: Any) -> int:
    """The order OBJ was added to the session in (the order the unit of work would insert it in)."""
    return inspect(obj).insert_order or 0


def _given_id(obj: Case) -> bool:
    held = obj.__dict__
    return held.get("id") is not None and not any(held.get(key) is not None for key in _RELATIONSHIPS)


def _persistent(session: Session, objects: Sequence[Any]) -> None:
    """OBJECTS, just inserted, made persistent as the unit of work makes the objects it inserts (the same call: its
    identity, every attribute as written, nothing left to flush; and, as there, the transaction notes them as new,
    so a rollback turns them back into transient objects rather than leaving rows that never were in the session).
    A private method of the session's, pinned with SQLAlchemy (constraints.txt); tests/store/test_new_case_rows.py
    says what it must do."""
    session._register_persistent({inspect(obj) for obj in objects})


def insert_new_case_rows(session: Session) -> None:
    """Insert SESSION's pending cases with given ids, reasons and outbox rows (see above); the flush's first step."""
    cases: list[Case] = []
    reasons: list[CaseReason] = []
    outbox: list[OutboxMessage] = []
    confirmations: list[SignatoryConfirmation] = []
    left_to_the_unit_of_work = False
    # (The session's own dict of pending objects, and their attributes read from their dicts: the `new` set and
    # instrumented reads cost calls an object, at every flush of every message.)
    for obj in session._new.values():
        kind = type(obj)
        if kind is Case:
            if _given_id(obj):
                cases.append(obj)
            else:
                left_to_the_unit_of_work = True
        elif kind is CaseReason:
            reasons.append(obj)
        elif kind is OutboxMessage and obj.__dict__.get("id") is None:  # (one given its id: the unit of work's)
            outbox.append(obj)
        elif kind is SignatoryConfirmation and obj.__dict__.get("id") is None and obj.__dict__.get("case") is None:
            confirmations.append(obj)  # (one with its case set: the unit of work sets case_id from it)
    if left_to_the_unit_of_work:
        reasons, outbox, confirmations = [], [], []
    if not (cases or reasons or outbox or confirmations):
        return
    connection = session.connection()
    for objects, statement, columns in ((cases, _INSERT_CASES, _CASE_COLUMNS),
                                        (reasons, _INSERT_REASONS, _REASON_COLUMNS)):
        if objects:
            if len(objects) > 1:
                objects.sort(key=_insert_order)
            statement.execute_all(connection, _rows(objects, columns))
            _persistent(session, objects)
    if outbox:
        if len(outbox) > 1:
            outbox.sort(key=_insert_order)  # their ids rise in the order they were queued
        if len(outbox) == 1:
            ids = [_ONE_OUTBOX.rows(connection, _rows(outbox, _OUTBOX_COLUMNS)[0])[0][0]]
        elif connection.dialect.name == "sqlite":
            ids = sorted(connection.execute(_INSERT_OUTBOX_SQLITE, _rows(outbox, _OUTBOX_COLUMNS)).scalars())
        else:
            ids = list(connection.execute(_INSERT_OUTBOX, _rows(outbox, _OUTBOX_COLUMNS)).scalars())
        for row, row_id in zip(outbox, ids, strict=True):
            row.__dict__["id"] = row_id
        _persistent(session, outbox)
    if confirmations:
        if len(confirmations) > 1:
            confirmations.sort(key=_insert_order)
        for confirmation, values in zip(confirmations, _rows(confirmations, _CONFIRMATION_COLUMNS), strict=True):
            confirmation.__dict__["id"] = _ONE_CONFIRMATION.rows(connection, values)[0][0]
        _persistent(session, confirmations)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    insert_new_case_rows(session)
