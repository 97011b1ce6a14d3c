"""The audit trail as a hash chain: each event carries the hash of the one before, one chain per store.

Every audit event gets, as it is inserted, a sequence number `seq` (1, 2, 3 ... with no gaps), `prev_hash` (the
hash of event seq-1, or GENESIS for the first) and `hash`, the SHA-256 of `canonical_bytes`: a JSON object with
sorted keys and no spaces, UTF-8, of exactly these fields

    action, actor, at (UTC, "YYYY-MM-DDTHH:MM:SS.ffffffZ"), case_id, detail, org_code, prev_hash, seq

The row's `id` is left out (the database picks it; `seq` is the event's place in the chain). This format is
what every stored hash was made with: changing it would make every old event look edited.

One chain for all the daemons writing to a store: the chain head (the newest seq and hash) is the single row of
`audit_chain_head`, and taking the next seq is `UPDATE ... SET seq = seq + 1 ... RETURNING`, which on PostgreSQL
locks that row until the transaction ends (a concurrent writer waits, then reads the committed head) and on SQLite
needs the write lock that BEGIN IMMEDIATE already holds. So appends are serialised inside the very transaction that
writes the event: an event that is rolled back gives its seq back with it, and no two events share a place. The
unique index on `seq` is the backstop. The head is taken when the event is flushed (usually at commit), so the
lock is held only for the end of a transaction.

This process remembers the head it last wrote (per store): the next append moves the head on from it in one
statement, `UPDATE ... WHERE seq = <remembered> AND hash = <remembered>`. When another writer moved it since (or
our transaction was rolled back), the WHERE matches no row and the head is taken as above; as a row lock or the
write lock is held from that UPDATE on, the remembered head is used only when it is the head. Two heads with the
same seq and hash are the same chain, so a remembered head can never put an event after the wrong one. On
PostgreSQL that UPDATE and the events' INSERT are one statement (`chain_and_insert`: the events inserted from the
UPDATE's RETURNING in a data-modifying CTE, so none goes in unless the head moved), a round trip less a message.

The hooks are a session event (before each flush: every event the flush will insert, in one go: the head moved on
once, the events inserted in one statement, after the flush's own inserts when one of them is a case they name;
the session lets go of them) and, behind it, a mapper event: every AuditEvent inserted through the ORM is chained,
whoever adds it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import URL, Connection, event, insert, text
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import instance_state

from store.models import AuditEvent, Case
from store.new_case_rows import insert_new_case_rows
from store.precompiled import Precompiled, remember_last

log = logging.getLogger(__name__)

GENESIS = "0" * 64
HEAD_ROW = 1


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str


def canonical_time(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the audit trail; pass an aware UTC datetime")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# The canonical JSON's encoder, made once: json.dumps given options makes a JSONEncoder for every call (each event
# is encoded twice, its detail and then the whole). The same options, so the same text; it holds no state between
# calls, so threads share it.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_detail(detail: Any) -> str:
    """The detail as canonical JSON; what is stored is this text read back, so it hashes the same when read."""
    return _CANONICAL.encode(detail if detail is not None else {})


def canonical_bytes(*, seq: int, at: datetime, actor: str, action: str, case_id: int | None, org_code: str | None,
                    detail: Any, prev_hash: str, detail_is_canonical: bool = False) -> bytes:
    """DETAIL_IS_CANONICAL: DETAIL is already canonical_detail's text read back (json.loads), as _link makes it;
    canonicalising it again gives the same value, so it is not done twice."""
    fields = {"action": action, "actor": actor, "at": canonical_time(at), "case_id": case_id,
              "detail": detail if detail_is_canonical else json.loads(canonical_detail(detail)),
              "org_code": org_code, "prev_hash": prev_hash, "seq": seq}
    return _CANONICAL.encode(fields).encode("utf-8")


def event_hash(*, seq: int, at: datetime, actor: str, action: str, case_id: int | None, org_code: str | None,
               detail: Any, prev_hash: str, detail_is_canonical: bool = False) -> str:
    return hashlib.sha256(canonical_bytes(seq=seq, at=at, actor=actor, action=action, case_id=case_id,
                                          org_code=org_code, detail=detail, prev_hash=prev_hash,
                                          detail_is_canonical=detail_is_canonical)).hexdigest()


def hash_of_row(row: Any, *, detail_is_canonical: bool = False) -> str:
    """The hash a stored event (ORM object or row with the same attribute names) should carry."""
    return event_hash(seq=row.seq, at=row.at, actor=row.actor, action=row.action, case_id=row.case_id,
                      org_code=row.org_code, detail=row.detail, prev_hash=row.prev_hash,
                      detail_is_canonical=detail_is_canonical)


def take_next(connection: Connection, places: int = 1) -> ChainHead:
    """Advance the head by PLACES and return the head as it was (the first new event's predecessor); the row stays
    locked (PostgreSQL) or written under the write lock (SQLite) until the transaction ends."""
    advance = text("UPDATE audit_chain_head SET seq = seq + :places WHERE id = :id RETURNING seq, hash")
    row = connection.execute(advance, {"id": HEAD_ROW, "places": places}).one_or_none()
    if row is None:
        # Only a store emptied behind the migrations' back (e.g. TRUNCATE in tests) lacks the head row: start it
        # from the newest event, so the chain carries on rather than restarting at a seq already taken.
        newest = connection.execute(text("SELECT seq, hash FROM audit_events WHERE seq IS NOT NULL "
                                         "ORDER BY seq DESC LIMIT 1")).one_or_none()
        seq, hash_ = (newest[0], newest[1]) if newest else (0, GENESIS)
        if newest:
            log.warning("audit chain: the chain head row was missing; restarted it from event seq %d", seq)
        connection.execute(text("INSERT INTO audit_chain_head (id, seq, hash) VALUES (:id, :seq, :hash) "
                                "ON CONFLICT (id) DO NOTHING"), {"id": HEAD_ROW, "seq": seq, "hash": hash_})
        row = connection.execute(advance, {"id": HEAD_ROW, "places": places}).one()
    return ChainHead(seq=int(row[0]) - places, hash=str(row[1]))


def read_head(connection: Connection) -> ChainHead | None:
    row = connection.execute(text("SELECT seq, hash FROM audit_chain_head WHERE id = :id"),
                             {"id": HEAD_ROW}).one_or_none()
    return ChainHead(seq=int(row[0]), hash=str(row[1])) if row else None


# The head this process last wrote, by store: usually still the head when it next appends (see above).
_LAST_WRITTEN: dict[str, ChainHead] = {}
_MOVE_ON = Precompiled(text("UPDATE audit_chain_head SET seq = :seq, hash = :hash WHERE id = :id AND seq = :was_seq "
                            "AND hash = :was_hash"), ("seq", "hash", "id", "was_seq", "was_hash"))


def _store_of(url: URL) -> str:
    """The key of the store at URL in _LAST_WRITTEN, rendered once for each URL object (chain runs for every
    message: looked up by the object's identity, as hashing a URL renders it again)."""
    held = _STORE_KEYS.get(id(url))
    if held is None or held[0] is not url:
        if len(_STORE_KEYS) >= 16:  # (engines made and dropped, as the tests make them: not kept for ever)
            _STORE_KEYS.clear()
        held = _STORE_KEYS[id(url)] = (url, url.render_as_string(hide_password=True))
    return held[1]


_STORE_KEYS: dict[int, tuple[URL, str]] = {}  # (the URL kept, so its id is not another's)


def chain(connection: Connection, rows: Sequence[dict[str, Any]], *, remembered_first: bool = True) -> None:
    """Give ROWS (each an event's columns, _COLUMNS), in order, the next places in the chain (seq, prev_hash, hash;
    the detail as its canonical JSON read back) and move the head to the last: one statement however many there are
    when the head is where this process last left it, else two (REMEMBERED_FIRST false: the head is known to have
    moved, so not tried first)."""
    if not rows:
        return
    store = _store_of(connection.engine.url)
    remembered = _LAST_WRITTEN.get(store) if remembered_first else None
    if remembered is not None:
        last = _link(rows, remembered)
        moved = _MOVE_ON.rowcount(connection, {"id": HEAD_ROW, "seq": last.seq, "hash": last.hash,
                                               "was_seq": remembered.seq, "was_hash": remembered.hash})
        if moved == 1:
            _LAST_WRITTEN[store] = last
            return
    last = _link(rows, take_next(connection, len(rows)))
    connection.execute(text("UPDATE audit_chain_head SET hash = :hash WHERE id = :id"),
                       {"hash": last.hash, "id": HEAD_ROW})
    _LAST_WRITTEN[store] = last


def _link(rows: Sequence[dict[str, Any]], before: ChainHead) -> ChainHead:
    """ROWS given the places after BEFORE; the head after the last."""
    seq, previous = before.seq, before.hash
    for row in rows:
        seq += 1
        text = canonical_detail(row["detail"])
        detail = row["detail"] = json.loads(text)
        row["seq"], row["prev_hash"] = seq, previous
        if _plain(detail) and _plain_fields(row):
            canonical = _spliced(seq=seq, at=row["at"], actor=row["actor"], action=row["action"],
                                 case_id=row["case_id"], org_code=row["org_code"], detail_text=text,
                                 prev_hash=previous)
        else:
            canonical = canonical_bytes(seq=seq, at=row["at"], actor=row["actor"], action=row["action"],
                                        case_id=row["case_id"], org_code=row["org_code"], detail=detail,
                                        prev_hash=previous, detail_is_canonical=True)
        row["hash"] = previous = hashlib.sha256(canonical).hexdigest()
    return ChainHead(seq, previous)


_PLAIN_VALUES = (str, int, bool, type(None))


def _plain(detail: dict[str, Any]) -> bool:
    """Whether DETAIL (read back from its canonical text: every key a string) holds only strings, integers, booleans,
    nulls and lists of them: its canonical text is then the one canonical_bytes would write inside the whole, and
    is spliced in (_spliced). (A nested object is left to canonical_bytes: one whose keys were not strings, when
    first encoded, may sort otherwise read back.) What case.decided and the register's events carry."""
    for value in detail.values():
        if type(value) is list:
            if not all(type(item) in _PLAIN_VALUES for item in value):
                return False
        elif type(value) not in _PLAIN_VALUES:
            return False
    return True


def _plain_fields(row: dict[str, Any]) -> bool:
    """Whether ROW's other fields are of the types _spliced writes as canonical_bytes would (else it is left to it)."""
    return (type(row["action"]) is str and type(row["actor"]) is str and type(row["case_id"]) in (int, type(None))
            and type(row["org_code"]) in (str, type(None)))


_encode_string = json.encoder.encode_basestring  # JSON's string literal, non-ASCII kept (ensure_ascii=False)
# One `at` a message (its `now`) for all its events: its text kept (a datetime is immutable).
_time_text = remember_last(canonical_time)


def _json_scalar(value: str | int | None) -> str:
    if value is None:
        return "null"
    return _encode_string(value) if type(value) is str else str(value)


def _spliced(*, seq: int, at: datetime, actor: str, action: str, case_id: int | None, org_code: str | None,
             detail_text: str, prev_hash: str) -> bytes:
    """canonical_bytes, written out field by field in its order (sorted keys, no spaces) around DETAIL_TEXT, the
    detail's canonical text, rather than encoding the detail again inside the whole: the same bytes
    (tests/store/test_audit_chain.py holds them to canonical_bytes)."""
    return (f'{{"action":{_encode_string(action)},"actor":{_encode_string(actor)},'
            f'"at":{_encode_string(_time_text(at))},"case_id":{_json_scalar(case_id)},"detail":{detail_text},'
            f'"org_code":{_json_scalar(org_code)},"prev_hash":{_encode_string(prev_hash)},"seq":{int(seq)}}}'
            ).encode()


_COLUMNS = ("at", "actor", "action", "case_id", "org_code", "detail", "seq", "prev_hash", "hash")
_AFTER_THE_CASES = "audit_events_after_the_cases"


def _row(event: AuditEvent) -> dict[str, Any]:
    """EVENT's columns as it holds them (what is not set: None, as the attribute reads before a flush)."""
    held = event.__dict__
    return {column: held.get(column) for column in _COLUMNS}


@event.listens_for(Session, "before_flush")
def _chain_before_flush(session: Session, flush_context: Any, _instances: Any) -> None:
    """Every event a flush will insert, chained in one go, in the order they were added (the order the flush
    inserts them in, so ids and seqs rise together)."""
    # The new cases, reasons and outbox rows first (whichever hook runs first: once done, done), so that an event
    # naming a case finds it inserted (store/new_case_rows.py).
    insert_new_case_rows(session)
    # (The session's pending objects read from its own dict, and each event's columns from the object's: the
    # session's `new` set and the instrumented attributes cost calls an object, for every flush of every message.)
    pending = session._new
    new = [obj for obj in pending.values() if isinstance(obj, AuditEvent) and obj.__dict__.get("seq") is None]
    if not new:
        return
    if len(new) > 1:
        new.sort(key=lambda obj: instance_state(obj).insert_order or 0)
    connection = session.connection()
    rows = [_row(obj) for obj in new]
    # An event about a case this flush's unit of work inserts (its id given before, but a relationship set on it:
    # store/new_case_rows.py leaves it) goes in after it: the unit of work is sure to run then, having that case.
    named = {row["case_id"] for row in rows if row["case_id"] is not None}
    if named and any(isinstance(obj, Case) and obj.__dict__.get("id") in named for obj in pending.values()):
        chain(connection, rows)
        flush_context.attributes[_AFTER_THE_CASES] = rows
    else:
        chain_and_insert(connection, rows)
    # Written in one statement (the unit of work would send one each to learn their ids, which nobody reads: an
    # event is never changed, and the trail is read back by query), and let go of, each holding what it was
    # written with. Let go of as Session.expunge does, without walking its cascade: an event has no relationships.
    for obj, row in zip(new, rows, strict=True):
        obj.__dict__.update(row)
    session._expunge_states([instance_state(obj) for obj in new])


def chain_and_insert(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """chain ROWS, then insert them. On PostgreSQL, when the head is where this process last left it, both in one
    statement (one round trip less for every message): the head moved on in a data-modifying CTE and the events
    inserted from it, so none is inserted unless the head was moved (_MOVE_ON_AND_INSERT); else (it had moved) as
    chain does, then the insert."""
    if rows and connection.dialect.name == "postgresql":
        store = _store_of(connection.engine.url)
        remembered = _LAST_WRITTEN.get(store)
        if remembered is not None:
            last = _link(rows, remembered)
            inserted = _MOVE_ON_AND_INSERT.rowcount(connection, {
                "id": HEAD_ROW, "seq": last.seq, "hash": last.hash, "was_seq": remembered.seq,
                "was_hash": remembered.hash, "events": _events_json(rows)})
            if inserted == len(rows):
                _LAST_WRITTEN[store] = last
                return
            assert inserted == 0, inserted  # the head had moved: nothing written, linked again below
            chain(connection, rows, remembered_first=False)
            _INSERT_EVENTS.execute_all(connection, rows)
            return
    chain(connection, rows)
    _INSERT_EVENTS.execute_all(connection, rows)


def _events_json(rows: Sequence[dict[str, Any]]) -> str:
    """ROWS as one JSON array for _MOVE_ON_AND_INSERT (one parameter, encoded in C, rather than an array a column
    adapted element by element): each time with its offset (the same instant), the detail as the JSON it is."""
    return json.dumps([{**row, "at": row["at"].isoformat()} for row in rows])


# PostgreSQL's: the head moved on from the remembered one, and the events inserted only when it was (FROM h), in
# their order (ids rise with seqs); each column as its INSERT would write it (the detail a jsonb from its JSON).
_MOVE_ON_AND_INSERT = Precompiled(text("""
WITH h AS (
    UPDATE audit_chain_head SET seq = :seq, hash = :hash WHERE id = :id AND seq = :was_seq AND hash = :was_hash
    RETURNING id)
INSERT INTO audit_events (at, actor, action, case_id, org_code, detail, seq, prev_hash, hash)
SELECT e.at, e.actor, e.action, e.case_id, e.org_code, e.detail, e.seq, e.prev_hash, e.hash
FROM h, jsonb_to_recordset(CAST(:events AS jsonb))
     AS e(at timestamptz, actor varchar, action varchar, case_id integer, org_code varchar, detail jsonb, seq bigint,
          prev_hash varchar, hash varchar)
ORDER BY e.seq"""), ("id", "seq", "hash", "was_seq", "was_hash", "events"))


# One event (the usual flush) precompiled, several at once by executemany (store/precompiled.py).
_INSERT_EVENTS = Precompiled(insert(AuditEvent), _COLUMNS)


@event.listens_for(Session, "after_flush")
def _insert_after_the_cases(session: Session, flush_context: Any) -> None:
    rows = flush_context.attributes.pop(_AFTER_THE_CASES, None)
    if rows:
        _INSERT_EVENTS.execute_all(session.connection(), rows)


@event.listens_for(AuditEvent, "before_insert")
def _chain_before_insert(_mapper: Mapper[AuditEvent], connection: Connection, target: AuditEvent) -> None:
    if target.seq is None:  # added while the flush ran, after the session's hook above
        row = _row(target)
        chain(connection, [row])
        for column in ("detail", "seq", "prev_hash", "hash"):
            setattr(target, column, row[column])
