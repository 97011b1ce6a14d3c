"""Consecutive messages of a batch recorded in one transaction, each in a savepoint of its own, and committed
together: one COMMIT (on SQLite one fsync, and one wait for the write lock) for up to [daemon] group_commit
messages, where each took one of its own. The COMMIT was most of what the intake's thread waited on, and the outbox
sender waited on it too.

Nothing else changes for a message: it is recorded in order, after those before it, with its cases, outbox rows
and claim (in its savepoint); one whose recording fails rolls back its savepoint alone. What follows a message's
recording (its folder, its counters, waking the outbox sender) follows the group's COMMIT, so a group that fails to
commit has recorded none of its messages, each then a failure of its own as a failed COMMIT of one message was
(mailbot.intake.worker), and a daemon killed with a group open leaves its messages unrecorded and still claimed.

The group's owner (the worker) commits it when it is full, and before anything would wait while it holds the
write lock or would open another transaction: a message whose reading is not finished, one that fails, one handled
before, the stop, the batch's end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from mailbot.processing.contract import FIRST_IN_GROUP, GroupRecording, HandleResult


@dataclass(frozen=True)
class Recorded:
    """A message recorded in the group's transaction, not yet committed: what is needed to act on it after."""

    key: str
    raw: bytes  # (kept for the failure's case, should the COMMIT fail)
    identity: tuple[str | None, str]  # its Message-ID and content hash
    result: HandleResult


class NoGroup:
    """No group: each message is recorded in a transaction of its own ([daemon] group_commit 1, one message at a
    time, a handler that cannot join a group). Nothing ever held, so nothing to commit or abandon."""

    full = False

    def holds(self, key: str) -> bool:
        return False

    def commit(self) -> None:
        pass

    def abandon(self) -> None:
        pass


NO_GROUP = NoGroup()


@dataclass
class RecordingGroup:
    sessions: sessionmaker[Session]
    size: int  # the most messages in one transaction
    committed: Callable[[list[Recorded]], None]  # called with the messages of each group committed, in order
    failed: Callable[[list[Recorded], Exception], None]  # called with those of a group whose COMMIT failed
    _session: Session | None = field(default=None, init=False, repr=False)
    _members: list[Recorded] = field(default_factory=list, init=False, repr=False)

    def record(self, recording: GroupRecording) -> HandleResult:
        """RECORDING called in the group's transaction (begun for it when none is open); raises as it does, its
        savepoint rolled back. Add what it recorded with `add`."""
        if self._session is None:
            self._session = self.sessions()
            self._session.begin()
            self._session.info[FIRST_IN_GROUP] = True
        result = recording(self._session)
        # All of it written now (a savepoint's release flushed it; the first message, without one, not yet), then
        # each message begins, as in a session of its own, with none of the others' objects: nothing loaded for one
        # (and not refreshed since) is handed to the next.
        self._session.flush()
        self._session.expunge_all()
        return result

    def add(self, recorded: Recorded) -> None:
        self._members.append(recorded)

    def holds(self, key: str) -> bool:
        return any(member.key == key for member in self._members)

    @property
    def full(self) -> bool:
        return len(self._members) >= self.size

    def commit(self) -> None:
        """Commit the open group, if any, then act on its messages (`committed`, or `failed` if the COMMIT failed);
        a group whose every message failed is rolled back (nothing of it is kept: the first message's recording,
        made without a savepoint, FIRST_IN_GROUP, with it)."""
        session, members = self._session, self._members
        self._session, self._members = None, []
        if session is None:
            return
        try:
            if members:
                session.commit()
        except Exception as exc:  # noqa: BLE001 - as a failed COMMIT of one message: each is a failure
            _roll_back(session)  # the write lock given up before the failures are recorded
            self.failed(members, exc)
            return
        session.close()
        self.committed(members)

    def abandon(self) -> None:
        """Roll the open group back (the batch ended by an exception): its messages are left claimed, to be tried
        again as after a crash."""
        session, self._session, self._members = self._session, None, []
        if session is not None:
            session.close()


def _roll_back(session: Session) -> None:
    """Roll back and close SESSION after its COMMIT failed. Asked for, not left to closing it: a COMMIT that
    failed before it reached the database (in SQLAlchemy's own commit step) leaves the connection in its
    transaction while the session takes it for ended, and the pool then hands it on without a rollback, for the
    next transaction on it to commit what this one wrote."""
    try:
        session.rollback()
    finally:
        session.close()
