"""store/encoded_json.py: a JSON value encoded beforehand is written as the text json.dumps makes of it, the text
the store writes for the same value not encoded: through the unit of work and through Core, on SQLite and
PostgreSQL, and read back as the same value."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, text

from store.db import sessions, transaction
from store.encoded_json import EncodedJSON, dumps, encoded
from store.models import Case

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
VALUE = {"reading": {"score": 100.0, "runner_up": 0.1, "words": ["Ünïcode", "\u2028", "\"q\""]}, "n": [1, None, True],
         "empty": {}}


def test_dumps_writes_an_encoded_values_text_and_json_dumps_any_other() -> None:
    held = encoded(VALUE)
    assert type(held) is EncodedJSON and held == VALUE and held.text == json.dumps(VALUE)
    assert dumps(held) == json.dumps(VALUE) and dumps(VALUE) == json.dumps(VALUE)
    assert dumps([1, "é"]) == '[1, "\\u00e9"]'
    for change in (lambda: held.update(n=2), lambda: held.__setitem__("n", 2), lambda: held.pop("n")):
        with pytest.raises(TypeError):
            change()
    assert held == VALUE
    # Its text is what it was made with (the reason it is not changed after), never encoded again.
    held.text = '{"kept": true}'
    assert dumps(held) == '{"kept": true}'


def test_an_encoded_value_is_stored_as_the_same_value_not_encoded(engine: Engine) -> None:
    with transaction(sessions(engine)) as session:
        for n, fields in enumerate((VALUE, encoded(VALUE)), start=1):  # the unit of work's insert
            session.add(Case(reference=f"OE-2026-90000{n}", kind="permission_request", outcome="flagged",
                             fields=fields, created_at=NOW, updated_at=NOW))
        session.flush()
    with engine.begin() as connection:  # Core's
        connection.execute(insert(Case).values(id=99, reference="OE-2026-900099", kind="permission_request",
                                               outcome="flagged", fields=encoded(VALUE), created_at=NOW,
                                               updated_at=NOW))
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT CAST(fields AS TEXT) FROM cases ORDER BY id")).scalars().all()
    assert len(stored) == 3 and stored[0] == stored[1] == stored[2]
    with sessions(engine)() as session:
        assert [case.fields for case in session.query(Case).order_by(Case.id)] == [VALUE, VALUE, VALUE]
