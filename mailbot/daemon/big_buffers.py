"""Big buffers given back to the system when freed (glibc only; elsewhere nothing changes).

glibc serves a big allocation with its own mapping, returned when freed, but only up to a threshold it raises each
time such a mapping is freed (to 32 MB): after the first big message, the next messages' buffers (a fetched message,
a decoded form) come from the heap of whichever worker thread asked, and stay there when freed, each thread's heap
apart. Two workers on 24 MB messages then held some 20 MB more at their peak (bench/bench_big_messages.py). A fixed
threshold keeps every big buffer a mapping of its own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)
M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
THRESHOLD = 256 * 1024


def give_big_buffers_back() -> bool:
    """Fix glibc's mapping threshold at THRESHOLD; False where there is no glibc (or it refuses)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): their allocators behave otherwise
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD))
    if not done:
        log.info("mallopt refused to fix the mapping threshold; big buffers may stay in the heap when freed")
    return done
