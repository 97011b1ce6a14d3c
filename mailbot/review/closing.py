"""Staff taking a case out of the queue without a reply (close), putting it back (reopen), and adding a note: none
of them writes to the sender, and each is audited with who and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.review.actions import ReviewError, closed_record, load_case, open_case
from mailbot.review.approval_scope import clear_awaiting
from store import audit
from store.confirmations import close_waiting


def close(session: Session, reference: str, *, by: str, now: datetime, reason: str = "") -> None:
    """Take the case out of the queue without a reply; its outcome stays as it was, and the case shows as closed
    (by whom, when, why) until someone reopens it."""
    case = open_case(session, reference, "close")
    why = reason.strip()[:1000] or "no reason given"
    case.needs_review, case.decided_by, case.decided_at, case.updated_at = False, by, now, now
    close_waiting(session, case.id, now=now, by=by)
    withdrawn = clear_awaiting(case)
    case.fields = {**(case.fields or {}), "closed": {"by": by, "at": now.isoformat(), "reason": why}}
    audit.record(session, at=now, actor=by, action="review.closed", case_id=case.id, org_code=case.org_code,
                 reason=why, **({"approval_withdrawn": withdrawn["by"]} if withdrawn else {}))


def reopen(session: Session, reference: str, *, by: str, now: datetime, reason: str = "") -> None:
    """Undo a close: the case is back in the queue, as it was before it was closed."""
    case = load_case(session, reference, for_update=True)
    closed = closed_record(case)
    if closed is None:
        raise ReviewError(f"mailbot: review: {case.reference} is not closed, so there is nothing to reopen")
    case.needs_review, case.updated_at = True, now
    case.fields = {k: v for k, v in case.fields.items() if k != "closed"}
    audit.record(session, at=now, actor=by, action="review.reopened", case_id=case.id, org_code=case.org_code,
                 reason=reason.strip()[:1000], closed_by=closed["by"])


def note(session: Session, reference: str, text: str, *, by: str, now: datetime) -> None:
    if not text.strip():
        raise ReviewError("mailbot: review: the note is empty")
    case = load_case(session, reference)
    audit.record(session, at=now, actor=by, action="review.note", case_id=case.id, org_code=case.org_code,
                 text=text.strip())
