"""What staff administrators do to other staff accounts (on the web, mailbot/review/web/staff_admin.py, and from the
command line): grant or take away the administrator role, lift log-in pauses, reset a password to a one-time
one, disable and enable. Every change is audited with who did it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store import audit
from store.login_throttle import Pause, lift_for, pauses_for
from store.models import StaffMember, StaffSession
from store.staff import HASHER, MIN_PASSWORD_LENGTH, StaffError, checked_password, staff_by_name, verify_password


def _member(session: Session, name: str) -> StaffMember:
    member = staff_by_name(session, name)
    if member is None:
        raise StaffError(f"no staff member called {name!r}")
    return member


def set_admin(session: Session, name: str, admin: bool, *, now: datetime, by: str) -> None:
    member = _member(session, name)
    if member.is_admin == admin:
        raise StaffError(f"{member.name!r} {'is already' if admin else 'is not'} a staff administrator")
    member.is_admin, member.updated_at = admin, now
    audit.record(session, at=now, actor=by, action="staff.admin_granted" if admin else "staff.admin_revoked",
                 staff=member.name)


def unlock(session: Session, name: str, *, now: datetime, by: str) -> list[str]:
    """Lift every pause that stops NAME logging in; the addresses it was paused from."""
    member = _member(session, name)
    lifted = lift_for(session, member.name)
    audit.record(session, at=now, actor=by, action="staff.unlocked", staff=member.name, lifted=lifted)
    return lifted


def reset_password(session: Session, name: str, *, now: datetime, by: str) -> str:
    """A one-time password for NAME, returned once and stored only as an argon2 hash: it logs them in only to
    choose a new password. Ends their sessions and lifts their pauses."""
    member = _member(session, name)
    one_time = secrets.token_urlsafe(12)  # 16 characters, 96 random bits
    member.password_hash, member.must_change_password, member.updated_at = HASHER.hash(one_time), True, now
    session.execute(delete(StaffSession).where(StaffSession.staff_id == member.id))
    lifted = lift_for(session, member.name)
    audit.record(session, at=now, actor=by, action="staff.password_reset", staff=member.name, lifted=lifted)
    return one_time


class WrongPassword(StaffError):
    """The current password given was not right (counted by the log-in throttle like a failed log-in)."""


def change_own_password(session: Session, name: str, current: str, new: str, *, now: datetime) -> None:
    """NAME chooses a new password, giving the current (or one-time) one; StaffError says what is wrong."""
    member = _member(session, name)
    if not verify_password(member.password_hash, current):
        raise WrongPassword("the current password is not right")
    if new == current:
        raise StaffError("the new password must differ from the one you were given")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the new password must be at least {MIN_PASSWORD_LENGTH} characters long")
    member.password_hash, member.must_change_password, member.updated_at = checked_password(new), False, now
    audit.record(session, at=now, actor=member.name, action="staff.password_changed", staff=member.name)


@dataclass(frozen=True)
class StaffRow:
    id: int
    name: str
    is_admin: bool
    disabled: bool
    must_change_password: bool
    nhs_email: str | None
    last_login_at: datetime | None
    pauses: list[Pause]


def staff_overview(session: Session, *, now: datetime) -> list[StaffRow]:
    return [StaffRow(m.id, m.name, m.is_admin, m.disabled, m.must_change_password, m.nhs_email, m.last_login_at,
                     pauses_for(session, m.name, now=now))
            for m in session.scalars(select(StaffMember).order_by(StaffMember.name))]


def staff_name_by_id(session: Session, staff_id: int) -> str | None:
    member = session.get(StaffMember, staff_id)
    return member.name if member is not None else None
