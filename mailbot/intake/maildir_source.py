"""Reading a local Maildir instead of IMAP (`[source] kind = "maildir"`): the same intake, keyed by file name.

Mail is taken from new/ and cur/; once its case is committed it is moved into a Maildir++ sub-folder by outcome
(`.Approved/cur/` and so on), which is safe to repeat: a file already moved is simply not found again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mailbot.intake.imap_source import PollReport
from mailbot.intake.worker import IntakeWorker
from mailbot.metrics import METRICS
from mailbot.processing.contract import TryLater
from mailbot.processing.over_limit import OverLimit, read_over_limit

log = logging.getLogger(__name__)
READ_PIECE = 4 * 1024 * 1024  # the rest of a message over the size limit is read this much at a time


def maildir_key(path: Path) -> str:
    """The file's unique name, without the flags Maildir readers append after ':'."""
    return "maildir:" + path.name.split(":", 1)[0]


@dataclass
class MaildirSource:
    root: Path
    worker: IntakeWorker
    batch_size: int = 50
    max_bytes: int = 26214400  # [limits] max_message_bytes
    stop: threading.Event = field(default_factory=threading.Event)
    after_batch: Callable[[], None] = lambda: None

    def close(self) -> None:
        return None

    def _listing(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for sub in ("new", "cur"):
            folder = self.root / sub
            folder.mkdir(parents=True, exist_ok=True)
            for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                if entry.is_file() and not entry.name.startswith("."):
                    found[maildir_key(Path(entry.path))] = Path(entry.path)
        return found

    def poll(self) -> PollReport:
        report = PollReport()
        try:
            files = self._listing()
            triage = self.worker.triage(files)
            moves: dict[str, list[str]] = defaultdict(list)
            for key, folder in triage.cleanup.items():
                moves[folder].append(key)
            report.moved += self._move_all(moves, files)
            report.waiting = triage.waiting
            report.backlog = len(triage.candidates) + triage.waiting
            for start in range(0, len(triage.candidates), max(1, self.batch_size)):
                if self.stop.is_set():
                    break
                handled, moved = self._batch(triage.candidates[start:start + self.batch_size], files)
                report.handled += handled
                report.moved += moved
                report.backlog -= handled
                self.after_batch()
        except Exception:
            METRICS.errors.labels(kind="poll").inc()
            raise
        return report

    def _batch(self, keys: list[str], files: dict[str, Path]) -> tuple[int, int]:
        claimed = self.worker.claim(keys)
        raws: dict[str, bytes] = {}
        over_limit: dict[str, OverLimit] = {}
        for key in claimed:
            try:
                with open(files[key], "rb") as f:
                    raws[key] = f.read(self.max_bytes + 1)
                    if len(raws[key]) > self.max_bytes:  # flagged unread: the rest only goes by, for its body hashes
                        over_limit[key] = read_over_limit(raws[key], iter(lambda: f.read(READ_PIECE), b""))
            except OSError:
                raws.pop(key, None)
                self.worker.process_failure(key, TryLater("the file is no longer in the Maildir"))
        folders = self.worker.process_batch(claimed, raws, self.stop, over_limit=over_limit)
        moves: dict[str, list[str]] = defaultdict(list)
        for key, folder in folders.items():
            if folder:
                moves[folder].append(key)
        return len(folders), self._move_all(moves, files)

    def _move_all(self, moves: dict[str, list[str]], files: dict[str, Path]) -> int:
        moved = 0
        for folder, keys in moves.items():
            target = self.root / f".{folder}"
            for sub in ("tmp", "new", "cur"):
                (target / sub).mkdir(parents=True, exist_ok=True)
            done = []
            for key in keys:
                path = files[key]
                name = path.name if ":" in path.name else path.name + ":2,"
                with contextlib.suppress(FileNotFoundError):  # moved already: nothing to repeat
                    os.rename(path, target / "cur" / name)
                    moved += 1
                done.append(key)
            self.worker.cleaned(done)
        return moved
