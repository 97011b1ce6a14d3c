"""The register as last read, kept in the process between messages while the register's version token stays the
same (migration 0015: a trigger on every register table gives the token a new random value in the transaction
that changes a row, whoever changes it: this process, another daemon, the web pages, an import, SQL by hand).

Asking costs one statement, the token, read in the caller's transaction (once: the transaction keeps its snapshot,
store/memo.py, until it changes the register itself through the session, a flush or a statement); what was read
under that token before is handed back without reading it again. A look at the register outside any transaction
(RegisterLook, for understanding a message) asks nothing when it can presume: it takes the token this process last
read of the store, unless this process has changed the register since, and notes what it reads; the recording
transaction, which reads the token anyway, checks those reads against the register as it finds it
(`reads_the_same`), so a message is never recorded on an understanding the register has moved from. Why this never
serves a stale register:
- the token is read first and the rows after it, in the caller's transaction: rows read after a token can only be
  as new or newer, and anything newer committed meanwhile left another token behind, so the one they are kept
  under is never current again;
- rows are read with Core, never through the session's identity map (whose objects SQLAlchemy does not refresh
  and could be older than the token);
- a transaction's own change to the register gives it a token nobody else will see unless it commits (random: a
  rolled-back token is never taken again), so what it reads of its own changes is kept under that token only;
- a store without the version row (emptied behind the migrations' back) is read afresh every time;
- only a token read outside any transaction, or by the recording transaction before it changed anything of the
  register (`changed_in`: a transaction recording several messages may have changed it for an earlier one), is
  ever presumed (a transaction's own token is not yet, and may never be, what others read); and what
  a look reads under a presumed token no longer current is kept under a token never current again, as above.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, ScalarSelect, Select, event, select
from sqlalchemy.orm import ORMExecuteState, Session

from parsers.register_words import OrgEntry, UserEntry
from parsers.vocabulary.org_status import OrgStatus
from parsers.vocabulary.roles import ORGANISATION_MAINTENANCE, OrgType, Role
from rules.register import OrgRecord, SignatoryRecord, UserRecord
from store.memo import forget as forget_memo
from store.memo import memo
from store.models import Application, Organisation, RegisterVersion, Signatory, User, user_applications
from store.organisation_list import organisation_rows, read_organisations, same_as_before

VERSION_ROW = 1
KEPT = 4  # snapshots kept (one per store and token): the newest few, for a process using several stores

T = TypeVar("T")
Reader = Session | Connection  # what the register's rows are read through (Core statements either way)
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
    catalogue_words: tuple[str, ...] | None = None  # the catalogue as the request reader knows it (catalogue_words)

    def org(self, session: Session, code: str) -> CachedOrg | None:
        return _filled(self.orgs, code, lambda: _read_org(session, code))

    def users_of(self, reader: Reader, code: str) -> tuple[UserEntry, ...]:
        return _filled(self.users, code, lambda: read_users(reader, code))


_LOCK = threading.Lock()
_HELD: OrderedDict[tuple[str, str], Snapshot] = OrderedDict()
# By store: the token this process last read of it, as others read it too (see above), for a look to presume.
_PRESUMED: dict[str, str] = {}


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
    return _TOKEN


# Made once: building a statement costs more than SQLite takes to run it.
_TOKEN = select(RegisterVersion.token).where(RegisterVersion.id == VERSION_ROW)
# The same, as the driver's own SQL for a look at the register (RegisterLook): no statement cache key to make.
_TOKEN_SQL = (f"SELECT {RegisterVersion.token.name} FROM {RegisterVersion.__tablename__} "
              f"WHERE {RegisterVersion.id.name} = {VERSION_ROW}")


def adopt(session: Session, token: str | None) -> Snapshot | None:
    """The snapshot under TOKEN, read in SESSION's transaction, becomes the transaction's (unless it has one
    already: it keeps that until it changes the register)."""
    held = memo(session).get(_MEMO)
    if held is not None or token is None:
        return held
    held = kept(session.get_bind().engine, token)
    memo(session)[_MEMO] = held
    return held


def _name(store: Engine) -> str:
    """STORE's name for the snapshots kept (under _LOCK)."""
    name = _STORE_NAMES.get(store)
    if name is None:  # (a URL is hashed by rendering it: once per engine)
        name = _STORE_NAMES[store] = store.url.render_as_string(hide_password=True)
    return name


def presume(store: Engine, token: str | None) -> None:
    """TOKEN was read of STORE, by a look or by a transaction before it changed anything of the register (the
    recording's, mailbot.processing.record, which says so): the next look may presume it (None: the next look
    asks, as after a change of this process's own, whose token is not known here)."""
    with _LOCK:
        if token is None:
            _PRESUMED.pop(_name(store), None)
        else:
            _PRESUMED[_name(store)] = token


def forget_store(store: Engine) -> None:
    """Nothing kept of STORE's register any more, nor its token presumed: for a store emptied behind the tokens'
    back (TRUNCATE fires no trigger, and its version row is then made again with a fixed token: the tests')."""
    with _LOCK:
        name = _name(store)
        _PRESUMED.pop(name, None)
        for key in [key for key in _HELD if key[0] == name]:
            del _HELD[key]


def presumed(store: Engine) -> str | None:
    with _LOCK:
        return _PRESUMED.get(_name(store))


def kept(store: Engine, token: str) -> Snapshot:
    """The snapshot of STORE's register under TOKEN, the one kept when there is one."""
    with _LOCK:
        key = (_name(store), token)
        held = _HELD.get(key)
        if held is None:
            held = _HELD[key] = Snapshot(token)
            while len(_HELD) > KEPT:
                _HELD.popitem(last=False)
        else:
            _HELD.move_to_end(key)
    return held


_STORE_NAMES: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _register_rows_pending(session: Session) -> bool:
    """Whether a flush would write a register row (flushing for nothing else: a case waiting to be inserted
    with all it says, store.cases.next_case, is not written early)."""
    # Read from the session's own dicts, as its new, dirty and deleted sets are made from them (those sets, built
    # afresh for each ask, cost calls at every flush and every look of every message). Plain loops: no generator.
    for obj in session._new.values():
        if isinstance(obj, REGISTER_MODELS):
            return True
    for obj in session._deleted.values():
        if isinstance(obj, REGISTER_MODELS):
            return True
    for state in session._dirty_states:  # noqa: SIM110 - (Session.dirty: these, less the deleted, seen above)
        if isinstance(state.obj(), REGISTER_MODELS):
            return True
    return False


def forget(session: Session) -> None:
    """SESSION's transaction changed the register: ask the token again next time, and the next look too."""
    forget_memo(session, _MEMO)
    presume(session.get_bind().engine, None)
    session.info[_CHANGED_IN] = session.get_transaction()


_CHANGED_IN = "register_cache.changed_in"  # the outermost transaction of the session that last changed the register


def changed_in(session: Session) -> bool:
    """Whether SESSION's transaction has changed the register (in a savepoint since rolled back too): the token it
    reads is then its own, which others may never read, so not one to presume. (A group of messages recorded in
    one transaction, mailbot.intake.recording_group: a message's recording reads the token after those before it
    in the group may have changed the register.)"""
    changed = session.info.get(_CHANGED_IN)
    return changed is not None and changed is session.get_transaction()


@event.listens_for(Session, "before_flush")
def _forget_before_register_writes(session: Session, _context: Any, _instances: Any) -> None:
    if _register_rows_pending(session):
        forget(session)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_register_statements(state: ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None)
    if (state.is_insert or state.is_update or state.is_delete) and getattr(table, "name", None) in REGISTER_TABLES:
        forget(state.session)


def catalogue(reader: Reader, snap: Snapshot) -> tuple[str, ...]:
    """Every application name in SNAP, in the store's order (read under its token the first time)."""
    if snap.catalogue is None:
        snap.catalogue = tuple(reader.scalars(select(Application.name).order_by(Application.name)))
    return snap.catalogue


def catalogue_words(stored: Iterable[str]) -> tuple[str, ...]:
    """The catalogue's names for the request reader: `Organisation Maintenance` among them even before it is
    stored, sorted without regard to case."""
    return tuple(sorted(set(stored) | {ORGANISATION_MAINTENANCE}, key=str.casefold))


def has_organisation_maintenance(names: tuple[str, ...]) -> bool:
    return any(n.lower() == ORGANISATION_MAINTENANCE.lower() for n in names)


def organisations(reader: Reader, snap: Snapshot) -> tuple[OrgEntry, ...]:
    if snap.organisations is None:
        snap.organisations = same_as_before(organisation_rows(reader), KEPT)
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


def read_users(reader: Reader, code: str) -> tuple[UserEntry, ...]:
    rows = reader.execute(select(User.username, User.full_name, User.email, User.status)
                           .join(Organisation, Organisation.id == User.organisation_id)
                           .where(Organisation.code == code.strip().upper()).order_by(User.username))
    return tuple(UserEntry(username, full_name, email, status) for username, full_name, email, status in rows)


Read = tuple[str, tuple[str, ...], Any]  # a look-up a look made: its name, its arguments and its answer


class RegisterLook:
    """One look at the register outside any transaction, for understanding one message: its token presumed (see
    above) or else asked once (the first time anything is asked), what was read under that token before handed
    back without a statement; each look-up noted in READS, for the recording transaction to check
    (`reads_the_same`). Through CONNECTION, which on SQLite sends no BEGIN (store.db.single_reads)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.reads: list[Read] = []
        self._asked = False
        self._snap: Snapshot | None = None

    def _snapshot(self) -> Snapshot | None:
        """None when the store has no version row: everything is then read afresh."""
        if not self._asked:
            store = self.connection.engine
            token = presumed(store)
            if token is None:
                token = self.connection.exec_driver_sql(_TOKEN_SQL).scalar()
                presume(store, token)
            self._snap = kept(store, token) if token is not None else None
            self._asked = True
        return self._snap

    def _noted(self, name: str, args: tuple[str, ...], answer: T) -> T:
        self.reads.append((name, args, answer))
        return answer

    def catalogue(self) -> tuple[str, ...]:
        return self._noted("catalogue", (), catalogue_of(self.connection, self._snapshot()))

    def organisations(self) -> tuple[OrgEntry, ...]:
        return self._noted("organisations", (), organisations_of(self.connection, self._snapshot()))

    def users_of(self, code: str) -> tuple[UserEntry, ...]:
        return self._noted("users_of", (code,), users_of(self.connection, self._snapshot(), code))


def reads_the_same(session: Session, reads: Iterable[Read]) -> bool:
    """Whether every look-up of READS (a look's) gives the same answer in SESSION's transaction, on the register
    as it finds it. Under the token they were read under, the very answers kept, so no statement; under another
    (the register changed since, or the look presumed a token no longer current) each is read again, once, and
    compared (one made twice with two answers cannot give both, so is never the same)."""
    snap = snapshot(session)
    connection = session.connection()
    now: dict[tuple[str, tuple[str, ...]], Any] = {}
    for name, args, answer in reads:
        key = (name, args)
        if key not in now:
            now[key] = _LOOKUPS[name](connection, snap, *args)
        if now[key] is not answer and now[key] != answer:
            return False
    return True


# What the request reader reads of the register, through READER: under SNAP's token what was read before (nothing
# read again), or afresh when the store has no version row (SNAP None). For a look at the register (RegisterLook)
# and a session's transaction (store.register) alike.
def catalogue_of(reader: Reader, snap: Snapshot | None) -> tuple[str, ...]:
    if snap is None:
        return catalogue_words(reader.scalars(select(Application.name)))
    if snap.catalogue_words is None:  # two threads may both make it: the same words, so either may stay
        snap.catalogue_words = catalogue_words(catalogue(reader, snap))
    return snap.catalogue_words


def organisations_of(reader: Reader, snap: Snapshot | None) -> tuple[OrgEntry, ...]:
    return organisations(reader, snap) if snap is not None else read_organisations(reader)


def users_of(reader: Reader, snap: Snapshot | None, code: str) -> tuple[UserEntry, ...]:
    return snap.users_of(reader, code) if snap is not None else read_users(reader, code)


_LOOKUPS: dict[str, Callable[..., Any]] = {"catalogue": catalogue_of, "organisations": organisations_of,
                                          "users_of": users_of}
