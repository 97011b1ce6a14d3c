"""Whether a store's schema is at the newest migration, told without loading Alembic: the daemon and every command
ask it at start, and Alembic with its migration scripts is some 12 MB of each daemon's memory for as long as it runs,
for a question answered by one row and the migration files' own `revision` lines. Anything else (no version table,
another revision, files this cannot read) is left to Alembic (store.db.ensure_schema), which says what is wrong or
upgrades."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

VERSIONS = Path(__file__).parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"  # Alembic's default: store/migrations/env.py does not name another
# `revision = "0015"` as store/migrations/script.py.mako writes it (a type annotation allowed, as Alembic's own
# newer templates write).
_REVISION = re.compile(r"^revision(?:\s*:[^=\n]+)?\s*=\s*['\"]([^'\"]+)['\"]\s*$", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=\n]+)?\s*=\s*(?:None|['\"]([^'\"]+)['\"])\s*$", re.M)


def at_head(engine: Engine) -> bool:
    """True when ENGINE's store records exactly one revision, the newest migration's; False when it does not, or
    when that cannot be told here (Alembic then looks)."""
    head = head_in_files()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(VERSION_TABLE):
                return False
            stored = list(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
    except SQLAlchemyError:  # the store cannot be opened: Alembic's look says why, as before
        return False
    return stored == [head]


@cache
def head_in_files() -> str | None:
    """The one revision no migration file names as its down_revision; None when a file does not hold exactly one
    plain `revision = "..."` and `down_revision = "..."` (or None) line, or there is not exactly one head (a merge
    or a branch: Alembic's to judge). tests/store/test_schema_version.py holds it to Alembic's own answer."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in sorted(VERSIONS.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0]:
            downs.add(down[0])
    heads = revisions - downs
    return next(iter(heads)) if len(heads) == 1 else None
