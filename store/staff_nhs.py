"""Staff accounts linked to NHS accounts, for logging in with OpenID Connect (mailbot/review/web/oidc.py).

Staff administrators link an account to the NHS email address of the person who owns it (`mailbot staff link`).
The first NHS log-in with that address records the provider's subject (issuer and `sub`) on the account; from then
on only that subject may use the link, so an address later given to someone else, or asserted by another
provider, logs no one in. Linking again (a new address, or the same one) forgets the recorded subject. No account
is ever made from an NHS log-in: whoever has an NHS account but no linked staff account is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import audit
from store.models import StaffMember
from store.staff import StaffError, staff_by_name

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalise_email(email: str) -> str:
    """An email address as it is compared and stored: trimmed, lower case."""
    return email.strip().lower()


def checked_email(email: str) -> str:
    value = normalise_email(email)
    if len(value) > 320 or not _EMAIL.fullmatch(value):
        raise StaffError(f"{email!r} is not an email address")
    return value


def _member(session: Session, name: str) -> StaffMember:
    member = staff_by_name(session, name)
    if member is None:
        raise StaffError(f"no staff member called {name!r}")
    return member


def link_nhs_email(session: Session, name: str, email: str, *, now: datetime, by: str) -> None:
    """Link NAME's account to the NHS account with EMAIL; the subject is recorded at their next NHS log-in."""
    member = _member(session, name)
    address = checked_email(email)
    other = session.scalar(select(StaffMember).where(StaffMember.nhs_email == address, StaffMember.id != member.id))
    if other is not None:
        raise StaffError(f"{address} is already linked to {other.name!r}; unlink it there first")
    member.nhs_email, member.oidc_issuer, member.oidc_subject, member.updated_at = address, None, None, now
    audit.record(session, at=now, actor=by, action="staff.nhs_linked", staff=member.name, email=address)


def unlink_nhs_email(session: Session, name: str, *, now: datetime, by: str) -> None:
    """NAME can no longer log in with an NHS account (their local password, if any, still works)."""
    member = _member(session, name)
    if member.nhs_email is None and member.oidc_subject is None:
        raise StaffError(f"{member.name!r} has no NHS account linked")
    email = member.nhs_email
    member.nhs_email, member.oidc_issuer, member.oidc_subject, member.updated_at = None, None, None, now
    audit.record(session, at=now, actor=by, action="staff.nhs_unlinked", staff=member.name, email=email)


@dataclass(frozen=True)
class NhsMatch:
    """Who an NHS identity logs in as, or why no one: `refused` is "" or "unknown", "other_subject", "disabled"."""

    member: StaffMember | None
    refused: str = ""
    first_login: bool = False


def match_nhs_identity(session: Session, *, issuer: str, subject: str, email: str) -> NhsMatch:
    """The staff account an NHS identity may log in as (inside the caller's transaction).

    The recorded subject wins; else an account linked to EMAIL whose subject is not yet recorded, which is then
    recorded. An account linked to EMAIL but bound to another subject is refused, as is a disabled account.
    """
    member = session.scalar(select(StaffMember).where(StaffMember.oidc_issuer == issuer,
                                                      StaffMember.oidc_subject == subject))
    first = False
    if member is None:
        member = session.scalar(select(StaffMember).where(StaffMember.nhs_email == normalise_email(email)))
        if member is None:
            return NhsMatch(None, "unknown")
        if member.oidc_subject is not None:
            return NhsMatch(member, "other_subject")
        member.oidc_issuer, member.oidc_subject, first = issuer, subject, True
    if member.disabled:
        return NhsMatch(member, "disabled")
    return NhsMatch(member, first_login=first)
