"""The daemon's handler for real mail: the message pipeline of mailbot.intake, with the intake claim finished in
the same transaction as the message's cases and outbox rows (see mailbot.message_handler for the contract)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from mailbot.intake import seen_before
from mailbot.message_handler import HandleResult, IntakeClaim, overall_outcome
from mailbot.pipeline import record
from mailbot.settings import Settings
from mailbot.understanding import Understander


@dataclass
class PipelineHandler:
    sessions: sessionmaker[Session]
    understander: Understander
    settings: Settings

    def __call__(self, raw: bytes, claim: IntakeClaim) -> HandleResult:
        """Understand RAW (TryLater propagates: nothing recorded), read its forms unless it was seen before, then
        record it and finish the claim in one transaction."""
        u = self.understander.understand(raw)
        with self.sessions() as session:
            with session.begin():
                seen = seen_before(session, u)
            if not seen:
                u = self.understander.with_forms(u)
            with session.begin():
                cases = record(session, u, source=claim.key, now=claim.now, settings=self.settings)
                result = HandleResult(overall_outcome([c.outcome for c in cases]), tuple(c.case_id for c in cases))
                claim.complete(session, result)
        return result
