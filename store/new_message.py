"""A message as the pipeline records it: its raw row, its fingerprints (store.message_digests) and the claim of its
first-sighting keys (store.cases.claim_first_sightings), written together at the start of its transaction.

On PostgreSQL that is one statement (one round trip): the row inserted in a data-modifying CTE, the digests and keys
inserted from it. SQLite has no data-modifying CTE: three statements there. Each is one fixed text whatever the
number of keys or digests (they go in as arrays, or as JSON SQLite unpacks with json_each), so it is compiled once
a process and, on PostgreSQL, prepared on the server (store.db.PREPARE_THRESHOLD); a multi-row VALUES would be
compiled again for every message (SQLAlchemy does not cache those).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import LargeBinary, bindparam, insert, text
from sqlalchemy.orm import Session

from store.cases import BLOB_PIECE, store_message
from store.models import StoredMessage
from store.precompiled import Precompiled
from store.types import UTCDateTime

_TYPED = (bindparam("received_at", type_=UTCDateTime()), bindparam("raw", type_=LargeBinary()))

_POSTGRES = text("""
WITH m AS (
    INSERT INTO messages (received_at, source, message_id, content_hash, size, raw)
    VALUES (:received_at, :source, :message_id, :content_hash, :size, :raw) RETURNING id),
d AS (
    INSERT INTO message_digests (message_row_id, kind, digest)
    SELECT m.id, x.kind, x.digest
    FROM m, unnest(CAST(:kinds AS varchar[]), CAST(:digests AS varchar[])) AS x(kind, digest)
    ON CONFLICT (message_row_id, kind, digest) DO NOTHING),
k AS (
    INSERT INTO message_keys (key, message_row_id)
    SELECT x.key, m.id FROM m, unnest(CAST(:keys AS varchar[])) AS x(key)
    ON CONFLICT (key) DO NOTHING RETURNING key)
SELECT m.id, ARRAY(SELECT key FROM k) FROM m""").bindparams(*_TYPED)
_MESSAGE_KEYS = ("received_at", "source", "message_id", "content_hash", "size", "raw")
_POSTGRES_RUN = Precompiled(_POSTGRES, (*_MESSAGE_KEYS, "kinds", "digests", "keys"))  # store/precompiled.py

_SQLITE_MESSAGE = insert(StoredMessage).returning(StoredMessage.id)
# "WHERE true": SQLite reads ON CONFLICT after a SELECT's FROM as a join's ON without it.
_SQLITE_DIGESTS = text("INSERT INTO message_digests (message_row_id, kind, digest) "
                       "SELECT :row_id, json_extract(value, '$[0]'), json_extract(value, '$[1]') "
                       "FROM json_each(:digests) WHERE true "
                       "ON CONFLICT (message_row_id, kind, digest) DO NOTHING")
_SQLITE_KEYS = text('INSERT INTO message_keys ("key", message_row_id) SELECT value, :row_id FROM json_each(:keys) '
                    'WHERE true ON CONFLICT ("key") DO NOTHING RETURNING "key"')
_SQLITE_MESSAGE_RUN = Precompiled(_SQLITE_MESSAGE, _MESSAGE_KEYS)
_SQLITE_DIGESTS_RUN = Precompiled(_SQLITE_DIGESTS, ("row_id", "digests"))
_SQLITE_KEYS_RUN = Precompiled(_SQLITE_KEYS, ("row_id", "keys"))


@dataclass(frozen=True)
class NewMessage:
    row_id: int
    seen_before: list[str]  # the keys of KEYS that were claimed before (empty: a first sighting)


def record_message(session: Session, *, raw: bytes, source: str, message_id: str | None, content_hash: str,
                   received_at: datetime, digests: Iterable[tuple[str, str]], keys: Iterable[str]) -> NewMessage:
    """Store RAW with its DIGESTS (kind, digest) and claim its KEYS, inside the caller's transaction; what
    store_message, record_digests and claim_first_sightings do one after the other, in fewer statements."""
    wanted = list(dict.fromkeys(keys))
    kept = list(dict.fromkeys(digests))
    connection = session.connection()
    message = {"received_at": received_at, "source": source, "message_id": message_id,
               "content_hash": content_hash, "size": len(raw), "raw": raw}
    if connection.dialect.name == "postgresql":
        ((row_id, claimed),) = _POSTGRES_RUN.rows(connection, {
            **message, "kinds": [k for k, _ in kept], "digests": [d for _, d in kept], "keys": wanted})
    else:
        driver = connection.connection.driver_connection
        if len(raw) > BLOB_PIECE and isinstance(driver, sqlite3.Connection):  # a piece at a time (store_message)
            row_id = store_message(session, raw=raw, source=source, message_id=message_id,
                                   content_hash=content_hash, received_at=received_at).id
        else:
            ((row_id,),) = _SQLITE_MESSAGE_RUN.rows(connection, message)
        if kept:
            _SQLITE_DIGESTS_RUN.execute(connection, {"row_id": row_id, "digests": json.dumps(kept)})
        claimed = [key for (key,) in _SQLITE_KEYS_RUN.rows(connection, {"row_id": row_id, "keys": json.dumps(wanted)})
                   ] if wanted else []
    taken = set(claimed)
    return NewMessage(int(row_id), [key for key in wanted if key not in taken])
