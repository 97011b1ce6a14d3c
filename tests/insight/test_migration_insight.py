"""Migration 0011 (the insight indexes) goes down and up again on both databases; SQLite also gets the index in day
order that its daily counts walk without sorting, and its query plan uses it."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, event, text

from store.db import _alembic_config, make_engine, sessions
from store.insight import per_day_and_handling


def index_names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases'"
        else:
            sql = "SELECT indexname FROM pg_indexes WHERE tablename = 'cases'"
        return set(conn.execute(text(sql)).scalars())


def test_down_and_up_again(engine: Engine) -> None:
    ours = {"ix_cases_insight"} | ({"ix_cases_insight_day"} if engine.dialect.name == "sqlite" else set())
    assert ours <= index_names(engine)
    command.downgrade(_alembic_config(engine), "0010")
    assert not ours & index_names(engine)
    command.upgrade(_alembic_config(engine), "head")
    assert ours <= index_names(engine)


def test_sqlite_counts_the_days_from_the_index_in_day_order(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    statements: list[tuple[str, object]] = []

    def keep(conn: object, cursor: object, statement: str, parameters: object, *_: object) -> None:
        statements.append((statement, parameters))

    try:
        with sessions(engine)() as session:
            event.listen(engine, "before_cursor_execute", keep)
            per_day_and_handling(session, datetime(2026, 11, 1, tzinfo=UTC))
            event.remove(engine, "before_cursor_execute", keep)
            statement, parameters = statements[-1]
            plan = " ".join(str(row[-1]) for row in
                            session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    finally:
        engine.dispose()
    assert "COVERING INDEX ix_cases_insight_day" in plan and "TEMP B-TREE" not in plan, plan
