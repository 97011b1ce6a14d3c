"""Writing many organisations at once (a national ODS extract: tens of thousands): compare, then one upsert.

The register's current values are read in one query and compared in memory, so a re-import of the same file
writes nothing at all (no row touched, updated_at kept). Only new and changed rows go to the database, as one
INSERT ... ON CONFLICT (code) DO UPDATE executed for the batch: correct even if another import adds the same code
meanwhile, and quick on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Organisation
from store.upsert import insert_for

BATCH = 1000


@dataclass(frozen=True)
class OrgValues:
    code: str
    name: str
    type: str  # parsers.vocabulary.roles.OrgType
    status: str  # parsers.vocabulary.org_status.OrgStatus


def current_values(session: Session) -> dict[str, OrgValues]:
    """Every organisation's code, name, type and status, as the store has them."""
    rows = session.execute(select(Organisation.code, Organisation.name, Organisation.type, Organisation.status))
    return {code: OrgValues(code, name, type_, status) for code, name, type_, status in rows}


def upsert_organisations(session: Session, wanted: Sequence[OrgValues], now: datetime,
                         progress: Callable[[int], None] | None = None) -> Counter[str]:
    """Make the store hold WANTED (other organisations are left as they are); counts of created / updated /
    unchanged, and of the status changes (`closed`, `reopened`...) an operator wants to hear about. PROGRESS, when
    given, is called with the number of rows dealt with since its last call."""
    before = current_values(session)
    counts: Counter[str] = Counter()
    writes: list[dict[str, object]] = []
    for values in wanted:
        old = before.get(values.code)
        if old == values:
            counts["unchanged"] += 1
            continue
        counts["created" if old is None else "updated"] += 1
        if old is not None and old.status != values.status:
            counts[f"now {values.status}"] += 1
        writes.append({"code": values.code, "name": values.name, "type": values.type, "status": values.status,
                       "created_at": now, "updated_at": now})
    if progress is not None:
        progress(len(wanted) - len(writes))
    table = Organisation.__table__
    for start in range(0, len(writes), BATCH):
        batch = writes[start:start + BATCH]
        statement = insert_for(session, table)
        excluded = statement.excluded
        session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.code],
            set_={"name": excluded.name, "type": excluded.type, "status": excluded.status,
                  "updated_at": excluded.updated_at},
        ), batch)
        if progress is not None:
            progress(len(batch))
    return counts
