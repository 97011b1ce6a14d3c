"""What a long-running mailbot process that holds secrets (the daemon, the review page) does to itself at start.

Under systemd the form-reading children run as the daemon's own user (they can become `nobody` only under a root
daemon), and the kernel lets a process read the /proc/PID/environ and /proc/PID/mem of, and ptrace, any process of its
own user: a child taken over by a hostile PDF could read the passwords the daemon was started with. A process marked
non-dumpable (prctl PR_SET_DUMPABLE 0) has its /proc/PID entries owned by root and refuses ptrace to anyone without
CAP_SYS_PTRACE, and it writes no core file (which would hold the same secrets). It still reads its own
/proc/self/status, stat, fd and limits (not its own environ or io, now root's; nothing in the mailbot reads them).
The mark lasts until the process execs; the children are fresh interpreters, so they do not inherit it.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)
PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def _prctl(option: int, value: int) -> int:
    libc = ctypes.CDLL(None, use_errno=True)  # the C library already loaded in this process: no search on disk
    result = int(libc.prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)))
    if result < 0:
        raise OSError(ctypes.get_errno(), "prctl failed")
    return result


def make_undumpable() -> bool:
    """Mark this process non-dumpable (Linux); True when it is, False where the kernel has no such mark. A refusal
    on Linux is logged, not fatal: the daemon is no worse off than before, and says so."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        _prctl(PR_SET_DUMPABLE, 0)
        return _prctl(PR_GET_DUMPABLE, 0) == 0
    except OSError as error:
        log.warning("could not make this process non-dumpable (%s): a same-user process could read its secrets",
                    error)
        return False
