"""Finding things in the register for staff: organisations by ODS code or name, people by name or email."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from store.models import Organisation, Signatory, User


@dataclass(frozen=True)
class SearchResults:
    organisations: list[Organisation]
    users: list[User]
    signatories: list[Signatory]


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_register(session: Session, text: str, *, limit: int = 50) -> SearchResults:
    """Case-insensitive substring search; an exact ODS code comes first."""
    text = text.strip()
    if not text:
        return SearchResults([], [], [])
    pattern = _like(text)
    orgs = list(session.scalars(
        select(Organisation).where(or_(func.lower(Organisation.code).like(pattern, escape="\\"),
                                       func.lower(Organisation.name).like(pattern, escape="\\")))
        .order_by((func.upper(Organisation.code) != text.upper()), Organisation.code).limit(limit)))
    users = list(session.scalars(
        select(User).options(selectinload(User.organisation))
        .where(or_(func.lower(User.full_name).like(pattern, escape="\\"),
                   func.lower(User.email).like(pattern, escape="\\"),
                   func.lower(User.username).like(pattern, escape="\\")))
        .order_by(User.full_name, User.id).limit(limit)))
    signatories = list(session.scalars(
        select(Signatory).options(selectinload(Signatory.organisation))
        .where(or_(func.lower(Signatory.full_name).like(pattern, escape="\\"),
                   func.lower(Signatory.email).like(pattern, escape="\\")))
        .order_by(Signatory.full_name, Signatory.id).limit(limit)))
    return SearchResults(orgs, users, signatories)


def organisation_with_people(session: Session, code: str) -> Organisation | None:
    return session.scalar(select(Organisation)
                          .options(selectinload(Organisation.users).selectinload(User.applications),
                                   selectinload(Organisation.signatories))
                          .where(Organisation.code == code.strip().upper()))
