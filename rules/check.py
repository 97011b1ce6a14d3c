"""A check: one small named test over a CheckContext that passes, fails with a reason code, or cannot run.

Checks are plain functions wrapped by `@check(name, description)`. A check that fails returns the SPEC 3 reason
code, a plain-English explanation of this particular failure for staff, and details the reply needs (the roles
allowed, the fields missing...). A check that cannot run because something it needs is missing (no readable form,
an unknown organisation) says so and is skipped: the check that found the missing thing already failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from parsers.vocabulary.outcomes import Outcome
from rules.context import CheckContext
from rules.reasons import reason


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str  # passed / failed / skipped
    reason: str | None = None
    outcome: Outcome | None = None  # what the failure leads to; the reason's default unless the check says
    explanation: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def as_record(self) -> dict[str, Any]:
        """The form kept on the case: what staff see for each check."""
        record: dict[str, Any] = {"name": self.name, "status": self.status, "explanation": self.explanation}
        if self.reason:
            record["reason"] = self.reason
        if self.details:
            record["details"] = self.details
        return record


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    run: Callable[[CheckContext], CheckResult]

    def __call__(self, ctx: CheckContext) -> CheckResult:
        return self.run(ctx)

    def leading_to(self, outcome: Outcome) -> Check:
        """This check, its failure leading to OUTCOME: how a chain says what the same failure means for its kind."""

        def run(ctx: CheckContext) -> CheckResult:
            result = self.run(ctx)
            return replace(result, outcome=outcome) if result.failed else result

        return Check(self.name, self.description, run)


class Verdict:
    """What a check function returns; `check` turns it into a CheckResult carrying the check's name."""

    def __init__(self, status: str, reason: str | None = None, explanation: str = "",
                 outcome: Outcome | None = None, details: dict[str, Any] | None = None) -> None:
        self.status, self.reason, self.explanation = status, reason, explanation
        self.outcome, self.details = outcome, details or {}


def passed(explanation: str = "", **details: Any) -> Verdict:
    return Verdict("passed", explanation=explanation, details=details)


def failed(code: str, explanation: str, *, outcome: Outcome | None = None, **details: Any) -> Verdict:
    return Verdict("failed", code, explanation, outcome or reason(code).outcome, details)


def skipped(why: str) -> Verdict:
    return Verdict("skipped", explanation=why)


def check(name: str, description: str) -> Callable[[Callable[[CheckContext], Verdict]], Check]:
    """Make a function of a CheckContext into a named Check."""

    def wrap(fn: Callable[[CheckContext], Verdict]) -> Check:
        def run(ctx: CheckContext) -> CheckResult:
            v = fn(ctx)
            return CheckResult(name, v.status, v.reason, v.outcome, v.explanation or description, v.details)

        return Check(name, description, run)

    return wrap
