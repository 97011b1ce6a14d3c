"""Importing the register files: all or nothing, idempotent, every problem named by file and line.

The file is checked on its own first (parsers.register_csv), then against the store inside the one transaction
that applies it; any problem rolls the whole file back, so a bad row never leaves half a file behind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from mailbot.errors import UsageError
from parsers.register_csv import (
    ApplicationRow,
    CsvProblems,
    OrganisationRow,
    SignatoryRow,
    UserRow,
    parse_register_csv,
)
from store import audit
from store.models import Organisation, Signatory, User
from store.register import (
    application_names,
    assign,
    ensure_applications,
    find_signatory,
    organisations_by_code,
    set_applications,
    users_by_username,
)

T = TypeVar("T")

KINDS = ("organisations", "users", "signatories", "applications")


@dataclass
class ImportResult:
    kind: str
    counts: Counter[str] = field(default_factory=Counter)  # created / updated / unchanged
    notes: list[str] = field(default_factory=list)

    def summary(self, filename: str) -> str:
        parts = [f"{self.counts[k]} {k}" for k in ("created", "updated", "unchanged") if self.counts[k]]
        return f"{filename}: {self.kind}: " + (", ".join(parts) or "no rows")


def read_checked(path: Path, display_name: str, parse: Callable[[bytes], T]) -> T:
    """The file at PATH parsed by PARSE; a file that cannot be read, or whose rows are wrong, is a usage error
    naming every problem (nothing is imported)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{display_name}: cannot read: {exc.strerror or exc}") from exc
    try:
        return parse(data)
    except CsvProblems as exc:
        raise UsageError("\n".join(exc.problems)) from exc


def read_rows(kind: str, path: Path, display_name: str) -> list[object]:
    return read_checked(path, display_name, lambda data: parse_register_csv(kind, data, display_name))


def import_rows(session: Session, kind: str, rows: list[object], *, filename: str, now: datetime,
                actor: str = "import") -> ImportResult:
    """Apply checked rows inside the caller's transaction; UsageError (file:line) on a store-level problem."""
    result = ImportResult(kind)
    problems: list[str] = []
    if kind == "organisations":
        _organisations(session, rows, now, result)  # type: ignore[arg-type]
    elif kind == "applications":
        _applications(session, rows, result)  # type: ignore[arg-type]
    elif kind == "users":
        _users(session, rows, now, result, problems, filename)  # type: ignore[arg-type]
    elif kind == "signatories":
        _signatories(session, rows, now, result, problems, filename, actor)  # type: ignore[arg-type]
    else:  # argparse limits the choices; reaching here is a programming error
        raise AssertionError(kind)
    if problems:
        raise UsageError("\n".join(problems))
    session.flush()
    counts: dict[str, Any] = dict(result.counts)
    audit.record(session, at=now, actor=actor, action="register.import", file=filename, kind=kind, **counts)
    return result


def _organisations(session: Session, rows: list[OrganisationRow], now: datetime, result: ImportResult) -> None:
    existing = organisations_by_code(session, (r.code for r in rows))
    for r in rows:
        org = existing.get(r.code)
        status = {} if r.status is None else {"status": r.status.value}  # a file without the column keeps it
        if org is None:
            session.add(Organisation(code=r.code, name=r.name, type=r.type.value, created_at=now, updated_at=now,
                                     **status))
            result.counts["created"] += 1
        else:
            changed = assign(org, now, name=r.name, type=r.type.value, **status)
            result.counts["updated" if changed else "unchanged"] += 1


def _applications(session: Session, rows: list[ApplicationRow], result: ImportResult) -> None:
    known = application_names(session)
    ensure_applications(session, [r.name for r in rows])
    for r in rows:
        result.counts["unchanged" if r.name.lower() in known else "created"] += 1


def _users(session: Session, rows: list[UserRow], now: datetime, result: ImportResult, problems: list[str],
           filename: str) -> None:
    orgs = organisations_by_code(session, (r.org_code for r in rows))
    users = users_by_username(session, (r.username for r in rows))
    apps = ensure_applications(session, {a for r in rows for a in r.applications})
    for r in rows:
        org = orgs.get(r.org_code)
        if org is None:
            problems.append(f"{filename}:{r.line}: unknown organisation {r.org_code!r} (import organisations first)")
            continue
        user = users.get(r.username.lower())
        if user is not None and user.organisation_id != org.id:
            problems.append(f"{filename}:{r.line}: username {r.username!r} already belongs to organisation "
                            f"{user.organisation.code}")
            continue
        grants = [apps[a.lower()] for a in r.applications]
        if user is None:
            user = User(organisation_id=org.id, username=r.username, full_name=r.full_name, email=r.email,
                        status=r.status, is_primary=r.primary, must_change_password=False,
                        phone=r.phone or "", created_at=now, updated_at=now)
            user.applications = grants
            session.add(user)
            result.counts["created"] += 1
            continue
        phone = {} if r.phone is None else {"phone": r.phone}  # a file without the column keeps the numbers
        changed = assign(user, now, full_name=r.full_name, email=r.email, status=r.status, is_primary=r.primary,
                         **phone)
        changed = set_applications(user, grants) or changed
        if changed:
            user.updated_at = now
        result.counts["updated" if changed else "unchanged"] += 1


def _signatories(session: Session, rows: list[SignatoryRow], now: datetime, result: ImportResult,
                 problems: list[str], filename: str, actor: str) -> None:
    orgs = organisations_by_code(session, (r.org_code for r in rows))
    for r in rows:
        org = orgs.get(r.org_code)
        if org is None:
            problems.append(f"{filename}:{r.line}: unknown organisation {r.org_code!r} (import organisations first)")
            continue
        existing = find_signatory(session, org, r.role.value, r.email, r.full_name)
        if existing is None:
            session.add(Signatory(organisation_id=org.id, full_name=r.full_name, email=r.email, role=r.role.value,
                                  phone=r.phone or "", verified_how=f"{actor} {Path(filename).name}",
                                  verified_at=now))
            result.counts["created"] += 1
        else:
            changed = assign(existing, now, full_name=r.full_name,
                             **({} if r.phone is None else {"phone": r.phone}))
            result.counts["updated" if changed else "unchanged"] += 1
