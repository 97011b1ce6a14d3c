"""A real Dovecot for the tests: started on a free port in a temp folder, filled and inspected over IMAP.

Kill it (SIGKILL to its master and every child, so open connections drop), restart it on the same port and mail,
or reset the INBOX's UIDVALIDITY the way an index rebuild does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from imapclient import IMAPClient

from tests.support.dovecot_config import DovecotSetup, write
from tests.support.listening import free_port


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} is not installed (Debian package dovecot-imapd)")
    return path


def dovecot_available() -> bool:
    return shutil.which("dovecot") is not None and shutil.which("doveadm") is not None


def _children(pid: int) -> list[int]:
    """Every descendant of PID, read from /proc (our own processes only, by id)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == current]
        found += kids
        frontier += kids
    return found


class DovecotServer:
    def __init__(self, root: Path, *, without: tuple[str, ...] = (), port: int | None = None) -> None:
        self.setup = DovecotSetup(root=root, port=port or free_port(), without=without)
        write(self.setup)

    # --- process ---------------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.setup.port

    @property
    def user(self) -> str:
        return self.setup.user

    @property
    def password(self) -> str:
        return self.setup.password

    def master_pid(self) -> int | None:
        path = self.setup.root / "run" / "master.pid"
        with contextlib.suppress(OSError, ValueError):
            pid = int(path.read_text().strip())
            os.kill(pid, 0)
            return pid
        return None

    def start(self) -> None:
        # The master forks into the background: it must not inherit pipes we would wait on.
        subprocess.run([_tool("dovecot"), "-c", str(self.setup.config_path)], check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"Dovecot did not start on port {self.port}: {self.log_tail()}")

    def stop(self) -> None:
        pid = self.master_pid()
        if pid is None:
            return
        subprocess.run([_tool("doveadm"), "-c", str(self.setup.config_path), "stop"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20, check=False)
        deadline = time.monotonic() + 10
        while self.master_pid() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.master_pid() is not None:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the master and all its children: every connection drops without a goodbye."""
        pid = self.master_pid()
        if pid is None:
            return
        victims = [pid, *_children(pid)]
        for victim in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(v) for v in victims):
            time.sleep(0.02)
        with contextlib.suppress(OSError):
            (self.setup.root / "run" / "master.pid").unlink()

    def restart(self) -> None:
        self.kill()
        self.start()

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join((self.setup.root / "dovecot.log").read_text().splitlines()[-lines:])
        return ""

    # --- mail ------------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def client(self, folder: str | None = "INBOX") -> Iterator[IMAPClient]:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        try:
            if folder is not None:
                client.select_folder(folder)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        with self.client(None) as c:
            if not c.folder_exists(folder):
                c.create_folder(folder)
            for raw in messages:
                c.append(folder, raw)

    def folders(self) -> list[str]:
        with self.client(None) as c:
            return sorted(name for _flags, _delim, name in c.list_folders())

    def uids(self, folder: str = "INBOX") -> list[int]:
        with self.client(None) as c:
            if not c.folder_exists(folder):
                return []
            c.select_folder(folder, readonly=True)
            return sorted(c.search(["NOT", "DELETED"]))

    def fetch(self, folder: str = "INBOX") -> dict[int, bytes]:
        """Every message of FOLDER (not flagged deleted), by UID."""
        with self.client(None) as c:
            if not c.folder_exists(folder):
                return {}
            c.select_folder(folder, readonly=True)
            uids = c.search(["NOT", "DELETED"])
            if not uids:
                return {}
            return {uid: data[b"BODY[]"] for uid, data in c.fetch(uids, ["BODY.PEEK[]"]).items()}

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.client(None) as c:
            c.select_folder(folder, readonly=True)
            uids = c.search(["ALL"])
            return {uid: tuple(f) for uid, f in c.get_flags(uids).items()} if uids else {}

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client(None) as c:
            return int(c.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])

    def reset_uidvalidity(self, folder: str = "INBOX") -> int:
        """What an index rebuild does: Dovecot forgets its UID list, so every message gets a new UID under a new
        UIDVALIDITY. Done with the server stopped, then started again; returns the new UIDVALIDITY."""
        before = self.uidvalidity(folder)
        self.stop()
        box = self.setup.user_maildir() if folder == "INBOX" else self.setup.user_maildir() / f".{folder}"
        for path in box.iterdir():
            if path.name.startswith("dovecot"):
                path.unlink()
        # Dovecot takes the new UIDVALIDITY from the clock: make sure a second has passed.
        while int(time.time()) <= before:
            time.sleep(0.1)
        self.start()
        after = self.uidvalidity(folder)
        assert after != before, "UIDVALIDITY did not change"
        return after


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        if "zombie" in Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0]:
            return False
    return True
