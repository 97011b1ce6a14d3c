"""How every child process that touches what a sender sent is started (SPEC 17): a fresh interpreter (never a fork
of the daemon, whose memory holds the store URL and the mail passwords), with an empty environment but for a PATH
and a locale, no inherited file descriptor but its three pipes, in the root directory, and under an unprivileged
user (`nobody`) when the daemon runs as root. A hostile PDF that takes over a child finds no secret there, no
connection of the parent's to use, and no right to read the config file or write anywhere the daemon can.

The child drops to `nobody` itself (drop_privileges), after loading its code and before it reads a byte of the
sender's file: the interpreter may live where only root can read it (a pyenv under /root), and the child's
environment and descriptors are already clean while it loads. Everything it will import is loaded before the drop
(a later import of a file it can no longer read fails closed: the PDF is unreadable). Then it confines itself
with Landlock (mailbot.hardening.confine_files) to reading its libraries' files: under systemd it is the daemon's
own user, who may read the config and the store, and only the confinement keeps it from them.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pwd
import sys
from typing import Any

from mailbot.hardening import child_read_only_paths, confine_files

CHILD_USER = "nobody"
# Enough for a child to run programs from the system (Ghostscript, Tesseract) and to read UTF-8; nothing else.
# OCR's libraries (numpy's OpenBLAS, OpenCV, Tesseract's OpenMP) start a thread per core by default, each with its
# own stacks and buffers: hundreds of MB of address space counted against the child's limit, and children side by
# side on two cores gain nothing from them. One thread each.
CHILD_ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                     "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OMP_THREAD_LIMIT": "1"}


def child_environment() -> dict[str, str]:
    return dict(CHILD_ENVIRONMENT)


def python_command(module: str, *args: str) -> list[str]:
    """This interpreter running MODULE in isolated mode (-I: no PYTHON* variables, no user site, no current
    directory on the path): the project is found through the installed package, nothing else."""
    return [sys.executable, "-I", "-m", module, *args]


def drop_privileges(user: str = CHILD_USER) -> None:
    """In the child, when it runs as root: become USER, with USER's group and no supplementary groups, for good
    (real, effective and saved ids); an unprivileged daemon's children are no more privileged than it already."""
    if os.geteuid() != 0:
        return
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise RuntimeError(f"the user {user!r} that children run as does not exist on this machine") from None
    os.setgroups([])
    os.setresgid(entry.pw_gid, entry.pw_gid, entry.pw_gid)
    os.setresuid(entry.pw_uid, entry.pw_uid, entry.pw_uid)
    if 0 in os.getresuid() or 0 in os.getresgid():
        raise RuntimeError("the child could not give up root")


def give_up_privileges() -> None:
    """In the child, after loading its code and before the first byte of a sender's file is read: root given up
    (drop_privileges), then no file but its libraries from then on (Landlock: not the config, not the store)."""
    drop_privileges()
    confine_files(child_read_only_paths())


def preload_for_reading(ocr: bool = True, signatures: bool = True) -> None:
    """Load what reading and drawing a PDF may import late (codecs, image plugins, PDF filters, the crypto
    backend), so that none of it needs a file the child cannot read once it is `nobody`. Without OCR (OpenCV,
    numpy, Tesseract) and SIGNATURES (pyHanko) a child is some 40 MB smaller and starts in half the time: a lean
    form reader reads without them or asks for one that has them (parsers.forms.reading.NeedsFullReader)."""
    import encodings
    import importlib
    import pkgutil

    def load(name: str) -> None:
        # An optional part (a codec for another platform, a module needing what is not installed) is not needed.
        with contextlib.suppress(Exception):
            importlib.import_module(name)

    for module in pkgutil.iter_modules(encodings.__path__):
        load(f"encodings.{module.name}")
    for package in ("pypdf", "pypdfium2"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            load(module.name)
    from PIL import Image

    Image.init()  # every image format plugin
    load("PIL.ImageOps")
    load("PIL.ImageSequence")
    # Scans and photos: OpenCV, numpy and Tesseract, and our OCR reader with all it imports (the form reader only;
    # the page-drawing child has no use for them and a smaller memory limit).
    for name in ("numpy", "cv2", "tesserocr", "parsers.forms.reading", "parsers.forms.scan_reading",
                 "parsers.forms.scan_image", "parsers.forms.ocr_words") if ocr else ():
        load(name)
    for name in ("pyhanko.sign.validation", "pyhanko_certvalidator") if signatures else ():
        load(name)
    for name in ("cryptography.hazmat.backends.openssl.backend", "zlib", "lzma", "bz2", "json", "pickle"):
        load(name)


def settle_heap() -> None:
    """In a long-lived process, once everything is loaded (a form-reading child, a daemon before its first poll):
    what was loaded kept out of the cyclic garbage collector's way. The preloaded modules are tens of thousands of
    objects (46,000 in a lean form reader, 93,000 in a full one, more in a daemon) that live as long as the
    process; left in the oldest generation, every full collection walks them all again. Frozen (gc.freeze), they
    are never scanned (nor ever freed: only what loading made is frozen); what the work leaves behind is still
    collected as before."""
    gc.collect()  # what loading left for garbage goes now, not frozen in
    gc.freeze()


def child_options() -> dict[str, Any]:
    """Every subprocess.Popen keyword a sandboxed child is started with: nothing of the parent's but its stdin,
    stdout and stderr (each a pipe or /dev/null), in its own session."""
    return {"env": child_environment(), "close_fds": True, "cwd": "/", "umask": 0o077, "start_new_session": True}
