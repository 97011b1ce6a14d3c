"""A small real message handler for the daemon's tests, writing to the real store the way the pipeline does:
the raw message, one case and one reply row, and the intake claim, in one transaction (or, in the daemon's group of
messages, a savepoint of the group's: mailbot/intake/recording_group.py).

Its decision is read from the subject, so tests can steer it: "[fail]" raises (a message that always fails),
"[later]" raises TryLater, "[fail late]" raises once everything is written, "[flag]" flags the case; anything else
is approved with one reply to the sender. "[fail queued first]" and "[fail queued last]" send, first or last, a
statement that fails on the server, one whose result nobody reads (on PostgreSQL queued: store/pg_pipeline.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message
from email.utils import parseaddr

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from mailbot.outbox.rows import outbox_message_id
from mailbot.processing.contract import HandleResult, IntakeClaim, TryLater, recording_session
from store.cases import next_reference, store_message
from store.models import Case, OutboxMessage
from store.precompiled import Precompiled
from store.review import set_reasons

DOMAIN = "mailbot.test"
# A key with no message: NOT NULL refuses it, on the server.
_FAILING = Precompiled(text("INSERT INTO message_keys (key, message_row_id) VALUES (:key, NULL)"), ("key",))


class SimpleHandler:
    def __init__(self, sessions: sessionmaker[Session], mailbox: str = "pcse.openexeter@nhs.net",
                 delay: float = 0.0) -> None:
        self.sessions = sessions
        self.mailbox = mailbox
        self.delay = delay  # seconds of "work" per message, so a test can kill the daemon in the middle

    # Its recordings join the daemon's groups (mailbot.intake.recording_group), as the pipeline's do.
    records_in_group = True

    def __call__(self, raw: bytes, claim: IntakeClaim) -> HandleResult:
        return self.read_ahead(raw, claim)()

    def read_ahead(self, raw: bytes, claim: IntakeClaim) -> Callable[..., HandleResult]:
        """Nothing is read ahead: the recording does it all, its delay too (as this handler did in one call),
        in a savepoint of GROUP's transaction when given one (contract.GroupRecording)."""

        def recording(group: Session | None = None) -> HandleResult:
            msg = message_from_bytes(raw)
            subject = str(msg.get("Subject", ""))
            if "[fail]" in subject:
                raise ValueError("this message always fails")
            if "[later]" in subject:
                raise TryLater("a look-up failed for now")
            if self.delay:
                time.sleep(self.delay)
            with recording_session(self.sessions, group) as session:  # as the pipeline's recording
                return self._record(session, raw, msg, subject, claim)

        return recording

    def _record(self, session: Session, raw: bytes, msg: Message, subject: str, claim: IntakeClaim) -> HandleResult:
        if "[fail queued first]" in subject:  # (on PostgreSQL queued with the message's SAVEPOINT)
            _FAILING.execute(session.connection(), {"key": claim.key})
        outcome = "flagged" if "[flag]" in subject else "approved"
        sender = parseaddr(str(msg.get("From", "")))[1]
        row = store_message(session, raw=raw, source=claim.key, message_id=claim.message_id,
                            content_hash=claim.content_hash, received_at=claim.now)
        case = Case(reference=next_reference(session, claim.now.year), kind="unclear", outcome=outcome,
                    reasons=[], checks=[], fields={}, changes=[], sender=sender, subject=subject,
                    message_row_id=row.id, needs_review=outcome == "flagged", created_at=claim.now,
                    updated_at=claim.now, decided_at=claim.now, decided_by="mailbot")
        session.add(case)
        session.flush()
        set_reasons(session, case, ["request.unclear"] if outcome == "flagged" else [])
        headers = {"From": self.mailbox, "To": sender, "Auto-Submitted": "auto-replied",
                   "In-Reply-To": claim.message_id or ""}
        session.add(OutboxMessage(case_id=case.id, message_id=outbox_message_id(case.reference, 1, DOMAIN),
                                  purpose="reply", recipient=sender, subject=f"Re: {subject} [{case.reference}]",
                                  body=f"Your message {claim.message_id} is {outcome}.\n", headers=headers,
                                  status="pending", attempts=0, next_attempt_at=claim.now, created_at=claim.now))
        result = HandleResult(outcome, (case.id,))
        claim.complete(session, result)
        if "[fail queued last]" in subject:  # (on PostgreSQL its error is heard of at the savepoint's RELEASE)
            _FAILING.execute(session.connection(), {"key": claim.key})
        if "[fail late]" in subject:  # all of it written (flushed), then the failure: a rollback must undo it all
            session.flush()
            raise ValueError("this message fails after writing its case")
        return result
