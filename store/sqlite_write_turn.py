"""Writers of one process queue for an SQLite file's write lock on an in-process lock, not by asking SQLite.

SQLite's write lock is a file lock: a writer that finds it held can only ask again (store/db.py `_begin_writing`
asks every millisecond), and each try of a thread in the same process as the holder takes the GIL the holder
needs to finish its transaction. So each writing connection (the `factory` sqlite3.connect is given) first takes
its process's lock for the database file, waiting for it in C with the GIL released, and gives it back as soon as
its transaction has ended, whichever way it ended: commit, rollback (SQLAlchemy's, or the pool's on return), the
connection closed (invalidated, disposed, or garbage collected). The next writer of the process wakes at once.

The turn only orders this process's writers; SQLite's lock still decides between processes (two daemons on one
store, the CLI), so a writer with the turn still asks SQLite, and one that waited longer than the busy timeout
for its turn asks SQLite anyway and gets its answer. Nothing depends on the turn for correctness.

A writer blocked in C (waiting for its turn, or in its COMMIT's fsync) takes the GIL back after a short switch
interval (HANDBACK_SWITCH_SECONDS), not the daemon's usual one: see there.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_TURNS: dict[str, threading.Lock] = {}
_TURNS_GUARD = threading.Lock()
# The interpreter's switch interval while a writer is blocked in C (its COMMIT's fsync, its wait for the turn)
# and then takes the GIL back. A thread waiting for the GIL asks its holder to let go only after the switch
# interval (the daemon's 1 ms, mailbot.daemon.scheduler), so a writer whose fsync ended while a thread reading
# ahead held the GIL kept the write lock (and its turn: given back only with the GIL) that long more, and every
# other writer waited with it. Shorter only around those blocking calls: a short interval throughout costs
# CPU in switches between threads busy in Python.
HANDBACK_SWITCH_SECONDS = 0.0001
_QUICK = threading.Lock()
_quick_users = 0  # threads inside _quick_handback
_usual_interval: float | None = None  # the interval to put back when the last of them leaves (None: not changed)


@contextmanager
def _quick_handback() -> Iterator[None]:
    """The switch interval at HANDBACK_SWITCH_SECONDS (when shorter) until the block ends, the GIL held again."""
    global _quick_users, _usual_interval
    with _QUICK:
        if _quick_users == 0 and sys.getswitchinterval() > HANDBACK_SWITCH_SECONDS:
            _usual_interval = sys.getswitchinterval()
            sys.setswitchinterval(HANDBACK_SWITCH_SECONDS)
        _quick_users += 1
    try:
        yield
    finally:
        with _QUICK:
            _quick_users -= 1
            if _quick_users == 0 and _usual_interval is not None:
                sys.setswitchinterval(_usual_interval)
                _usual_interval = None


def _turn_for(database: Any) -> threading.Lock | None:
    """The process's lock for DATABASE (a path or a URI), None for a private in-memory database."""
    name = os.fspath(database)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if name in ("", ":memory:"):
        return None
    key = name if name.startswith("file:") else os.path.realpath(name)
    with _TURNS_GUARD:
        return _TURNS.setdefault(key, threading.Lock())


def _forget_turns_after_fork() -> None:
    # A child forked while a thread of its parent held a turn would otherwise wait for it for ever (and one forked
    # inside _quick_handback keep the short interval).
    global _TURNS_GUARD, _QUICK, _quick_users, _usual_interval
    _TURNS.clear()
    _TURNS_GUARD = threading.Lock()
    if _usual_interval is not None:
        sys.setswitchinterval(_usual_interval)
    _QUICK, _quick_users, _usual_interval = threading.Lock(), 0, None


os.register_at_fork(after_in_child=_forget_turns_after_fork)


class TurnTakingConnection(sqlite3.Connection):
    """A sqlite3 connection that holds its process's turn to write to its database from `take_turn` until its
    transaction ends."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._turn = _turn_for(database)
        self._has_turn = False

    def take_turn(self, timeout: float) -> bool:
        """Wait up to TIMEOUT seconds (blocked in C, not holding the GIL) for the turn; whether it was had."""
        if self._turn is None or self._has_turn:
            return self._has_turn
        # (Only an exception raised by a signal handler between the lock's acquire and the assignment could leave
        # the turn taken for good; the daemon's handlers raise none, and the main thread that runs them waits.)
        self._has_turn = self._turn.acquire(blocking=False)
        if not self._has_turn:
            with _quick_handback():
                self._has_turn = self._turn.acquire(timeout=max(timeout, 0.0))
        return self._has_turn

    def give_turn_back_if_done(self) -> None:
        """Give the turn back unless a transaction is still open (one whose COMMIT failed is still open: its
        rollback gives the turn back)."""
        if not self._has_turn:
            return
        try:
            still_writing = self.in_transaction
        except sqlite3.ProgrammingError:  # closed
            still_writing = False
        if not still_writing:
            self._has_turn = False
            assert self._turn is not None
            self._turn.release()

    def commit(self) -> None:
        with _quick_handback():
            self._ending(super().commit)

    def rollback(self) -> None:
        self._ending(super().rollback)

    def close(self) -> None:
        self._ending(super().close)

    def _ending(self, end: Callable[[], None]) -> None:
        """END (commit, rollback or close), then the turn given back if no transaction is left open, even when END
        failed (a failed COMMIT leaves it open: the rollback after it gives the turn back)."""
        try:
            end()
        finally:
            self.give_turn_back_if_done()

    def __del__(self) -> None:
        # Garbage collected unclosed: SQLite closes the database (rolling back) as the object goes.
        if getattr(self, "_has_turn", False):
            self._has_turn = False
            assert self._turn is not None
            self._turn.release()
