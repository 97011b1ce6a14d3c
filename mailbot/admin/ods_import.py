"""`mailbot import ods FILE`: the NHS Organisation Data Service extracts into the register.

The file is read and checked whole first (parsers.ods_extract): any bad line rejects the file before the store is
opened. Then one transaction compares and writes (store.org_upsert): all or nothing. A re-import of the same file
changes nothing, not even the audit trail: an event is written only when the register changed. The command
(mailbot/cli/commands/import_ods.py) draws the progress bar.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from mailbot.admin.register_import import read_checked
from parsers.ods_extract import OdsExtract, OdsKind, parse_ods_extract
from store import audit
from store.org_upsert import OrgValues, upsert_organisations


@dataclass
class OdsImportResult:
    extract: OdsExtract
    counts: Counter[str]

    def summary(self, filename: str) -> str:
        ex = self.extract
        orgs = ex.organisations
        types = Counter(o.type.value for o in orgs)
        statuses = Counter(o.status.value for o in orgs)
        written = [f"{self.counts[k]} {k}" for k in ("created", "updated", "unchanged") if self.counts[k]]
        changes = sorted(k for k in self.counts if k.startswith("now "))
        lines = [
            f"{filename}: ods {ex.kind.value} ({ex.kind_told_by}; {ex.encoding}): {len(orgs)} organisations: "
            + ", ".join(written),
            "  types: " + ", ".join(f"{n} {t}" for t, n in sorted(types.items())),
            "  status: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())),
        ]
        if changes:
            lines.append("  status changed: " + ", ".join(f"{self.counts[k]} {k}" for k in changes))
        return "\n".join(lines)


def read_extract(path: Path, display_name: str, kind: OdsKind | None) -> OdsExtract:
    return read_checked(path, display_name, lambda data: parse_ods_extract(data, display_name, kind))


def import_extract(session: Session, extract: OdsExtract, *, filename: str, now: datetime,
                   actor: str = "import", progress: Callable[[int], None] | None = None) -> OdsImportResult:
    """Apply the checked extract inside the caller's transaction; PROGRESS hears how many rows were dealt with."""
    wanted = [OrgValues(o.code, o.name, o.type.value, o.status.value) for o in extract.organisations]
    counts = upsert_organisations(session, wanted, now, progress)
    if counts["created"] or counts["updated"]:
        detail: dict[str, Any] = {k.replace(" ", "_"): v for k, v in counts.items()}
        audit.record(session, at=now, actor=actor, action="register.import_ods", file=Path(filename).name,
                     kind=extract.kind.value, **detail)
    return OdsImportResult(extract, counts)
