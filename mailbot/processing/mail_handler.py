"""The daemon's handler for real mail: the message pipeline of mailbot.processing.handle, with the intake claim
finished in the same transaction as the message's cases and outbox rows (see mailbot.processing.contract for the
contract). In two steps, so that the daemon can read messages ahead (mailbot.intake.worker): `read_ahead`
understands a message and reads its forms, writing nothing; the recording it returns writes it all at once, the
understanding checked in its transaction against the register the messages recorded meanwhile have left, and made
again if it no longer stands (mailbot.processing.handle.record_afresh)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session, sessionmaker

from mailbot.processing.contract import GroupRecording, HandleResult, IntakeClaim, overall_outcome
from mailbot.processing.forms_read import FormsRead
from mailbot.processing.handle import record_afresh, understood
from mailbot.processing.record import CaseOutcome, RegisterMoved
from mailbot.processing.settings import Settings
from mailbot.processing.understanding import Understander, Understanding


@dataclass
class PipelineHandler:
    sessions: sessionmaker[Session]
    understander: Understander
    settings: Settings
    # Understandings made again because the register changed, after they began, in what they read.
    understood_again: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __call__(self, raw: bytes, claim: IntakeClaim) -> HandleResult:
        """Handle RAW as mailbot.processing.handle does (TryLater propagates: nothing recorded), finishing the claim in
        the transaction that records the message."""
        return self.read_ahead(raw, claim)()

    def _understood_again(self, times: int) -> None:
        if times:
            with self._lock:
                self.understood_again += times

    def read_ahead(self, raw: bytes, claim: IntakeClaim) -> GroupRecording:
        """RAW understood and its forms read, nothing written (TryLater propagates); returns its recording, to be
        called when the messages before it are recorded (given a session, in a savepoint of its transaction: see
        GroupRecording). The recording understands RAW again (its forms not read
        twice) when what the understanding read of the register reads differently in its transaction: its outcome
        is the one RAW would have had understood only after the messages before it were recorded."""
        reading = replace(self.understander, read_form=FormsRead(self.understander.read_form))

        def understanding() -> Understanding:
            return understood(self.sessions, reading, raw, now=claim.now, give_up_waiting=claim.give_up_waiting,
                              over_limit=claim.over_limit)

        understood_on: list[Understanding | None] = [understanding()]  # (None: to be made again first)

        def recording(group: Session | None = None) -> HandleResult:
            u = understood_on[0] or understanding()
            try:
                cases, again = record_afresh(self.sessions, u, understanding, source=claim.key, now=claim.now,
                                             settings=self.settings, then=finish_claim, group=group)
            except RegisterMoved:
                if group is not None:  # understood again when called again, the group committed meanwhile
                    understood_on[0] = None
                    self._understood_again(1)
                raise
            self._understood_again(again)
            return _result(cases)

        def finish_claim(session: Session, cases: list[CaseOutcome]) -> None:
            claim.complete(session, _result(cases))

        return recording

    # Its recordings may be given a group's session (GroupRecording): mailbot.intake.recording_group.
    records_in_group = True


def _result(cases: list[CaseOutcome]) -> HandleResult:
    return HandleResult(overall_outcome([c.outcome for c in cases]), tuple(c.case_id for c in cases))

