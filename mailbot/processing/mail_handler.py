"""The daemon's handler for real mail: the message pipeline of mailbot.processing.handle, with the intake claim
finished in the same transaction as the message's cases and outbox rows (see mailbot.processing.contract for the
contract). In two steps, so that the daemon can read messages ahead (mailbot.intake.worker): `read_ahead`
understands a message and reads its forms, writing nothing; the recording it returns writes it all at once, after
making sure the understanding still stands on the register the messages recorded meanwhile have left
(mailbot.processing.register_reads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session, sessionmaker

from mailbot.processing.contract import HandleResult, IntakeClaim, overall_outcome
from mailbot.processing.handle import record_understood, understood
from mailbot.processing.record import CaseOutcome
from mailbot.processing.register_reads import FormsRead, RegisterReads
from mailbot.processing.settings import Settings
from mailbot.processing.understanding import Understander, Understanding


@dataclass
class PipelineHandler:
    sessions: sessionmaker[Session]
    understander: Understander
    settings: Settings
    # Messages this handler has recorded: an understanding begun after the last of them read the register as the
    # recording will find it (as far as this daemon's own changes go), so it need not be checked again.
    _recorded: int = field(default=0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    # Understandings made again because a message recorded after they began changed what they read.
    understood_again: int = field(default=0, init=False)

    def __call__(self, raw: bytes, claim: IntakeClaim) -> HandleResult:
        """Handle RAW as mailbot.processing.handle does (TryLater propagates: nothing recorded), finishing the claim in
        the transaction that records the message."""
        return self.read_ahead(raw, claim)()

    def read_ahead(self, raw: bytes, claim: IntakeClaim) -> Callable[[], HandleResult]:
        """RAW understood and its forms read, nothing written (TryLater propagates); returns its recording, to be
        called when the messages before it are recorded. The recording understands RAW again (its forms not read
        twice) when what the understanding read of the register reads differently by then: its outcome is the one
        RAW would have had understood only after the messages before it were recorded."""
        recorded = self._recorded
        reads, forms = RegisterReads(), FormsRead(self.understander.read_form)
        watched = replace(reads.watching(self.understander), read_form=forms)

        def understanding() -> Understanding:
            return understood(self.sessions, watched, raw, now=claim.now, give_up_waiting=claim.give_up_waiting,
                              over_limit=claim.over_limit)

        u = understanding()

        def recording() -> HandleResult:
            nonlocal u
            if self._recorded != recorded and not _still_read_the_same(reads, self.understander):
                reads.made.clear()
                u = understanding()
                self.understood_again += 1
            cases = record_understood(self.sessions, u, source=claim.key, now=claim.now, settings=self.settings,
                                      then=finish_claim)
            with self._lock:
                self._recorded += 1
            return _result(cases)

        def finish_claim(session: Session, cases: list[CaseOutcome]) -> None:
            claim.complete(session, _result(cases))

        return recording


def _result(cases: list[CaseOutcome]) -> HandleResult:
    return HandleResult(overall_outcome([c.outcome for c in cases]), tuple(c.case_id for c in cases))


def _still_read_the_same(reads: RegisterReads, understander: Understander) -> bool:
    """reads.still_read_the_same, its look-ups asked again through one look at the register (one session, the
    register's token asked once), as understanding asks them."""
    with understander.register_look():
        return reads.still_read_the_same(understander)
