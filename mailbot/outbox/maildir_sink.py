"""The outbox's sink for one machine with no mail server (`[sink] kind = "maildir"`): replies written to a Maildir."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from mailbot.outbox.transport import SendTransient, SendUncertain


class MaildirSink:
    """Replies written to a local Maildir (new/), for one machine with no mail server: README's demo and tests.
    Each file is named after its outbox row, written to tmp/ and renamed, so a reader never sees half a mail."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.opened = False

    @property
    def is_open(self) -> bool:
        return self.opened

    async def open(self) -> None:
        try:
            for sub in ("tmp", "new", "cur"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SendTransient(f"cannot create the Maildir {self.root}: {exc}") from exc
        self.opened = True

    async def envelope(self, sender: str, recipient: str) -> None:
        return None

    async def data(self, name: str, content: bytes) -> None:
        unique = f"{int(time.time())}.{name}.{socket.gethostname()}"
        tmp = self.root / "tmp" / unique
        try:
            with open(tmp, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise SendTransient(f"cannot write {tmp}: {exc}") from exc
        try:
            os.rename(tmp, self.root / "new" / unique)
        except OSError as exc:
            raise SendUncertain(f"cannot move {tmp} into new/: {exc}") from exc

    async def close(self) -> None:
        return None
