"""Counting the SQL statements a piece of work sends to the store: every cursor execute an engine makes
(SQLAlchemy's `before_cursor_execute`), so an executemany is one statement, as it is one round trip. SQLite's
`BEGIN IMMEDIATE` is counted (the engine sends it as a statement), once a transaction: its retries while another
process holds the write lock go straight to sqlite3 (store/db.py); COMMIT is a driver call, not counted.

Unlike a rate, the count is the same on a quiet machine and a loaded one: the benchmark's primary figure for the
store path."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event


def verb(statement: str) -> str:
    """SELECT, INSERT, UPDATE, DELETE, BEGIN... : the statement's first word, upper case."""
    words = statement.lstrip().split(None, 1)
    return words[0].upper() if words else "?"


@dataclass
class StatementCounter:
    """Statements ENGINE executes while a `counting()` block runs, by verb; `log` keeps each one's text when
    asked (to see which they are)."""

    engine: Engine
    keep_text: bool = False
    by_verb: Counter[str] = field(default_factory=Counter)
    log: list[str] = field(default_factory=list)
    # Statements of each transaction begun while counting (the last of a message's is its recording one).
    transactions: list[int] = field(default_factory=list)
    _on: bool = False

    def __post_init__(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        event.listen(self.engine, "begin", self._begun)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)
        event.remove(self.engine, "begin", self._begun)

    def _begun(self, _conn: Any) -> None:
        if self._on and self.engine.dialect.name != "sqlite":  # SQLite's begin is the BEGIN statement, below
            self.transactions.append(0)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any,
              executemany: bool) -> None:
        if not self._on:
            return
        self.by_verb[verb(statement) + (" (many)" if executemany else "")] += 1
        if verb(statement) == "BEGIN":
            self.transactions.append(0)
        if self.transactions:
            self.transactions[-1] += 1
        if self.keep_text:
            self.log.append(" ".join(statement.split())[:160])

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        """Count the block's statements into a fresh Counter (yielded, filled when the block ends)."""
        before = Counter(self.by_verb)
        self.transactions = []
        self._on = True
        found: Counter[str] = Counter()
        try:
            yield found
        finally:
            self._on = False
            found.update(self.by_verb - before)
