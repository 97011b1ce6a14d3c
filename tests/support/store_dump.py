"""The whole store as plain sorted data, to show that a refused command changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from store.models import Base


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }
