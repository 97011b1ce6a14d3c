"""Messages the mailbot failed on (SPEC 3 `message.unprocessable`): the case that keeps them in front of staff, the
error kept on it with no secret in it, and sending one through again (as Mailman's unshunt), exactly once.

A message that fails [daemon] max_attempts times (or once under `mailbot process`, which does not retry) is stored
whole and becomes a flagged case of kind `unclear`, in the same transaction that sets its intake record aside. Its
sender is not trusted and never mailed: nothing about the message was judged. When the fault is mended, a member
of staff sends it through again (mailbot.review.send_again).
"""

from __future__ import annotations

import traceback
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from mailbot.outbox.replies import clean_subject
from mailbot.redaction import redact
from parsers.from_address import single_from_address
from parsers.headers import decode_header_value
from parsers.raw_headers import split_message
from parsers.vocabulary.kinds import Kind
from parsers.vocabulary.outcomes import Outcome
from store import audit
from store.cases import next_reference, store_message
from store.models import Case
from store.review import set_reasons

REASON = "message.unprocessable"
ACTOR = "mailbot"
MAX_ERROR = 2000
OUR_PACKAGES = ("mailbot", "parsers", "rules", "store")


def describe_failure(exc: BaseException, secrets: tuple[str, ...] = ()) -> str:
    """What failed and where, for staff and whoever mends it: the exception, the innermost line of our own code and
    the innermost line of all; no local values, no secret, at most MAX_ERROR characters."""
    message = " ".join(str(exc).split())[:1000]
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if any(f"/{p}/" in f.filename.replace("\\", "/") for p in OUR_PACKAGES)]
    where = []
    if ours:
        where.append(f"in {_frame(ours[-1])}")
    if frames and (not ours or frames[-1] is not ours[-1]):
        where.append(f"innermost {_frame(frames[-1])}")
    if where:
        text += f" ({'; '.join(where)})"
    return redact(text, secrets)[:MAX_ERROR]


def _frame(frame: traceback.FrameSummary) -> str:
    path = Path(frame.filename)
    return f"{path.parent.name}/{path.name}:{frame.lineno} {frame.name}"


def _who_and_what(raw: bytes) -> tuple[str, str]:
    """The strictly parsed From address and the subject, as far as they can be read; never raises."""
    try:
        headers = split_message(raw)
        sender = single_from_address(headers).address or ""
        subjects = headers.named("Subject")
        subject = decode_header_value(subjects[0].unfolded.decode("utf-8", "replace")) if subjects else ""
        return sender[:320], clean_subject(subject)[:500]
    except Exception:  # noqa: BLE001 - the message already broke the mailbot once; show what can be shown
        return "", ""


def record_unprocessable(session: Session, *, raw: bytes, source: str, now: datetime, error: str, attempts: int,
                         message_id: str | None, content_hash: str) -> Case:
    """Store RAW and make its `message.unprocessable` case, inside the caller's transaction. The message's keys are
    not claimed: sent through again, it is a first sighting, not a duplicate of itself."""
    row = store_message(session, raw=raw, source=source, message_id=message_id, content_hash=content_hash,
                        received_at=now)
    sender, subject = _who_and_what(raw)
    case = Case(reference=next_reference(session, now.year), kind=Kind.UNCLEAR.value, outcome=Outcome.FLAGGED.value,
                reasons=[], checks=[], changes=[], org_code=None, sender=sender, subject=subject,
                fields={"unprocessable": {"error": error, "attempts": attempts, "source": source,
                                          "message_id": message_id},
                        # Nothing was judged: the sender is shown, never trusted or mailed.
                        "sender": {"address": sender or None, "authenticated": False, "ambiguous": not sender,
                                   "nhs": False, "method": None, "problems": ["the message was not handled"],
                                   "signatures": []}},
                message_row_id=row.id, needs_review=True, created_at=now, updated_at=now, decided_at=now,
                decided_by=ACTOR)
    session.add(case)
    session.flush()
    set_reasons(session, case, [REASON])
    audit.record(session, at=now, actor=ACTOR, action="case.unprocessable", case_id=case.id, attempts=attempts,
                 error=error)
    return case


def retryable(case: Case) -> bool:
    """May staff send the case's message through again? An unprocessable case still waiting, not yet sent."""
    return (REASON in (case.reasons or []) and case.needs_review and "retried" not in (case.fields or {})
            and case.message_row_id is not None)
