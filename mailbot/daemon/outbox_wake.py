"""The outbox's wake-up across processes ([daemon] sender_process): one pipe, made by the supervising `mailbot run`
(mailbot.daemon.supervisor), whose write end every intake process holds and whose read end the sender process
does.

An intake process writes a byte after each commit that queued mail (where it would wake its own outbox job); the
sender reads whatever bytes are there and drains. A wake-up is never lost: a byte written after a commit is read
after it, and a drain begun after that read sees the commit. The write never blocks: with the pipe full (the
sender gone, or far behind), bytes are waiting unread already and will wake it. The supervisor keeps both ends
open, so the pipe outlives a sender that dies, and its replacement finds what was written meanwhile (its first
drain, at its start, sends all that is due anyway). What nobody wakes for (a retry's backoff running out, mail
queued by `mailbot web` or another host) is sent at the next `[daemon] outbox_seconds`, as before.
"""

from __future__ import annotations

import contextlib
import os
import select
import time

WAKE_BYTES = 4096  # read at once: however many wake-ups queued, one drain answers them all


def wake_pipe() -> tuple[int, int]:
    """(read end, write end), both inheritable by the processes they are passed to; the write end never blocks."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    return read_end, write_end


class PipeWaker:
    """The intake's side: calling it wakes the sender process. Costs one write(2), a few microseconds."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __call__(self) -> None:
        # Full (bytes wait unread: the sender will be woken by them) or the supervisor gone (this process is
        # stopping): either way nothing to do.
        with contextlib.suppress(BlockingIOError, BrokenPipeError):
            os.write(self.fd, b"w")


class WakeReader:
    """The sender's side: waits for a wake-up, at most a given time."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.closed = False  # every write end closed (the supervisor gone): nothing will wake it any more
        os.set_blocking(fd, False)

    def wait(self, timeout: float) -> bool:
        """True when woken within TIMEOUT seconds; every wake-up waiting is taken (one drain answers them all)."""
        if self.closed:
            time.sleep(max(0.0, timeout))  # not select: the end of the pipe is readable for good
            return False
        readable, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        return bool(readable) and self.take()

    def take(self) -> bool:
        """Whether wake-ups were waiting, taking them all, without waiting."""
        woken = False
        while True:
            try:
                chunk = os.read(self.fd, WAKE_BYTES)
            except BlockingIOError:
                return woken
            if not chunk:  # every write end closed: only when the supervisor is gone
                self.closed = True
                return woken
            woken = True
