"""A copy of a SQLite store taken while daemons keep writing to it, with SQLite's online backup API.

The copy is made in one step (`pages=-1`) inside one read transaction: in WAL mode a reader never blocks the
writers, and the copy is the store exactly as it was at one commit (the daemons' later commits are simply not in
it). A copy made in small steps would restart from the first page whenever another connection writes, and under a
busy daemon might never finish. The copy is written beside the target under a temporary name, checked with
`PRAGMA integrity_check`, switched to a plain rollback journal (one self-contained file; the mailbot turns WAL
back on when it opens it), flushed to disk, and only then renamed into place: a crash leaves no half copy under
the target's name.

PostgreSQL stores are backed up with the server's own tools (`pg_dump`), see POSTGRESQL_ROUTE.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from store.audit_chain import HEAD_ROW, ChainHead
from store.db import SQLITE_BUSY_TIMEOUT_MS, StoreError

POSTGRESQL_ROUTE = """\
A PostgreSQL store is backed up with PostgreSQL's own tools, which take a consistent snapshot while the daemons
keep writing:

    pg_dump --format=custom --file={path} '{url}'

and restored into an empty database with

    pg_restore --no-owner --dbname='NEW-DATABASE-URL' {path}

then checked with `mailbot --config NEW.toml audit verify`. (Give the password with PGPASSWORD or ~/.pgpass, not
in the URL on a command line.)"""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    audit_head: ChainHead | None


def backup_sqlite(database: Path, target: Path) -> BackupResult:
    """Copy the SQLite store at DATABASE to TARGET (which must not exist yet), while it may be in use."""
    if not database.is_file():
        raise StoreError(f"{database}: no SQLite store there")
    if target.exists():
        raise StoreError(f"{target}: already exists; give a new file name (a backup never overwrites)")
    if not target.parent.is_dir():
        raise StoreError(f"{target.parent}: no such folder")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        source = sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy, pages=-1)
                problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
                if problems != ["ok"]:
                    raise StoreError(f"{target}: the copy fails SQLite's integrity check: {problems[:3]}")
                copy.execute("PRAGMA journal_mode=DELETE")
                head = _audit_head(copy)
            finally:
                copy.close()
        finally:
            source.close()
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    except sqlite3.Error as exc:
        raise StoreError(f"backup of {database} to {target} failed: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, head)


def _audit_head(copy: sqlite3.Connection) -> ChainHead | None:
    try:
        row = copy.execute("SELECT seq, hash FROM audit_chain_head WHERE id = ?", (HEAD_ROW,)).fetchone()
    except sqlite3.OperationalError:  # a store from before the audit chain
        return None
    return ChainHead(int(row[0]), str(row[1])) if row else None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
