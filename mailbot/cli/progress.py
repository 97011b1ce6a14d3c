"""A progress bar on stderr for long runs, drawn only when stderr is a terminal (never into a log or a pipe)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Call with (done, total); `clear()` takes it off its line for a moment, `close()` ends the line. Redrawn at
    most ten times a second."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.label, self.width = label, width
        self.drawn_at = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        now = time.monotonic()
        if done < total and now - self.drawn_at < 0.1:
            return
        self.drawn_at, self.drawn = now, True
        filled = self.width * done // total
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        self.stream.flush()

    def clear(self) -> None:
        """Take the bar off its line, so a line of output can be printed there; it is drawn again on the next call."""
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.drawn, self.drawn_at = False, 0.0

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
