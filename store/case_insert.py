"""A new case whose id was given before it was added (store.cases.next_case: every message's case) is inserted by
one prebuilt Core statement when the session flushes, rather than by the unit of work, and is then in the session
as a loaded, persistent case, as if the unit of work had inserted it.

Why: the unit of work's insert of a case (sorting the flush, collecting each column's value and default, setting up
its after-insert state) cost about as much CPU as deciding the case; a message's recording pays it for every
message. Nothing else changes: the row is the one the unit of work would write (the columns' Python defaults
filled the same way), it goes in at the same moment (the flush that would have inserted it, before anything of
that flush that names it: its outbox rows, its reasons, its audit events, store/audit_chain.py), and what is
changed on the case afterwards is written as an UPDATE by the unit of work as before. A case with a relationship
set on it (rather than its foreign key columns) is left to the unit of work, which sets those columns from it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from store.models import Case

_TABLE = Case.__table__
_COLUMNS = tuple(column.key for column in _TABLE.columns)
_RELATIONSHIPS = tuple(relationship.key for relationship in inspect(Case).relationships)
# Built once: its compiled form is cached under this one statement (an insert given rows compiles the same).
_INSERT_CASES = insert(Case)


def _default(key: str) -> Any:
    """What the unit of work would write for a column the case was not given: its Python default, else NULL."""
    default = _TABLE.columns[key].default
    if default is None:
        return None
    if default.is_callable:  # type: ignore[attr-defined]
        return default.arg(None)  # type: ignore[attr-defined]  # SQLAlchemy wraps list/dict to take a context
    return default.arg  # type: ignore[attr-defined]


def _insertable(obj: object) -> bool:
    if type(obj) is not Case or obj.id is None:
        return False
    held = obj.__dict__
    return not any(held.get(key) is not None for key in _RELATIONSHIPS)


@event.listens_for(Session, "before_flush")
def _insert_cases_given_ids(session: Session, _flush_context: Any, _instances: Any) -> None:
    new = [obj for obj in session.new if _insertable(obj)]
    if not new:
        return
    new.sort(key=lambda obj: inspect(obj).insert_order)
    rows = []
    for case in new:
        held = case.__dict__
        for key in _COLUMNS:
            if key not in held:
                held[key] = _default(key)  # as loaded: the session's case carries what the row holds
        rows.append({key: held[key] for key in _COLUMNS})
    session.connection().execute(_INSERT_CASES, rows)
    for case in new:
        # Pending -> transient -> detached with its identity (every attribute as it was written, nothing to flush)
        # -> persistent in this session again: the unit of work has nothing left to insert.
        session.expunge(case)
        make_transient_to_detached(case)
        session.add(case)
