"""The daemon's handler for real mail: the message pipeline of mailbot.processing.handle, with the intake claim
finished in the same transaction as the message's cases and outbox rows (see mailbot.processing.contract for the
contract). In two steps, so that the daemon can read messages ahead (mailbot.intake.worker): `read_ahead`
understands a message and reads its forms, writing nothing; the recording it returns writes it all at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from mailbot.processing.contract import HandleResult, IntakeClaim, overall_outcome
from mailbot.processing.handle import record_understood, understood
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
        return self.read_ahead(raw, claim)()

    def read_ahead(self, raw: bytes, claim: IntakeClaim) -> Callable[[], HandleResult]:
        """RAW understood and its forms read, nothing written (TryLater propagates); returns its recording, to be
        called when the messages before it are recorded."""
        u = understood(self.sessions, self.understander, raw, now=claim.now, give_up_waiting=claim.give_up_waiting,
                       over_limit=claim.over_limit)

        def recording() -> HandleResult:
            cases = record_understood(self.sessions, u, source=claim.key, now=claim.now, settings=self.settings,
                                      then=finish_claim)
            return _result(cases)

        def finish_claim(session: Session, cases: list[CaseOutcome]) -> None:
            claim.complete(session, _result(cases))

        return recording


def _result(cases: list[CaseOutcome]) -> HandleResult:
    return HandleResult(overall_outcome([c.outcome for c in cases]), tuple(c.case_id for c in cases))
