"""Cases: references, raw messages, first sightings, and reading cases back."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import new_case_rows  # noqa: F401 - a case given its id here is inserted by it, through Core
from store.models import Case, MessageKey, ReferenceCounter, StoredMessage
from store.precompiled import Precompiled
from store.upsert import insert_for

REFERENCE_FORMAT = "OE-{year}-{number:06d}"


def next_reference(session: Session, year: int) -> str:
    """The next case reference of YEAR; the counter row is locked until the transaction ends, so references
    are unique and gapless among committed cases even with several daemons."""
    number = session.execute(_advance_counter(session, year).returning(ReferenceCounter.last_value)).scalar_one()
    return REFERENCE_FORMAT.format(year=year, number=number)


def next_case(session: Session, year: int, also: Sequence[ColumnElement[Any]] = ()) -> tuple[str, int, tuple[Any, ...]]:
    """A new case's reference (next_reference), the id it is to be inserted with, and ALSO's values (a message's
    other reads: the register's token, the sender's replies today), in one statement. The id is what the store
    would give the case now, and no other case takes it meanwhile: PostgreSQL's from the table's sequence, SQLite's
    max(id) + 1 (the table is not AUTOINCREMENT) under the write lock the transaction holds from its BEGIN
    IMMEDIATE; cases still pending in the session go in first. With its id known, a case is inserted once, as it
    is decided and applied (the audit events and outbox rows naming it go in after it). A caller asking the same
    thing for every message keeps a NextCase instead, so the statement is built once."""
    return NextCase(tuple(also))(session, year)


@dataclass(frozen=True)
class NextCase:
    """next_case with the same ALSO every time (their bindparams given as PARAMS at each call): its statement built
    once for each kind of database, so neither it nor its cache key is made again for every message."""

    also: tuple[ColumnElement[Any], ...] = ()
    _built: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __call__(self, session: Session, year: int, **params: Any) -> tuple[str, int, tuple[Any, ...]]:
        session.flush()
        connection = session.connection()
        dialect = connection.dialect.name
        statement = self._built.get(dialect)
        if statement is None:
            if dialect == "postgresql":
                case_id: Any = func.nextval(func.pg_get_serial_sequence(Case.__tablename__, "id"))
            else:
                case_id = select(func.coalesce(func.max(Case.id), 0) + 1).scalar_subquery()
            # Run precompiled (store/precompiled.py): it is a statement of every message's.
            statement = self._built[dialect] = Precompiled(
                _counter_upsert(dialect, bindparam("year", type_=Integer))
                .returning(ReferenceCounter.last_value, case_id, *self.also), ("year", *params))
        ((number, new_id, *values),) = statement.rows(connection, {**params, "year": year})
        return REFERENCE_FORMAT.format(year=year, number=number), int(new_id), tuple(values)


def _advance_counter(session: Session, year: int) -> Any:
    return _counter_upsert(session.get_bind().dialect.name, year)


def _counter_upsert(dialect: str, year: Any) -> Any:
    return ((postgresql.insert if dialect == "postgresql" else sqlite.insert)(ReferenceCounter)
            .values(year=year, last_value=1)
            .on_conflict_do_update(index_elements=["year"], set_={"last_value": ReferenceCounter.last_value + 1}))


BLOB_PIECE = 1 << 20


def store_message(session: Session, *, raw: bytes, source: str, message_id: str | None, content_hash: str,
                  received_at: datetime) -> StoredMessage:
    """The raw message as a row. On SQLite a big one is written into a blob of its size a piece at a time: bound
    as a parameter, SQLite copies the whole value, and again into the record it builds (two more copies of a
    25 MB message in the daemon for a moment)."""
    driver = session.connection().connection.driver_connection
    in_pieces = len(raw) > BLOB_PIECE and isinstance(driver, sqlite3.Connection)
    row = StoredMessage(received_at=received_at, source=source, message_id=message_id, content_hash=content_hash,
                        size=len(raw), raw=func.zeroblob(len(raw)) if in_pieces else raw)
    session.add(row)
    session.flush()
    if in_pieces:
        assert isinstance(driver, sqlite3.Connection)
        view = memoryview(raw)
        with driver.blobopen(StoredMessage.__tablename__, "raw", row.id) as blob:
            for start in range(0, len(view), BLOB_PIECE):
                blob.write(view[start:start + BLOB_PIECE])
        session.expire(row, ["raw"])  # read back from the store if anyone asks
    return row


def dedupe_key(message_id: str | None, content_hash: str) -> str:
    """Message-ID where there is one (normalised), else the content hash."""
    if message_id and message_id.strip("<> "):
        return "mid:" + message_id.strip().strip("<>").strip().lower()
    return "sha256:" + content_hash


def signature_key(b: str) -> str:
    """The key of a DKIM signature's b= value: the same signature seen twice is the same message (SPEC 17),
    whatever changed around it (a new Message-ID, an added Received header)."""
    return "dkim-b:" + hashlib.sha256(b.encode("ascii", "replace")).hexdigest()


def message_keys(message_id: str | None, content_hash: str, signatures: Iterable[str] = ()) -> list[str]:
    """Every key a message is known by: its Message-ID (else its content hash), and the b= value of each signature
    that vouches for its sender."""
    return list(dict.fromkeys([dedupe_key(message_id, content_hash), *(signature_key(b) for b in signatures if b)]))


def claim_first_sightings(session: Session, keys: Iterable[str], message_row_id: int) -> list[str]:
    """Claim every key of KEYS not seen before for the message; returns the keys that WERE seen before (empty for a
    first sighting). Race-safe across daemons: each key is a primary key. One statement for all the keys."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return []
    stmt = (
        insert_for(session, MessageKey)
        .values([{"key": key, "message_row_id": message_row_id} for key in wanted])
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(MessageKey.key)
    )
    claimed = set(session.execute(stmt).scalars())
    return [key for key in wanted if key not in claimed]


def first_case_for_keys(session: Session, keys: Iterable[str]) -> Case | None:
    """The earliest case made from a message that first carried any of KEYS."""
    return session.scalars(
        select(Case).join(MessageKey, MessageKey.message_row_id == Case.message_row_id)
        .where(MessageKey.key.in_(list(keys))).order_by(Case.id).limit(1)
    ).one_or_none()


def claim_first_sighting(session: Session, key: str, message_row_id: int) -> bool:
    """True when this is the first time KEY is seen; race-safe across daemons (the key is a primary key)."""
    stmt = (
        insert_for(session, MessageKey)
        .values(key=key, message_row_id=message_row_id)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(MessageKey.key)
    )
    return session.execute(stmt).scalar_one_or_none() is not None


def key_seen(session: Session, key: str | Iterable[str]) -> bool:
    """Whether KEY (or any of several keys) was seen before."""
    keys = [key] if isinstance(key, str) else list(key)
    if not keys or len(keys) > _KEYS_PRECOMPILED:
        return (session.scalar(_keys_counted(MessageKey.key.in_(keys))) or 0) > 0
    # Usually nothing is pending to flush first: a read-ahead's own session.
    ((count,),) = _key_count(len(keys)).rows_in(session, dict(zip(_KEY_NAMES, keys, strict=False)))
    return bool(count)


def _keys_counted(where: ColumnElement[bool]) -> Any:
    return select(func.count()).select_from(MessageKey).where(where)


# key_seen runs for every message with forms (in read-ahead threads too): its IN of N keys precompiled for each N up
# to this (store/precompiled.py), one bind a key, rather than SQLAlchemy expanding an IN parameter at every run (a
# message has one key, and one more for each vouching signature). More keys go the Core way.
_KEYS_PRECOMPILED = 8
_KEY_NAMES = tuple(f"key_{n}" for n in range(_KEYS_PRECOMPILED))
_KEY_COUNTS: dict[int, Precompiled] = {}


def _key_count(n: int) -> Precompiled:
    statement = _KEY_COUNTS.get(n)
    if statement is None:  # (two threads making it at once make the same statement: either is kept)
        names = _KEY_NAMES[:n]
        statement = _KEY_COUNTS[n] = Precompiled(_keys_counted(MessageKey.key.in_(
            [bindparam(name, type_=MessageKey.__table__.c.key.type) for name in names])), names)
    return statement


def case_by_reference(session: Session, reference: str, *, for_update: bool = False) -> Case | None:
    """The case with REFERENCE; FOR_UPDATE locks its row until the transaction ends (PostgreSQL; SQLite's write
    transactions are serial anyway), so two staff acting at once act one after the other."""
    query = select(Case).where(Case.reference == reference.strip().upper())
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def counts_by_outcome(session: Session) -> dict[str, int]:
    """How many cases the store holds, by outcome."""
    return {outcome: n for outcome, n in session.execute(select(Case.outcome, func.count()).group_by(Case.outcome))}


def all_cases(session: Session) -> list[Case]:
    """Every case, oldest first (for the demo's table: a real store is listed through the review queue)."""
    return list(session.scalars(select(Case).order_by(Case.id)))
