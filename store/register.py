"""Queries and changes on the register: organisations, users, grants, the catalogue, signatories."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from parsers.register_words import OrgEntry, UserEntry
from parsers.vocabulary.org_status import OrgStatus
from parsers.vocabulary.roles import ORGANISATION_MAINTENANCE, OrgType, Role
from rules.register import OrgRecord, RegisterView, SignatoryRecord, UserRecord
from rules.requests import NewUserNotice
from store import register_cache
from store.memo import forget, memo
from store.models import Application, Organisation, Signatory, User


def organisations_by_code(session: Session, codes: Iterable[str]) -> dict[str, Organisation]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.scalars(select(Organisation).where(Organisation.code.in_(wanted)))
    return {o.code: o for o in rows}


def organisation(session: Session, code: str) -> Organisation | None:
    """The organisation CODE with its users, their grants and its signatories: two statements, the first time in a
    transaction; again in the same transaction, none (store/memo.py: the rows are the session's already)."""
    code = code.strip().upper()
    known = memo(session).setdefault("organisations", {})
    if code in known:
        return known[code]
    org = session.scalars(
        select(Organisation)
        .where(Organisation.code == code)
        .options(joinedload(Organisation.users).joinedload(User.applications),
                 selectinload(Organisation.signatories))
    ).unique().one_or_none()
    known = memo(session).setdefault("organisations", {})  # the query may have begun the transaction
    known[code] = org
    return org


def users_by_username(session: Session, usernames: Iterable[str]) -> dict[str, User]:
    wanted = sorted({u.lower() for u in usernames})
    if not wanted:
        return {}
    rows = session.scalars(
        select(User).where(func.lower(User.username).in_(wanted)).options(selectinload(User.applications))
    )
    return {u.username.lower(): u for u in rows}


def ensure_applications(session: Session, names: Iterable[str]) -> dict[str, Application]:
    """The catalogue entries for NAMES (matched without regard to case), adding those not there yet. No statement
    when the transaction has read the whole catalogue already and holds them all."""
    wanted = {n.lower(): n for n in names}
    held = memo(session).get("catalogue")
    if held is not None and all(key in held for key in wanted):
        return {key: held[key] for key in wanted}
    found = {a.name.lower(): a for a in session.scalars(
        select(Application).where(func.lower(Application.name).in_(sorted(wanted)))
    )} if wanted else {}
    added = False
    for key, name in wanted.items():
        if key not in found:
            app = Application(name=name)
            session.add(app)
            found[key] = app
            added = True
    if added:
        session.flush()  # their ids
        forget(session, "catalogue")
    return found


def application_names(session: Session) -> set[str]:
    """Every catalogue name, lower-cased, for matching without regard to case."""
    return {n.lower() for n in session.scalars(select(Application.name))}


def catalogue_names(session: Session) -> tuple[str, ...]:
    """The catalogue as it stands, read only (`Organisation Maintenance` included even before it is stored)."""
    return register_cache.catalogue_of(session, register_cache.snapshot(session))


def catalogue(session: Session) -> list[str]:
    """Every application name, `Organisation Maintenance` always among them (added to the store when missing).
    One statement; the entries are kept for the transaction, so granting them later reads nothing more."""
    apps = list(session.scalars(select(Application).order_by(Application.name)))
    if not any(a.name.lower() == ORGANISATION_MAINTENANCE.lower() for a in apps):
        ensure_applications(session, [ORGANISATION_MAINTENANCE])
        apps = list(session.scalars(select(Application).order_by(Application.name)))
    memo(session)["catalogue"] = {a.name.lower(): a for a in apps}
    return [a.name for a in apps]


def set_applications(user: User, apps: list[Application]) -> bool:
    """Give USER exactly APPS; True when that changed anything."""
    if {a.id for a in user.applications} == {a.id for a in apps}:
        return False
    user.applications = sorted(apps, key=lambda a: a.name)
    return True


def assign(obj: Any, now: datetime, **values: Any) -> bool:
    """Set attributes that differ; bump updated_at only when something changed (re-imports stay quiet)."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    if changed and hasattr(obj, "updated_at"):
        obj.updated_at = now
    return changed


def find_signatory(session: Session, org: Organisation, role: str, email: str, full_name: str) -> Signatory | None:
    """The register entry for this person in this role: by email, or by name where the email is not known."""
    query = select(Signatory).where(Signatory.organisation_id == org.id, Signatory.role == role)
    if email:
        query = query.where(Signatory.email == email)
    else:
        query = query.where(Signatory.email == "", func.lower(Signatory.full_name) == full_name.lower())
    return session.scalars(query.limit(1)).one_or_none()


def organisation_view(org: Organisation) -> dict[str, Any]:
    """The `org show --json` document of SPEC 15, and `status` when the organisation is not active (issue 16: the
    ODS status). SPEC 15 fixes the document, so an active organisation's is exactly SPEC 15's."""
    view: dict[str, Any] = {
        "code": org.code,
        "name": org.name,
        "type": org.type,
        "users": [
            {
                "username": u.username,
                "full_name": u.full_name,
                "email": u.email,
                "status": u.status,
                "primary": u.is_primary,
                "applications": sorted((a.name for a in u.applications), key=str.casefold),
            }
            # Sorted here, not by the database: SQLite and PostgreSQL collate differently.
            for u in sorted(org.users, key=lambda u: u.username.casefold())
        ],
    }
    if org.status != OrgStatus.ACTIVE.value:
        view["status"] = org.status
    return view


def org_record(org: Organisation) -> OrgRecord:
    """The plain snapshot of ORG the checks read (rules never see database rows)."""
    return OrgRecord(
        code=org.code,
        name=org.name,
        type=OrgType(org.type),
        users=tuple(_user_record(u) for u in org.users),
        signatories=tuple(SignatoryRecord(full_name=s.full_name, email=s.email, role=Role(s.role))
                          for s in org.signatories),
        status=OrgStatus(org.status),
    )


def _user_record(u: User) -> UserRecord:
    return UserRecord(username=u.username, full_name=u.full_name, email=u.email, status=u.status,
                      primary=u.is_primary, applications=frozenset(a.name for a in u.applications))


def register_view(session: Session, org_code: str, identities: Iterable[str] = ()) -> RegisterView:
    """What the checks may know of the register for a request of ORG_CODE; IDENTITIES (usernames or addresses)
    are also looked for among other organisations' users. One statement when the register has not changed since
    it was last read (store/register_cache.py), none when the transaction has its token already."""
    snap = register_cache.snapshot(session)
    names = register_cache.catalogue(session, snap) if snap is not None else ()
    if snap is None or not register_cache.has_organisation_maintenance(names):
        return _register_view_afresh(session, org_code, identities)
    cached = snap.org(session, org_code) if org_code else None
    return RegisterView(org=cached.record if cached is not None else None, catalogue=names,
                        elsewhere=_elsewhere(session, identities, cached.org_id if cached is not None else None))


def _register_view_afresh(session: Session, org_code: str, identities: Iterable[str]) -> RegisterView:
    """register_view through the session's rows (adding `Organisation Maintenance` to the catalogue if missing)."""
    org = organisation(session, org_code) if org_code else None
    return RegisterView(org=org_record(org) if org is not None else None, catalogue=tuple(catalogue(session)),
                        elsewhere=_elsewhere(session, identities, org.id if org is not None else None))


def _elsewhere(session: Session, identities: Iterable[str], org_id: int | None) -> tuple[UserRecord, ...]:
    """Users of organisations other than ORG_ID known by any of IDENTITIES."""
    keys = sorted({i.strip().lower() for i in identities if i.strip()})
    if not keys:
        return ()
    query = (select(User).where(func.lower(User.username).in_(keys) | User.email.in_(keys))
             .options(selectinload(User.applications)))
    if org_id is not None:
        query = query.where(User.organisation_id != org_id)
    return tuple(_user_record(u) for u in session.scalars(query.order_by(User.id)))


def register_for(session: Session, request: Any) -> RegisterView:
    """The register view REQUEST's checks need: its organisation, and for a new-user notice whoever already holds
    its username or address anywhere (SPEC 7)."""
    org_code = getattr(request, "org_code", "") or ""
    identities = (request.username, request.email) if isinstance(request, NewUserNotice) else ()
    return register_view(session, org_code, identities)


def organisation_entries(session: Session) -> tuple[OrgEntry, ...]:
    """Every organisation's code and name, for the request reader (users are read per organisation)."""
    return register_cache.organisations_of(session, register_cache.snapshot(session))


def user_entries(session: Session, code: str) -> tuple[UserEntry, ...]:
    """The users of the organisation CODE, for the request reader; none when it is not known."""
    return register_cache.users_of(session, register_cache.snapshot(session), code)
