"""Counting what some calls of a piece of work cost, in figures that do not move with the machine's load: each call
after the first few (warm-up: caches filled, statements compiled) run under cProfile (Python calls), or through
`operator.call`, whose C function callgrind's `--toggle-collect=_operator_call` switches counting on and off with
(machine instructions: callgrind's total divided by `counted`). Shared by bench/recording_cost.py and
bench/understanding_cost.py."""

from __future__ import annotations

import cProfile
import operator
import pstats
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

WARM_UP = 10


@dataclass
class CallCost:
    instructions: bool  # under callgrind (operator.call), else cProfile
    warm_up: int = WARM_UP
    seen: int = 0
    profile: cProfile.Profile = field(default_factory=cProfile.Profile)

    @property
    def counted(self) -> int:
        return max(0, self.seen - self.warm_up)

    def __call__(self, work: Callable[..., Any], *given: Any, **named: Any) -> Any:
        """WORK(*GIVEN, **NAMED), counted unless it is one of the first `warm_up` calls."""
        self.seen += 1
        if self.seen <= self.warm_up:
            return work(*given, **named)
        if self.instructions:
            return operator.call(work, *given, **named)
        self.profile.enable()
        try:
            return work(*given, **named)
        finally:
            self.profile.disable()

    def report(self, what: str, *, top: int = 0, dump: str | None = None) -> None:
        """Print the calls counted (and, without callgrind, the Python calls a WHAT, the TOP functions by their own
        time, the stats written to DUMP)."""
        a = "an" if what[:1] in "aeiou" else "a"
        print(f"{what}s counted:", self.counted, f"(callgrind's total divided by this: instructions {a} {what})")
        if self.instructions or not self.counted:
            return
        stats = pstats.Stats(self.profile)
        print(f"Python calls {a} {what}:", round(stats.total_calls / self.counted))  # type: ignore[attr-defined]
        if top:
            stats.sort_stats("tottime").print_stats(top)
        if dump:
            stats.dump_stats(dump)
