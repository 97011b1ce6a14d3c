"""Raw messages in the store: a big one is written to SQLite a piece at a time (blob I/O), and reads back exactly."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from store.cases import BLOB_PIECE, store_message
from store.db import sessions, transaction
from store.models import StoredMessage


def test_a_big_raw_message_is_stored_and_read_back_exactly(engine: Engine) -> None:
    raw = b"From: a@nhs.net\r\n\r\n" + random.Random(9).randbytes(3 * BLOB_PIECE + 12_345)
    small = b"From: b@nhs.net\r\n\r\nhello\r\n"
    with transaction(sessions(engine)) as session:
        for n, data in enumerate((raw, small)):
            store_message(session, raw=data, source=f"file:{n}", message_id=None,
                          content_hash=hashlib.sha256(data).hexdigest(), received_at=datetime.now(UTC))
    with sessions(engine)() as session:
        stored = {row.source: row for row in session.scalars(select(StoredMessage))}
        assert stored["file:0"].raw == raw and stored["file:0"].size == len(raw)
        assert stored["file:1"].raw == small
