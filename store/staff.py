"""Staff accounts and their web sessions: argon2id password hashes and session tokens of which only a hash is
stored. Logging in, with its throttle per client address, is store/staff_login.py."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from store import audit
from store.login_throttle import lift_for
from store.models import StaffMember, StaffSession

HASHER = PasswordHasher()  # argon2id with the library's RFC 9106 "low memory" defaults


@cache
def dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name takes as long as a wrong password. Made on first
    use, not at import: argon2 takes 64 MB for a moment, and every mailbot process (the daemon too) imports this."""
    return HASHER.hash(secrets.token_urlsafe(16))


MIN_PASSWORD_LENGTH = 12


class StaffError(Exception):
    """A staff account cannot be added or changed as asked; the message says why."""


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=10)


def staff_by_name(session: Session, name: str) -> StaffMember | None:
    return session.scalar(select(StaffMember).where(StaffMember.name == name.strip()))


def checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")
    return HASHER.hash(password)


def _member(session: Session, name: str) -> StaffMember:
    member = staff_by_name(session, name)
    if member is None:
        raise StaffError(f"no staff member called {name!r}")
    return member


def _end_sessions(session: Session, member: StaffMember) -> None:
    session.execute(delete(StaffSession).where(StaffSession.staff_id == member.id))


def add_staff(session: Session, name: str, password: str, *, now: datetime, by: str,
              admin: bool = False) -> StaffMember:
    name = name.strip()
    if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise StaffError("a staff name must be 1 to 200 printable characters")
    password_hash = checked_password(password)
    if staff_by_name(session, name) is not None:
        raise StaffError(f"there is already a staff member called {name!r}")
    member = StaffMember(name=name, password_hash=password_hash, disabled=False,
                         created_at=now, updated_at=now, is_admin=admin, must_change_password=False)
    session.add(member)
    audit.record(session, at=now, actor=by, action="staff.added", staff=name, admin=admin)
    return member


def disable_staff(session: Session, name: str, *, now: datetime, by: str) -> None:
    """Disable the account and end every session it has, at once."""
    member = _member(session, name)
    member.disabled, member.updated_at = True, now
    _end_sessions(session, member)
    audit.record(session, at=now, actor=by, action="staff.disabled", staff=member.name)


def enable_staff(session: Session, name: str, *, now: datetime, by: str) -> None:
    """Let a disabled (or paused) member of staff log in again."""
    member = _member(session, name)
    member.disabled, member.updated_at = False, now
    lifted = lift_for(session, member.name)
    audit.record(session, at=now, actor=by, action="staff.enabled", staff=member.name, lifted=lifted)


def set_password(session: Session, name: str, password: str, *, now: datetime, by: str) -> None:
    """A new password (a forgotten one, or one that may be known to others): ends every session and lifts their
    log-in pauses."""
    member = _member(session, name)
    member.password_hash = checked_password(password)
    member.updated_at = now
    member.must_change_password = False
    _end_sessions(session, member)
    lifted = lift_for(session, member.name)
    audit.record(session, at=now, actor=by, action="staff.password_set", staff=member.name, lifted=lifted)


def verify_password(stored: str, password: str) -> bool:
    """Whether PASSWORD matches the argon2 hash STORED: the one place a password is checked, and counted."""
    global VERIFICATIONS
    VERIFICATIONS += 1
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


# How many argon2 verifications this process has done: the log-in throttle's tests read it, so they prove a
# paused attempt costs nothing rather than assuming it.
VERIFICATIONS = 0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, member: StaffMember, *, now: datetime) -> str:
    """A new session for MEMBER; returns the token for the cookie (it is not stored)."""
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=token_hash(token), staff_id=member.id, csrf_token=secrets.token_urlsafe(32),
                             created_at=now, last_seen_at=now))
    return token


# Writing last_seen_at on every request would make each page view a write; a minute's slack is plenty.
TOUCH_EVERY = timedelta(minutes=1)


def session_state(session: Session, token: str, *, now: datetime,
                  policy: SessionPolicy) -> tuple[StaffSession | None, str]:
    """The session for TOKEN and what to do about it, read only: "live", "touch" (live, and its last-seen time is
    worth writing), "expired" (ended by time or a disabled account: delete it) or "none"."""
    if not token:
        return None, "none"
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == token_hash(token)))
    if row is None:
        return None, "none"
    if now - row.last_seen_at > policy.idle or now - row.created_at > policy.absolute or row.staff.disabled:
        return row, "expired"
    return row, "touch" if now - row.last_seen_at > TOUCH_EVERY else "live"


def touch_session(session: Session, token: str, *, now: datetime) -> None:
    session.execute(update(StaffSession).where(StaffSession.token_hash == token_hash(token))
                    .values(last_seen_at=now))


def end_session(session: Session, token: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))


def set_flash(session: Session, token: str, value: str | None) -> None:
    """Keep VALUE (or nothing) as the one-off message of the staff session whose cookie is TOKEN."""
    session.execute(update(StaffSession).where(StaffSession.token_hash == token_hash(token)).values(flash=value))


def flash_of(session: Session, token: str) -> str | None:
    """The one-off message kept for the staff session whose cookie is TOKEN."""
    return session.scalar(select(StaffSession.flash).where(StaffSession.token_hash == token_hash(token)))
