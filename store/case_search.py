"""Finding cases for staff (issue 18): by reference, sender address, organisation (ODS code or name) or a person's
name in the register, among waiting cases, finished ones or all, with the review queue's filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from store.models import Case, CaseReason, Organisation, Signatory, User
from store.register_search import _like

REFERENCE = re.compile(r"^(?:OE-?)?(\d{4})-?(\d{1,6})$", re.IGNORECASE)
STATES = ("finished", "waiting", "all")
MAX_MATCHED_PEOPLE = 200
FULL_REFERENCE = re.compile(r"^OE-\d{4}-\d{6,}$")


@dataclass(frozen=True)
class CaseFilter:
    text: str = ""
    state: str = "finished"  # finished (decided, out of the queue), waiting (for a person), all
    reason: str | None = None
    kind: str | None = None
    org_code: str | None = None
    older_than: datetime | None = None


@dataclass(frozen=True)
class Found:
    cases: list[Case]
    more: bool  # there is another page (finished cases are not counted: a million of them tell staff nothing)
    matched: str  # in words: what the text was taken to be


def normal_reference(text: str) -> str | None:
    """OE-2026-000101 however it was typed (oe-2026-101, 2026-101, OE2026000101), or None."""
    text = text.strip().replace(" ", "")
    if FULL_REFERENCE.match(text.upper()):
        return text.upper()
    found = REFERENCE.match(text)
    return f"OE-{found.group(1)}-{int(found.group(2)):06d}" if found else None


def _people_emails(session: Session, text: str) -> list[str]:
    pattern = _like(text)
    users = select(User.email).where(func.lower(User.full_name).like(pattern, escape="\\"))
    sigs = select(Signatory.email).where(func.lower(Signatory.full_name).like(pattern, escape="\\"),
                                         Signatory.email != "")
    emails = list(session.scalars(users.limit(MAX_MATCHED_PEOPLE))) + \
        list(session.scalars(sigs.limit(MAX_MATCHED_PEOPLE)))
    return sorted({e.lower() for e in emails if e})


def _org_codes(session: Session, text: str) -> list[str]:
    pattern = _like(text)
    return list(session.scalars(select(Organisation.code).where(or_(
        func.upper(Organisation.code) == text.strip().upper(),
        func.lower(Organisation.name).like(pattern, escape="\\"))).limit(MAX_MATCHED_PEOPLE)))


def _text_condition(session: Session, text: str) -> tuple[object | None, str]:
    text = " ".join(text.split())[:200]
    if not text:
        return None, ""
    reference = normal_reference(text)
    if reference:
        return Case.reference == reference, f"the reference {reference}"
    if "@" in text:
        return Case.sender == text.lower(), f"cases sent from {text.lower()}"
    codes, emails = _org_codes(session, text), _people_emails(session, text)
    what = []
    if codes:
        what.append("organisation " + ", ".join(codes[:5]) + ("..." if len(codes) > 5 else ""))
    if emails:
        what.append(f"{len(emails)} person{'s' if len(emails) != 1 else ''} on record named like {text!r} "
                    "(cases they sent)")
    if not codes and not emails:
        return Case.id.is_(None), f"nothing: no organisation or person on record matches {text!r}"
    parts = ([Case.org_code.in_(codes)] if codes else []) + ([Case.sender.in_(emails)] if emails else [])
    return (parts[0] if len(parts) == 1 else or_(*parts)), " and ".join(what)


def _filtered(query: Select, f: CaseFilter, condition: object | None) -> Select:
    if f.state == "waiting":
        query = query.where(Case.needs_review.is_(True))
    elif f.state == "finished":
        query = query.where(Case.needs_review.is_(False), Case.outcome != "pending")
    if condition is not None:
        query = query.where(condition)  # type: ignore[arg-type]
    if f.reason:
        # EXISTS by primary key while walking cases newest first: stops at the page's end, where IN would first
        # gather every case that ever had the reason.
        query = query.where(select(CaseReason.case_id).where(CaseReason.case_id == Case.id,
                                                             CaseReason.code == f.reason).exists())
    if f.kind:
        query = query.where(Case.kind == f.kind)
    if f.org_code:
        query = query.where(Case.org_code == f.org_code.strip().upper())
    if f.older_than:
        query = query.where(Case.created_at < f.older_than)
    return query


def find_cases(session: Session, f: CaseFilter, *, limit: int = 50, offset: int = 0) -> Found:
    """A page of matching cases, newest first."""
    condition, matched = _text_condition(session, f.text)
    cases = list(session.scalars(_filtered(select(Case), f, condition)
                                 .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit + 1).offset(offset)))
    return Found(cases[:limit], len(cases) > limit, matched)
