"""The throwaway store `mailbot replay` decides cases again in: a fresh SQLite file in a temporary folder, holding
the register and the history before the replayed cases, never the real store.

The register it starts from is either
- the register files given with `--register DIR` (imported into the empty copy as `mailbot import` would), or
- the real register as it is now, rewound to before the first replayed case: every change the store's audit
  events tie to a replayed case (made by the mailbot, or by staff deciding it) is undone, newest first, so that
  replaying the same cases with the same config meets the register they met. Changes not tied to a case (an
  import, `org add-signatory`) are kept: the store does not record what they replaced.

History before the first replayed case (the cases, their first-sighting keys, their outbox rows and signatory
confirmations) is copied too, so duplicates, follow-ups, confirmations and the daily reply
limit see what they saw; the raw bytes of those earlier messages are not copied (nothing reads them).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, event, insert, select
from sqlalchemy.orm import Session, sessionmaker

from mailbot.admin.register_import import KINDS, import_rows, read_rows
from mailbot.errors import UsageError
from parsers.vocabulary.roles import ORGANISATION_MAINTENANCE
from store.db import ensure_schema, make_engine, sessions, transaction
from store.models import (
    Application,
    AuditEvent,
    Case,
    CaseReason,
    MessageKey,
    Organisation,
    OutboxMessage,
    Signatory,
    SignatoryConfirmation,
    StoredMessage,
    User,
    user_applications,
)
from store.review import set_reasons

REGISTER_TABLES: tuple[Table, ...] = (Organisation.__table__, Application.__table__, User.__table__,  # type: ignore[assignment]
                                      user_applications, Signatory.__table__)
IMPORT_ORDER = ("applications", "organisations", "users", "signatories")  # each after what it refers to
COPY_BATCH = 1000


@contextmanager
def throwaway_store() -> Iterator[sessionmaker[Session]]:
    """Sessions of an empty store of the current schema in a temporary folder, deleted when the block ends."""
    with tempfile.TemporaryDirectory(prefix="mailbot-replay-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'replay.db'}")

        @event.listens_for(engine, "connect")
        def _throwaway(dbapi_connection: Any, _record: Any) -> None:
            # After the store's own pragmas: nothing here must survive a power cut, so no fsync per message.
            dbapi_connection.execute("PRAGMA synchronous=OFF")

        try:
            ensure_schema(engine)
            yield sessions(engine)
        finally:
            engine.dispose()


def _copy_rows(real: Session, copy: Session, table: Table, where: Any = None, **override: Any) -> int:
    # Columns given a value of their own are not even read (the raw bytes of every earlier message).
    query = select(*(c for c in table.c if c.name not in override))
    if where is not None:
        query = query.where(where)
    copied = 0
    batch: list[dict[str, Any]] = []
    for row in real.execute(query.execution_options(yield_per=COPY_BATCH)).mappings():
        batch.append({**row, **override})
        if len(batch) == COPY_BATCH:
            copy.execute(insert(table), batch)
            copied, batch = copied + len(batch), []
    if batch:
        copy.execute(insert(table), batch)
    return copied + len(batch)


def copy_register(real: Session, copy: Session) -> None:
    """The real register, as it is now, into the empty copy."""
    for table in REGISTER_TABLES:
        _copy_rows(real, copy, table)


def import_register(copy: Session, folder: Path, now: datetime) -> list[str]:
    """The register files in FOLDER (`applications.csv`, `organisations.csv`, `users.csv`, `signatories.csv`; at
    least organisations) into the empty copy; what each import did, in words."""
    if not folder.is_dir():
        raise UsageError(f"--register {folder}: not a folder of register files")
    found = {kind: folder / f"{kind}.csv" for kind in KINDS if (folder / f"{kind}.csv").is_file()}
    if "organisations" not in found:
        expected = ", ".join(f"{k}.csv" for k in IMPORT_ORDER)
        raise UsageError(f"--register {folder}: no organisations.csv there (expected {expected})")
    done = []
    for kind in IMPORT_ORDER:
        if kind in found:
            rows = read_rows(kind, found[kind], str(found[kind]))
            result = import_rows(copy, kind, rows, filename=found[kind].name, now=now, actor="replay")
            done.append(result.summary(found[kind].name))
    return done


def copy_history(real: Session, copy: Session, first_case_id: int | None) -> None:
    """Everything before case FIRST_CASE_ID that later decisions read (all of it when None: nothing is replayed)."""
    earlier_cases = None if first_case_id is None else Case.id < first_case_id
    later_messages = select(Case.message_row_id).where(Case.id >= (first_case_id or 0),
                                                       Case.message_row_id.is_not(None))
    earlier_messages = None if first_case_id is None else StoredMessage.id.not_in(later_messages)
    _copy_rows(real, copy, StoredMessage.__table__, earlier_messages, raw=b"")  # type: ignore[arg-type]
    _copy_rows(real, copy, MessageKey.__table__,  # type: ignore[arg-type]
               None if first_case_id is None else MessageKey.message_row_id.not_in(later_messages))
    # Parents before children: a case's parent always has a lower id.
    _copy_rows(real, copy, Case.__table__, earlier_cases, assigned_to=None, assigned_at=None)  # type: ignore[arg-type]
    _copy_rows(real, copy, CaseReason.__table__,  # type: ignore[arg-type]
               None if first_case_id is None else CaseReason.case_id < first_case_id)
    _copy_rows(real, copy, OutboxMessage.__table__,  # type: ignore[arg-type]
               None if first_case_id is None else OutboxMessage.case_id < first_case_id, claimed_by=None,
               user_id=None)  # its user may not be in an imported register; nothing replayed reads it
    _copy_confirmations(real, copy, first_case_id)
    if first_case_id is not None:
        _as_first_decided(real, copy, first_case_id)
    # No reference counters: the replay sets each year's before each message, so its cases keep their references.


def _copy_confirmations(real: Session, copy: Session, first_case_id: int | None) -> None:
    """The signatory confirmations of earlier cases; one that a replayed case answered, or that was closed or ran
    out after the window opened, is waiting again, as it was then (the replay decides what happens to it)."""
    table: Table = SignatoryConfirmation.__table__  # type: ignore[assignment]
    if first_case_id is None:
        _copy_rows(real, copy, table)
        return
    opened = real.scalar(select(Case.created_at).where(Case.id == first_case_id))
    rows: list[dict[str, Any]] = []
    for found in real.execute(select(table).where(table.c.case_id < first_case_id)).mappings():
        row = dict(found)
        later = ((row["answer_case_id"] or 0) >= first_case_id
                 or (row["closed_at"] is not None and opened is not None and row["closed_at"] >= opened)
                 or (row["status"] == "expired" and opened is not None and row["expires_at"] >= opened))
        if later:
            row.update(status="waiting", answer_case_id=None, answer_why=None, closed_at=None, closed_by=None)
        rows.append(row)
    if rows:
        copy.execute(insert(table), rows)


def first_decided(real: Session, case_id: int) -> tuple[str, list[str]] | None:
    """The outcome and reasons the mailbot first gave case CASE_ID (its first `case.decided` audit event)."""
    event = real.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.action == "case.decided")
                         .order_by(AuditEvent.id).limit(1)).first()
    if event is None or "outcome" not in (event.detail or {}):
        return None
    return str(event.detail["outcome"]), [str(r) for r in event.detail.get("reasons") or ()]


def _as_first_decided(real: Session, copy: Session, first_case_id: int) -> None:
    """An earlier case that something changed once the window had opened (a signatory's answer, a member of
    staff) is, in the copy, as the mailbot first decided it: the replay meets it as the window's cases met it."""
    opened = real.scalar(select(Case.created_at).where(Case.id == first_case_id))
    if opened is None:
        return
    touched = real.scalars(select(AuditEvent.case_id).where(AuditEvent.case_id < first_case_id,
                                                            AuditEvent.at >= opened).distinct()).all()
    for case_id in touched:
        first = first_decided(real, case_id) if case_id is not None else None
        case = copy.get(Case, case_id) if first is not None else None
        if case is None or first is None:
            continue
        case.outcome = first[0]
        set_reasons(copy, case, first[1])
        case.needs_review = first[0] == "flagged"
        case.decided_by = "mailbot"
        if first[0] != "approved":
            case.changes = []
    copy.flush()


def rewind_register(real: Session, copy: Session, first_case_id: int) -> int:
    """Undo, in the copy and newest first, the register changes the real store's audit events tie to cases from
    FIRST_CASE_ID on, or to any case from the moment that case was made; how many were undone."""
    # Also changes made on an earlier case once the window had opened: a signatory's yes in the window approves
    # the request it answers (an earlier case); replayed, the answer makes that change again.
    opened = real.scalar(select(Case.created_at).where(Case.id == first_case_id))
    later = AuditEvent.case_id >= first_case_id
    if opened is not None:
        later = later | (AuditEvent.case_id.is_not(None) & (AuditEvent.at >= opened))
    events = real.scalars(select(AuditEvent).where(later).order_by(AuditEvent.id.desc())).all()
    changes = {case_id: list(words or []) for case_id, words in real.execute(
        select(Case.id, Case.changes).where(Case.id.in_({e.case_id for e in events if e.case_id is not None})))}
    undone = 0
    for found in events:
        if _undo(copy, found, changes.get(found.case_id or 0, [])):
            undone += 1
    copy.flush()
    return undone


def _user(copy: Session, username: Any) -> User | None:
    return copy.scalars(select(User).where(User.username == str(username))).one_or_none()


def _take_away(user: User, names: Any) -> None:
    drop = {str(n) for n in names or ()}
    user.applications = [a for a in user.applications if a.name not in drop]


def _undo(copy: Session, event: AuditEvent, case_changes: list[str]) -> bool:
    d = event.detail or {}
    user = _user(copy, d.get("username")) if "username" in d else None
    if event.action == "user.created" and user is not None:
        _delete_user(copy, user)
    elif event.action == "user.activated_from_notice" and user is not None:
        if any(c.startswith(f"created user {user.username} ") for c in case_changes):
            _delete_user(copy, user)
        else:
            user.status = "pending"
            _take_away(user, d.get("granted"))
    elif event.action == "user.made_primary" and user is not None:
        user.is_primary = False
        before = next((c.split(": status ", 1)[1].split(" -> ", 1)[0] for c in case_changes
                       if c.startswith(f"{user.username}: status ") and c.endswith(" -> active")), None)
        if before:
            user.status = before
        if f"{user.username}: granted {ORGANISATION_MAINTENANCE}" in case_changes:
            _take_away(user, [ORGANISATION_MAINTENANCE])
    elif event.action == "user.primary_removed" and user is not None:
        user.is_primary = True
        maintenance = copy.scalars(select(Application).where(Application.name == ORGANISATION_MAINTENANCE)).first()
        if maintenance is not None and maintenance not in user.applications:
            user.applications.append(maintenance)
    elif event.action == "user.applications_granted" and user is not None:
        _take_away(user, d.get("granted"))
    elif event.action == "signatory.verified":
        org = copy.scalars(select(Organisation).where(Organisation.code == event.org_code)).one_or_none()
        if org is None:
            return False
        found = copy.scalars(select(Signatory).where(
            Signatory.organisation_id == org.id, Signatory.email == str(d.get("email", "")),
            Signatory.full_name == str(d.get("full_name", "")), Signatory.role == str(d.get("role", "")))).first()
        if found is None:
            return False
        copy.delete(found)
    else:
        return False
    copy.flush()
    return True


def _delete_user(copy: Session, user: User) -> None:
    copy.execute(delete(user_applications).where(user_applications.c.user_id == user.id))
    copy.expunge(user)
    copy.execute(delete(User).where(User.id == user.id))


@contextmanager
def replay_store(real_sessions: sessionmaker[Session], first_case_id: int | None, *, register: Path | None,
                 now: datetime) -> Iterator[tuple[sessionmaker[Session], list[str]]]:
    """The throwaway store, ready: the register (from REGISTER, else rewound from the real one) and the history
    before FIRST_CASE_ID; with notes on how it was made."""
    with throwaway_store() as copy_sessions:
        notes: list[str] = []
        with real_sessions() as real, transaction(copy_sessions) as copy:
            if register is not None:
                notes += import_register(copy, register, now)
            else:
                copy_register(real, copy)
            copy_history(real, copy, first_case_id)
            if register is None and first_case_id is not None:
                undone = rewind_register(real, copy, first_case_id)
                notes.append(f"the register as now, with {undone} change(s) made by the replayed cases undone")
        yield copy_sessions, notes
