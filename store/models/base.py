"""The declarative base every model shares, with the constraint names the migrations use."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.orm.attributes import instance_state

from store.types import JSONType, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}


_ModelT = TypeVar("_ModelT", bound=Base)
_ATTRIBUTES: dict[type[Any], frozenset[str]] = {}


def made(model: type[_ModelT], /, **values: Any) -> _ModelT:
    """`model(**values)`, for a model with no constructor or attribute events of its own: a new (transient)
    instance whose attributes are put in its dict as the ORM's loading puts a row's, rather than by an instrumented
    assignment each (some five Python calls an attribute: a message's case, reply and audit events have about fifty
    between them). What is set afterwards is tracked as ever. Columns only (a relationship set so would not set its
    foreign key); any other name is refused. tests/store/test_made.py holds it to the constructor's objects and rows."""
    known = _ATTRIBUTES.get(model)
    if known is None:
        known = _ATTRIBUTES[model] = frozenset(attribute.key for attribute in model.__mapper__.column_attrs)
    if not known.issuperset(values):
        raise TypeError(f"{sorted(set(values) - known)} are not attributes of {model.__name__}")
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    return instance


_RELATIONSHIP_KEYS: dict[type[Any], tuple[str, ...]] = {}


def add_made(session: Session, instance: Base) -> None:
    """`session.add(instance)` for a new instance (`made`, or constructed) none of whose relationships is set: what
    Session.add does, without walking the save-update cascade, which follows only the relationships an instance
    holds and so would find nothing (it is most of what adding costs: a message's recording adds its case, reasons,
    replies and audit events). Anything else (an instance with a relationship set, or with an identity, or added
    from inside a flush) goes to Session.add itself. Private methods of the session's, pinned with SQLAlchemy
    (constraints.txt); tests/store/test_made.py holds the session's state after it to Session.add's."""
    model = type(instance)
    relationships = _RELATIONSHIP_KEYS.get(model)
    if relationships is None:
        relationships = _RELATIONSHIP_KEYS[model] = tuple(r.key for r in model.__mapper__.relationships)
    state = instance_state(instance)
    held = instance.__dict__
    if session._warn_on_events or state.key is not None or any(key in held for key in relationships):
        session.add(instance)
        return
    state._orphaned_outside_of_session = False
    session._save_or_update_impl(state)
