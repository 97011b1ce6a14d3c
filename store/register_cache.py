"""The register as last read, kept in the process between messages while the register's version token stays the
same (migration 0015: a trigger on every register table gives the token a new random value in the transaction
that changes a row, whoever changes it: this process, another daemon, the web pages, an import, SQL by hand).

Asking costs one statement, the token, read in the caller's transaction (once: the transaction keeps its snapshot,
store/memo.py, until it changes the register itself through the session, a flush or a statement); what was read
under that token before is handed back without reading it again. Why this never serves a stale register:
- the token is read first and the rows after it, in the caller's transaction: rows read after a token can only be
  as new or newer, and anything newer committed meanwhile left another token behind, so the one they are kept
  under is never current again;
- rows are read with Core, never through the session's identity map (whose objects SQLAlchemy does not refresh
  and could be older than the token);
- a transaction's own change to the register gives it a token nobody else will see unless it commits (random: a
  rolled-back token is never taken again), so what it reads of its own changes is kept under that token only;
- a store without the version row (emptied behind the migrations' back) is read afresh every time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ScalarSelect, Select, event, select
from sqlalchemy.orm import ORMExecuteState, Session

from parsers.register_words import OrgEntry, UserEntry
from parsers.vocabulary.org_status import OrgStatus
from parsers.vocabulary.roles import ORGANISATION_MAINTENANCE, OrgType, Role
from rules.register import OrgRecord, SignatoryRecord, UserRecord
from store.memo import forget as forget_memo
from store.memo import memo
from store.models import Application, Organisation, RegisterVersion, Signatory, User, user_applications

VERSION_ROW = 1
KEPT = 4  # snapshots kept (one per store and token): the newest few, for a process using several stores

T = TypeVar("T")
_MEMO = "register_snapshot"
REGISTER_MODELS = (Organisation, User, Application, Signatory)
REGISTER_TABLES = frozenset({"organisations", "users", "user_applications", "applications", "signatories"})


@dataclass(frozen=True)
class CachedOrg:
    """One organisation as the checks see it, with the row ids a change to it needs."""

    record: OrgRecord
    org_id: int
    user_ids: dict[str, int]  # username, lower-cased -> users.id


@dataclass
class Snapshot:
    """What has been read of the register under one token (filled as it is asked for)."""

    token: str
    catalogue: tuple[str, ...] | None = None  # every application name, in the store's order
    organisations: tuple[OrgEntry, ...] | None = None
    orgs: dict[str, CachedOrg | None] = field(default_factory=dict)  # by code; None: not in the register
    users: dict[str, tuple[UserEntry, ...]] = field(default_factory=dict)  # by organisation code

    def org(self, session: Session, code: str) -> CachedOrg | None:
        return _filled(self.orgs, code, lambda: _read_org(session, code))

    def users_of(self, session: Session, code: str) -> tuple[UserEntry, ...]:
        return _filled(self.users, code, lambda: read_users(session, code))


_LOCK = threading.Lock()
_HELD: OrderedDict[tuple[str, str], Snapshot] = OrderedDict()


def snapshot(session: Session) -> Snapshot | None:
    """The snapshot of the register as SESSION's transaction sees it (one statement, the first time in the
    transaction), or None when the store has no version row (then read the register afresh)."""
    held = memo(session).get(_MEMO)
    if held is not None:
        if _register_rows_pending(session):
            session.flush()  # a change to the register still pending forgets the transaction's snapshot first
        held = memo(session).get(_MEMO)
    if held is not None:
        return held
    return adopt(session, session.scalar(_token()))


def token_query() -> ScalarSelect[Any]:
    """The register's token, for a statement that reads or writes other things too (store.cases.next_case):
    hand its value to `adopt`."""
    return _token().scalar_subquery()


def _token() -> Select[str]:
    return select(RegisterVersion.token).where(RegisterVersion.id == VERSION_ROW)


def adopt(session: Session, token: str | None) -> Snapshot | None:
    """The snapshot under TOKEN, read in SESSION's transaction, becomes the transaction's (unless it has one
    already: it keeps that until it changes the register)."""
    held = memo(session).get(_MEMO)
    if held is not None or token is None:
        return held
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), token)
    with _LOCK:
        held = _HELD.get(key)
        if held is None:
            held = _HELD[key] = Snapshot(token)
            while len(_HELD) > KEPT:
                _HELD.popitem(last=False)
        else:
            _HELD.move_to_end(key)
    memo(session)[_MEMO] = held
    return held


def _register_rows_pending(session: Session) -> bool:
    """Whether a flush would write a register row (flushing for nothing else: a case waiting to be inserted
    with all it says, store.cases.next_case, is not written early)."""
    return any(isinstance(obj, REGISTER_MODELS) for obj in (*session.new, *session.dirty, *session.deleted))


def forget(session: Session) -> None:
    """SESSION's transaction changed the register: ask the token again next time."""
    forget_memo(session, _MEMO)


@event.listens_for(Session, "before_flush")
def _forget_before_register_writes(session: Session, _context: Any, _instances: Any) -> None:
    if _register_rows_pending(session):
        forget(session)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_register_statements(state: ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None)
    if (state.is_insert or state.is_update or state.is_delete) and getattr(table, "name", None) in REGISTER_TABLES:
        forget(state.session)


def catalogue(session: Session, snap: Snapshot) -> tuple[str, ...]:
    """Every application name in SNAP, in the store's order (read under its token the first time)."""
    if snap.catalogue is None:
        snap.catalogue = tuple(session.scalars(select(Application.name).order_by(Application.name)))
    return snap.catalogue


def has_organisation_maintenance(names: tuple[str, ...]) -> bool:
    return any(n.lower() == ORGANISATION_MAINTENANCE.lower() for n in names)


def organisations(session: Session, snap: Snapshot) -> tuple[OrgEntry, ...]:
    if snap.organisations is None:
        snap.organisations = tuple(OrgEntry(code, name) for code, name in session.execute(
            select(Organisation.code, Organisation.name).order_by(Organisation.code)))
    return snap.organisations


def _filled(held: dict[str, T], code: str, read: Callable[[], T]) -> T:
    key = code.strip().upper()
    if key not in held:
        held[key] = read()  # two threads may both read it: the same rows, so either may stay
    return held[key]


def _read_org(session: Session, code: str) -> CachedOrg | None:
    """ORG and its users with their grants (one statement), its signatories (a second)."""
    rows = session.execute(
        select(Organisation.id, Organisation.name, Organisation.type, Organisation.status, User.id, User.username,
               User.full_name, User.email, User.status, User.is_primary, Application.name)
        .select_from(Organisation)
        .outerjoin(User, User.organisation_id == Organisation.id)
        .outerjoin(user_applications, user_applications.c.user_id == User.id)
        .outerjoin(Application, Application.id == user_applications.c.application_id)
        .where(Organisation.code == code.strip().upper())
        .order_by(User.username, User.id)
    ).all()
    if not rows:
        return None
    org_id, name, type_, status = rows[0][:4]
    users: dict[int, tuple[tuple[str, str, str, str, bool], set[str]]] = {}
    for row in rows:
        user_id = row[4]
        if user_id is None:
            continue
        entry = users.setdefault(user_id, ((row[5], row[6], row[7], row[8], bool(row[9])), set()))
        if row[10] is not None:
            entry[1].add(row[10])
    signatories = tuple(
        SignatoryRecord(full_name=s_name, email=email, role=Role(role)) for s_name, email, role in session.execute(
            select(Signatory.full_name, Signatory.email, Signatory.role)
            .where(Signatory.organisation_id == org_id).order_by(Signatory.id)))
    record = OrgRecord(
        code=code.strip().upper(), name=name, type=OrgType(type_),
        users=tuple(UserRecord(username=u[0], full_name=u[1], email=u[2], status=u[3], primary=u[4],
                               applications=frozenset(apps)) for u, apps in users.values()),
        signatories=signatories, status=OrgStatus(status))
    return CachedOrg(record, org_id, {u[0].lower(): user_id for user_id, (u, _) in users.items()})


def read_users(session: Session, code: str) -> tuple[UserEntry, ...]:
    rows = session.execute(select(User.username, User.full_name, User.email, User.status)
                           .join(Organisation, Organisation.id == User.organisation_id)
                           .where(Organisation.code == code.strip().upper()).order_by(User.username))
    return tuple(UserEntry(username, full_name, email, status) for username, full_name, email, status in rows)
