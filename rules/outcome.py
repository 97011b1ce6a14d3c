"""Running a chain and deciding the outcome from what it found (SPEC 2's precedence), in one small place."""

from __future__ import annotations

from dataclasses import dataclass

from parsers.vocabulary.outcomes import Outcome
from rules.chains import CHAINS
from rules.check import CheckResult
from rules.context import CheckContext
from rules.reasons import REASONS

# A sender we cannot trust gets no reply and a person decides, whatever else was wrong (SPEC 2 and 4). The same
# holds for any reason that forbids the reply (the per-address limit): a rejection is a promise of one reply naming
# what to put right; where that reply cannot go, a person must see the case, or nobody would ever hear of it.
UNTRUSTED_SENDER = frozenset({"sender.unauthenticated", "sender.ambiguous"})


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[str, ...]  # every failed check's code, in check order, once each
    results: tuple[CheckResult, ...]

    @property
    def replies_allowed(self) -> bool:
        """False when a reason forbids any reply (automatic or untrusted sender, a reply loop, a bounce)."""
        return all(REASONS[code].replies for code in self.reasons)


def run_chain(ctx: CheckContext) -> tuple[CheckResult, ...]:
    results: list[CheckResult] = []
    for link in CHAINS[ctx.kind].links:
        result = link.check(ctx)
        results.append(result)
        if result.failed and link.stop_on_failure:
            break
    return tuple(results)


def decide_from(results: tuple[CheckResult, ...], when_all_pass: Outcome) -> Decision:
    """ignored > flagged for an untrusted sender (or no reply allowed) > rejected > flagged > pending > the chain's
    outcome."""
    failures = [r for r in results if r.failed]
    reasons = tuple(dict.fromkeys(r.reason for r in failures if r.reason))
    outcomes = {r.outcome for r in failures}
    if Outcome.IGNORED in outcomes:
        outcome = Outcome.IGNORED
    elif UNTRUSTED_SENDER & set(reasons) or not all(REASONS[code].replies for code in reasons):
        outcome = Outcome.FLAGGED
    elif Outcome.REJECTED in outcomes:
        outcome = Outcome.REJECTED
    elif Outcome.FLAGGED in outcomes:
        outcome = Outcome.FLAGGED
    elif Outcome.PENDING in outcomes:
        outcome = Outcome.PENDING
    else:
        outcome = when_all_pass
    return Decision(outcome, reasons, results)


def decide(ctx: CheckContext) -> Decision:
    """Run the chain for the message's kind and decide."""
    return decide_from(run_chain(ctx), CHAINS[ctx.kind].when_all_pass)
