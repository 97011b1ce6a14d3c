"""A JSON column's value encoded beforehand: a case's extracted fields are known once its message is understood
(in a reading-ahead thread, mailbot.intake.worker), and encoding them (kilobytes, a form's reading with its many
numbers) was a tenth of the CPU the thread recording messages one at a time spent on each. Encoded there, the store
writes the text kept rather than encoding the value again.

The text is json.dumps' of the value, what the store's JSON columns write of any other value (the engine's
`json_serializer`, `dumps` here, on SQLite and, through psycopg's JSON dumper, on PostgreSQL): the row is the
same whichever way the value came."""

from __future__ import annotations

import json
from typing import Any


class EncodedJSON(dict[str, Any]):
    """A JSON object (a dict, read as any other) with its text as the store writes it; never changed after it is
    made (the text would no longer say what it holds: changing it raises): `encoded` makes one."""

    __slots__ = ("text",)
    text: str

    def _unchanged(self, *_args: Any, **_kwargs: Any) -> Any:
        raise TypeError("an encoded JSON value is not changed: make a new one (or a dict) instead")

    __setitem__ = __delitem__ = __ior__ = update = pop = popitem = setdefault = clear = _unchanged


def encoded(value: dict[str, Any]) -> EncodedJSON:
    """VALUE, with its JSON text made now."""
    held = EncodedJSON(value)
    held.text = json.dumps(value)
    return held


def dumps(value: Any) -> str:
    """The engine's JSON serializer: an EncodedJSON's kept text, else json.dumps (SQLAlchemy's default)."""
    if type(value) is EncodedJSON:
        return value.text
    return json.dumps(value)
