"""The daemon's handler for real mail: the message pipeline of mailbot.processing.handle, with the intake claim
finished in the same transaction as the message's cases and outbox rows (see mailbot.processing.contract for the
contract)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from mailbot.processing.contract import HandleResult, IntakeClaim, overall_outcome
from mailbot.processing.handle import handle
from mailbot.processing.record import CaseOutcome
from mailbot.processing.settings import Settings
from mailbot.processing.understanding import Understander


@dataclass
class PipelineHandler:
    sessions: sessionmaker[Session]
    understander: Understander
    settings: Settings

    def __call__(self, raw: bytes, claim: IntakeClaim) -> HandleResult:
        """Handle RAW as mailbot.processing.handle does (TryLater propagates: nothing recorded), finishing the claim in
        the transaction that records the message."""
        results: list[HandleResult] = []

        def finish_claim(session: Session, cases: list[CaseOutcome]) -> None:
            result = HandleResult(overall_outcome([c.outcome for c in cases]), tuple(c.case_id for c in cases))
            claim.complete(session, result)
            results.append(result)

        handle(self.sessions, self.understander, raw, source=claim.key, now=claim.now, settings=self.settings,
               then=finish_claim, give_up_waiting=claim.give_up_waiting, over_limit=claim.over_limit)
        return results[0]
