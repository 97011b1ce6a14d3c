"""Running daemons and their heartbeats: how replicas tell a dead daemon from a slow one.

Each `mailbot run` keeps a row here, its heartbeat renewed every `[daemon] heartbeat_seconds` from a thread of its
own; the same beat pushes the lease of every claim it holds forward, so a live daemon keeps its claims however long
a message takes. A daemon whose heartbeat is older than `[daemon] stale_seconds` (or, on its own host, whose
process is gone) is dead: the first daemon to notice deletes its row, and in that same transaction its intake
claims go back to `retry` (due at once), its outbox rows still `sending` go back to `pending`, and rows it had begun
to transmit become `uncertain` (never resent). Deleting the row with a condition is what makes one daemon, and only
one, do the take-over when several notice at once.

Claims whose owner has no row here (`mailbot run --once`, or a daemon from before this table) keep the old rule:
they are free when their lease runs out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from store import intake
from store.models import IntakeRecord, OutboxMessage, RunningDaemon
from store.outbox import queue as q
from store.upsert import insert_for


@dataclass
class TakeOver:
    """What one take-over freed: the dead daemons, and their claims by kind."""

    daemons: list[str] = field(default_factory=list)
    claims: int = 0
    requeued: int = 0
    uncertain: int = 0

    def __bool__(self) -> bool:
        return bool(self.daemons or self.claims or self.requeued or self.uncertain)


def register(session: Session, *, owner: str, host: str, pid: int, now: datetime) -> None:
    session.execute(insert_for(session, RunningDaemon)
                    .values(id=owner, host=host, pid=pid, started_at=now, heartbeat_at=now)
                    .on_conflict_do_nothing(index_elements=["id"]))


def beat(session: Session, *, owner: str, host: str, pid: int, started: datetime, now: datetime,
         lease: timedelta) -> bool:
    """Renew OWNER's heartbeat and the leases of the claims it still holds. False when its row was gone: another
    daemon took it for dead and took its claims over (the row is written again: it is alive after all)."""
    renewed = session.execute(update(RunningDaemon).where(RunningDaemon.id == owner)
                              .values(heartbeat_at=now).execution_options(synchronize_session=False))
    alive = bool(renewed.rowcount)  # type: ignore[attr-defined]
    if not alive:
        session.execute(insert_for(session, RunningDaemon)
                        .values(id=owner, host=host, pid=pid, started_at=started, heartbeat_at=now)
                        .on_conflict_do_nothing(index_elements=["id"]))
    held = and_(IntakeRecord.lease_owner == owner, IntakeRecord.status == intake.CLAIMED)
    if session.get_bind().dialect.name == "postgresql":
        # Only the claims no transaction holds a lock on. A recording transaction holding several (a group of
        # messages, mailbot/intake/recording_group.py) locks them one after another as it finishes each: a beat
        # waiting on one of them while holding later ones would deadlock with it. A claim skipped is being finished
        # (or failed) at this moment; its lease, never shorter than two beats, is renewed by the next one.
        held = IntakeRecord.id.in_(select(IntakeRecord.id).where(held).with_for_update(skip_locked=True))
    session.execute(update(IntakeRecord).where(held)
                    .values(lease_until=now + lease).execution_options(synchronize_session=False))
    return alive


def leave(session: Session, owner: str) -> None:
    """A daemon stopping cleanly removes its row (its claims were given back already)."""
    session.execute(delete(RunningDaemon).where(RunningDaemon.id == owner))


def running(session: Session) -> list[RunningDaemon]:
    return list(session.scalars(select(RunningDaemon).order_by(RunningDaemon.started_at, RunningDaemon.id)))


def running_daemons(sessions: sessionmaker[Session], now: datetime, stale_seconds: float) -> list[dict[str, Any]]:
    """The daemons recorded as running, for /healthz and `mailbot doctor`: who, where, since when, last heartbeat,
    and whether that heartbeat is stale (the daemon is dead and its claims are about to be taken over)."""
    with sessions() as session:
        rows = running(session)
    return [{"id": r.id, "host": r.host, "pid": r.pid, "started": r.started_at.isoformat(timespec="seconds"),
             "last_heartbeat": r.heartbeat_at.isoformat(timespec="seconds"),
             "seconds_since_heartbeat": round((now - r.heartbeat_at).total_seconds(), 1),
             "stale": (now - r.heartbeat_at).total_seconds() > stale_seconds} for r in rows]


def take_over_dead(session: Session, *, me: str, now: datetime, stale_after: timedelta,
                   gone: Callable[[RunningDaemon], bool] = lambda _row: False) -> TakeOver:
    """Free the claims of every daemon but ME whose heartbeat is older than STALE_AFTER, or which GONE says has
    died (its process is no longer there). Runs in the caller's transaction."""
    cutoff = now - stale_after
    others = [row for row in running(session) if row.id != me]
    dead_now = [row.id for row in others if row.heartbeat_at < cutoff or gone(row)]
    if not dead_now:
        return TakeOver()
    # Only the daemon whose DELETE removes the row does the take-over; one that beat meanwhile is spared unless
    # its process is known to be gone.
    stale_ids = [i for i in dead_now if not any(r.id == i and gone(r) for r in others)]
    gone_ids = [i for i in dead_now if i not in stale_ids]
    dead: list[str] = []
    if stale_ids:
        dead += list(session.scalars(delete(RunningDaemon).where(
            RunningDaemon.id.in_(stale_ids), RunningDaemon.heartbeat_at < cutoff).returning(RunningDaemon.id)))
    if gone_ids:
        dead += list(session.scalars(delete(RunningDaemon).where(
            RunningDaemon.id.in_(gone_ids)).returning(RunningDaemon.id)))
    return free_claims(session, dead, now)


def free_claims(session: Session, owners: Iterable[str], now: datetime) -> TakeOver:
    """The claims of OWNERS (dead daemons) freed: messages due again at once, unsent mail pending again, mail that
    may have reached the server uncertain."""
    dead = sorted(set(owners))
    if not dead:
        return TakeOver()
    claims = session.execute(update(IntakeRecord)
                             .where(IntakeRecord.status == intake.CLAIMED, IntakeRecord.lease_owner.in_(dead))
                             .values(status=intake.RETRY, next_attempt_at=now, lease_owner=None, lease_until=None,
                                     updated_at=now)
                             .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    requeued = session.execute(update(OutboxMessage)
                               .where(OutboxMessage.status == q.SENDING, OutboxMessage.claimed_by.in_(dead))
                               .values(status=q.PENDING, claimed_by=None, next_attempt_at=now)
                               .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    cut_off = list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == q.TRANSMITTING,
                                                                  OutboxMessage.claimed_by.in_(dead))))
    for row_id in cut_off:
        q.mark_uncertain(session, row_id, None, now,
                         "its daemon died after DATA began: it may have been delivered")
    return TakeOver(daemons=dead, claims=int(claims), requeued=int(requeued), uncertain=len(cut_off))
