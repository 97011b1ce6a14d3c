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
import os
import sys
from collections.abc import Sequence

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


# Landlock (Linux 5.13 and later; the same system-call numbers on every architecture).
LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FIRST_FILE_RIGHTS = (1 << 13) - 1  # the 13 file-system rights of Landlock's first version: read, write, make, remove
TRUNCATE = 1 << 14  # version 3: before it, truncate(2) of any file the user may write was never refused
TCP_BIND_AND_CONNECT = (1 << 0) | (1 << 1)  # version 4
SCOPE_ABSTRACT_UNIX_SOCKET_AND_SIGNAL = (1 << 0) | (1 << 1)  # version 6: no signal to, nor socket of, the daemon
READ_ONLY = EXECUTE | READ_FILE | READ_DIR
# What a child reads once it is reading a sender's file: its interpreter and libraries (and the system's: Tesseract's
# language data, fonts), nothing else. Not /etc (the config), not /var/lib (the store), not /proc (other processes),
# not /home or /root; and it writes nowhere but /dev/null.
SYSTEM_READ_ONLY = ("/usr", "/lib", "/lib64", "/etc/fonts", "/etc/ld.so.cache", "/etc/localtime")


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def child_read_only_paths() -> list[str]:
    """The system's libraries, this interpreter's own files and libraries, and the mailbot's packages (their folders
    only: a checkout's own folder may hold a config)."""
    packages = [os.path.dirname(os.path.abspath(module.__file__ or "")) for name, module in sys.modules.items()
                if name in ("mailbot", "parsers", "rules")]
    return [*SYSTEM_READ_ONLY, sys.prefix, sys.base_prefix, sys.exec_prefix, *packages]


def confine_files(read_only: Sequence[str], read_write: Sequence[str] = (os.devnull,)) -> int:
    """Landlock this process (and whatever it starts) for good: from now on it opens only files under READ_ONLY (to
    read) and READ_WRITE, and truncates none but those; where the kernel can (Landlock 4, 6) it also makes no TCP
    connection and sends no signal outside itself. What it already has open it keeps. The Landlock version it was
    confined under; 0 where the kernel has none (or a system-call filter refuses it): the child then runs as before."""
    if not sys.platform.startswith("linux"):
        return 0
    libc = ctypes.CDLL(None, use_errno=True)

    def syscall(*args: int | ctypes.c_void_p | None) -> int:
        return int(libc.syscall(*[ctypes.c_long(a) if isinstance(a, int) else a for a in args]))

    version = syscall(LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    if version < 1:
        return 0
    files = FIRST_FILE_RIGHTS | (TRUNCATE if version >= 3 else 0)
    attr = _RulesetAttr(files, TCP_BIND_AND_CONNECT if version >= 4 else 0,
                        SCOPE_ABSTRACT_UNIX_SOCKET_AND_SIGNAL if version >= 6 else 0)
    size = 8 if version < 4 else 16 if version < 6 else 24  # an older kernel refuses fields it does not know
    ruleset = syscall(LANDLOCK_CREATE_RULESET, ctypes.cast(ctypes.byref(attr), ctypes.c_void_p), size, 0)
    if ruleset < 0:
        return 0
    try:
        for paths, access in ((read_only, READ_ONLY), (read_write, files & (READ_ONLY | WRITE_FILE | TRUNCATE))):
            for path in dict.fromkeys(paths):
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue  # not on this machine (e.g. no /lib64)
                try:
                    rule = _PathBeneathAttr(access if os.path.isdir(path) else access & ~READ_DIR, fd)
                    if syscall(LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                               ctypes.cast(ctypes.byref(rule), ctypes.c_void_p), 0) < 0:
                        raise OSError(ctypes.get_errno(), f"landlock_add_rule {path}")
                finally:
                    os.close(fd)
        _prctl(PR_SET_NO_NEW_PRIVS, 1)  # what an unprivileged process must promise before it may confine itself
        if syscall(LANDLOCK_RESTRICT_SELF, ruleset, 0) < 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return version
