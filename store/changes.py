"""Applying an approved request to the register, inside the transaction that records its case.

Each function returns what it changed, in words for the case and the `process` output, and the accounts that need
a temporary password; the password itself is made only when its email is sent (see docs/architecture.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from parsers.vocabulary.roles import ORGANISATION_MAINTENANCE
from rules.register import UserRecord
from rules.requests import NewUserNotice, PermissionRequest, PrimaryUserRequest
from store import audit, register_cache
from store.models import Organisation, User, user_applications
from store.precompiled import Precompiled
from store.register import ensure_applications, organisation


class ApplyConflict(Exception):
    """The store cannot take the change as asked (found only when applying); the case goes to a person. Always
    raised before the apply function changes anything, so nothing needs undoing."""


@dataclass
class Applied:
    changes: list[str] = field(default_factory=list)
    needs_password: list[User] = field(default_factory=list)  # new or reactivated accounts
    made_primary: User | None = None
    demoted: User | None = None
    granted: list[str] = field(default_factory=list)
    already_held: list[str] = field(default_factory=list)
    user: User | UserRecord | None = None  # a permission request's: as the register snapshot had it
    creator: User | None = None  # a notice's creator, at their address on record


def _org(session: Session, code: str) -> Organisation:
    org = organisation(session, code)
    if org is None:  # the checks passed org.known, so the register changed underneath us
        raise ApplyConflict(f"organisation {code} is no longer in the register")
    return org


def _user_in(org: Organisation, email_or_username: str) -> User | None:
    key = email_or_username.strip().lower()
    return next((u for u in org.users if u.email == key or u.username.lower() == key), None)


def new_username(session: Session, full_name: str) -> str:
    """Open Exeter style: first initial and surname, upper case, and the lowest free number (JSMITH1)."""
    words = [re.sub(r"[^A-Za-z]", "", w) for w in full_name.split()]
    words = [w for w in words if w] or ["USER"]
    stem = (words[0][0] + words[-1] if len(words) > 1 else words[0])[:10].upper()
    taken = set(session.scalars(select(func.upper(User.username)).where(func.upper(User.username).like(f"{stem}%"))))
    n = 1
    while f"{stem}{n}" in taken:
        n += 1
    return f"{stem}{n}"


def _grant(session: Session, user: User, names: list[str]) -> tuple[list[str], list[str]]:
    """Add applications to USER; returns (granted, already held), by catalogue name."""
    apps = ensure_applications(session, names)
    held = {a.id for a in user.applications}
    granted, already = [], []
    for name in names:
        app = apps[name.lower()]
        if app.id in held:
            already.append(app.name)
        else:
            user.applications.append(app)
            held.add(app.id)
            granted.append(app.name)
    return granted, already


def _audit(session: Session, now: datetime, actor: str, case_id: int | None, org: Organisation, action: str,
           **detail: object) -> None:
    _audit_code(session, now, actor, case_id, org.code, action, **detail)


def _audit_code(session: Session, now: datetime, actor: str, case_id: int | None, org_code: str, action: str,
                **detail: object) -> None:
    audit.record(session, at=now, actor=actor, action=action, case_id=case_id, org_code=org_code, **detail)


def apply_primary_user(session: Session, request: PrimaryUserRequest, *, now: datetime, actor: str,
                       case_id: int | None) -> Applied:
    org = _org(session, request.org_code)
    done = Applied()
    nominee = _user_in(org, request.pu_email)
    old = _user_in(org, request.pu_replaces) if request.pu_request == "replacement" and request.pu_replaces else None
    demotes = old is not None and old.is_primary and old is not nominee
    # Refused before anything changes, so the caller needs no savepoint to undo half a change.
    active_primaries = 1 + sum(1 for u in org.users if u.status == "active" and u.is_primary and u is not nominee
                               and not (demotes and u is old))
    if active_primaries > 2:  # the checks said otherwise: the register changed underneath us
        raise ApplyConflict(f"{org.code} would have {active_primaries} active Primary Users")
    if nominee is None:
        nominee = User(organisation=org, username=new_username(session, request.pu_full_name),
                       full_name=request.pu_full_name, email=request.pu_email.lower(), status="active",
                       is_primary=True, must_change_password=True, created_at=now, updated_at=now)
        session.add(nominee)
        session.flush()
        done.needs_password.append(nominee)
        done.changes.append(
            f"created user {nominee.username} ({nominee.email}) as an active Primary User of {org.code}")
        _audit(session, now, actor, case_id, org, "user.created", username=nominee.username, primary=True)
    else:
        if nominee.status != "active":
            done.needs_password.append(nominee)  # reactivated: their old password is not to be relied on
            nominee.must_change_password = True
            done.changes.append(f"{nominee.username}: status {nominee.status} -> active")
        done.changes.append(f"{nominee.username}: made a Primary User of {org.code}")
        nominee.status, nominee.is_primary, nominee.updated_at = "active", True, now
        _audit(session, now, actor, case_id, org, "user.made_primary", username=nominee.username)
    granted, _ = _grant(session, nominee, [ORGANISATION_MAINTENANCE])
    done.changes += [f"{nominee.username}: granted {g}" for g in granted]
    done.made_primary = done.user = nominee
    if demotes and old is not None:
        old.is_primary, old.updated_at = False, now
        old.applications = [a for a in old.applications if a.name != ORGANISATION_MAINTENANCE]
        done.demoted = old
        done.changes.append(f"{old.username}: no longer a Primary User; Organisation Maintenance removed")
        _audit(session, now, actor, case_id, org, "user.primary_removed", username=old.username,
               replaced_by=nominee.username)
    return done


def apply_permissions(session: Session, request: PermissionRequest, *, now: datetime, actor: str,
                      case_id: int | None) -> Applied:
    """Grant REQUEST's applications, working from the register snapshot the checks read (store/register_cache.py:
    no statement when every one is held already; else the grants in one statement and the user's updated_at in
    another)."""
    snap = register_cache.snapshot(session)
    cached = snap.org(session, request.org_code) if snap is not None else None
    if snap is None:
        return _apply_permissions_afresh(session, request, now=now, actor=actor, case_id=case_id)
    if cached is None:
        raise ApplyConflict(f"organisation {request.org_code} is no longer in the register")
    user = cached.record.user(request.user)
    if user is None or not user.active:
        raise ApplyConflict(f"{request.user} is no longer an active user of {cached.record.code}")
    held = {name.lower(): name for name in user.applications}
    wanted = list(dict.fromkeys(request.applications))
    missing = [name for name in wanted if name.lower() not in held]
    apps = ensure_applications(session, missing) if missing else {}
    done = Applied(user=user)
    for name in wanted:
        if name.lower() in held:
            done.already_held.append(held[name.lower()])
        elif apps[name.lower()].name not in done.granted:
            done.granted.append(apps[name.lower()].name)
    if done.granted:
        user_id = cached.user_ids[user.username.lower()]
        connection = session.connection()
        _GRANT.execute_all(connection, [{"user_id": user_id, "application_id": apps[n.lower()].id}
                                        for n in dict.fromkeys(n.lower() for n in missing)])
        _TOUCH_USER.execute(connection, {"user_id": user_id, "now": now})
        register_cache.forget(session)  # (sent on the connection, the session's statement hook does not see them)
        loaded = session.identity_map.get(session.identity_key(User, user_id))
        if loaded is not None:  # the session's copy no longer says what the user holds
            session.expire(loaded)
    done.changes += [f"{user.username}: granted {g}" for g in done.granted]
    done.changes += [f"{user.username}: already had {a}" for a in done.already_held]
    _audit_code(session, now, actor, case_id, cached.record.code, "user.applications_granted",
                username=user.username, granted=done.granted, already_held=done.already_held)
    return done


# A grant's two statements, precompiled (store/precompiled.py): a permission request granting something is the
# commonest change a message makes.
_GRANT = Precompiled(insert(user_applications), ("user_id", "application_id"))
_TOUCH_USER = Precompiled(
    update(User).where(User.id == bindparam("user_id"))
    .values(updated_at=bindparam("now", type_=User.__table__.c.updated_at.type)), ("user_id", "now"))


def _apply_permissions_afresh(session: Session, request: PermissionRequest, *, now: datetime, actor: str,
                              case_id: int | None) -> Applied:
    """apply_permissions through the session's rows (a store without the register's version row)."""
    org = _org(session, request.org_code)
    user = _user_in(org, request.user)
    if user is None or user.status != "active":
        raise ApplyConflict(f"{request.user} is no longer an active user of {org.code}")
    done = Applied(user=user)
    done.granted, done.already_held = _grant(session, user, list(request.applications))
    if done.granted:
        user.updated_at = now
    done.changes += [f"{user.username}: granted {g}" for g in done.granted]
    done.changes += [f"{user.username}: already had {a}" for a in done.already_held]
    _audit(session, now, actor, case_id, org, "user.applications_granted", username=user.username,
           granted=done.granted, already_held=done.already_held)
    return done


def apply_notice(session: Session, notice: NewUserNotice, *, now: datetime, actor: str,
                 case_id: int | None) -> Applied:
    org = _org(session, notice.org_code)
    email = notice.email.strip().lower()
    # The creator is told at their address on record, if they have one there (staff may approve a notice whose
    # creator is not a Primary User); never at an address taken from the notice.
    creator = next((u for u in org.users if u.email == notice.created_by.strip().lower() and u.status == "active"),
                   None)
    holders = list(session.scalars(select(User).where(
        (func.lower(User.username) == notice.username.lower()) | (User.email == email))))
    user = holders[0] if len(holders) == 1 else None
    # A notice never changes an existing user (SPEC 7): it may only authorise the very user PCSE holds as pending
    # with that address. Checked again here, as the last line: a wrong address would receive a password.
    if holders and not (user is not None and user.organisation_id == org.id and user.status == "pending"
                        and user.email == email and user.username.lower() == notice.username.lower()):
        names = ", ".join(f"{u.username} ({u.email}, {u.status})" for u in holders)
        raise ApplyConflict(f"{notice.username} or {email} already belongs to {names}")
    done = Applied(creator=creator)
    if user is None:
        user = User(organisation=org, username=notice.username, full_name=notice.full_name or notice.username,
                    email=email, status="active", is_primary=False, must_change_password=True,
                    created_at=now, updated_at=now)
        session.add(user)
        session.flush()
        done.changes.append(f"created user {user.username} ({user.email}) in {org.code}, active")
    else:
        done.changes.append(f"{user.username}: status pending -> active")
        user.status, user.must_change_password, user.updated_at = "active", True, now
    done.needs_password.append(user)
    done.user = user
    done.granted, done.already_held = _grant(session, user, list(notice.applications))
    done.changes += [f"{user.username}: granted {g}" for g in done.granted]
    _audit(session, now, actor, case_id, org, "user.activated_from_notice", username=user.username,
           created_by=notice.created_by, granted=done.granted)
    return done
