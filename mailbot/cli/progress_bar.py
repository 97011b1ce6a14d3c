"""A progress bar on stderr for long commands, drawn only when stderr is a terminal (never in logs or pipes).

Hand-written rather than a dependency: one line redrawn with a carriage return, at most ten times a second.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

WIDTH = 30
EVERY = 0.1  # seconds between redraws


class ProgressBar:
    def __init__(self, label: str, total: int, stream: TextIO | None = None, *, force: bool = False) -> None:
        self.label, self.total, self.done = label, max(total, 0), 0
        self.stream = stream if stream is not None else sys.stderr
        self.shown = force or self.stream.isatty()
        self._drawn_at = 0.0

    def __enter__(self) -> ProgressBar:
        self._draw()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.shown:
            if kind is None:
                self.done = self.total
                self._draw()
            self.stream.write("\n")
            self.stream.flush()

    def advance(self, count: int = 1) -> None:
        self.done = min(self.total, self.done + count)
        if time.monotonic() - self._drawn_at >= EVERY or self.done == self.total:
            self._draw()

    def clear(self) -> None:
        """Take the bar off its line for a moment, so that a line of output can be printed there; the next advance
        draws it again."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn_at = 0.0

    def _draw(self) -> None:
        if not self.shown:
            return
        share = self.done / self.total if self.total else 1.0
        filled = round(WIDTH * share)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total} "
                          f"{share:4.0%}")
        self.stream.flush()
        self._drawn_at = time.monotonic()
