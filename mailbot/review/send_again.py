"""Sending a message the mailbot failed on through again (as Mailman's unshunt), from the case's web page or with
`mailbot review retry REF`: the whole handling runs on the stored raw message, and the new case(s) are recorded in
the same transaction that marks the old case sent through, so two people pressing at once make one set of cases and
a message is never handled twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from mailbot.processing.contract import TryLater
from mailbot.processing.handle import handle
from mailbot.processing.record import CaseOutcome
from mailbot.processing.settings import Settings
from mailbot.processing.understanding import Understander
from mailbot.processing.unprocessable import REASON, describe_failure, retryable
from mailbot.review.actions import ReviewError, load_case
from store import audit
from store.cases import case_by_reference
from store.db import transaction
from store.models import Case


def _open_for_retry(session: Session, reference: str, *, for_update: bool = False) -> Case:
    case = load_case(session, reference, for_update=for_update)
    if REASON not in (case.reasons or []):
        raise ReviewError(f"mailbot: review: {case.reference} is not a message the mailbot failed on; only those "
                          "can be sent through again")
    if "retried" in (case.fields or {}):
        done = case.fields["retried"]
        raise ReviewError(f"mailbot: review: {case.reference} was already sent through again by {done['by']} "
                          f"(as {', '.join(done['as'])}); it is never handled twice")
    if not retryable(case):
        raise ReviewError(f"mailbot: review: {case.reference} is no longer waiting (closed by {case.decided_by})")
    return case


def retry(sessions: sessionmaker[Session], understander: Understander, reference: str, *, by: str, now: datetime,
          settings: Settings, secrets: tuple[str, ...] = ()) -> list[CaseOutcome]:
    """Run the whole handling again on the stored message of REFERENCE, exactly once; its new cases. ReviewError
    when it may not be sent (not unprocessable, already sent) or failed again (the case keeps the new error)."""
    with sessions() as session:
        case = _open_for_retry(session, reference)
        message = case.message
        assert message is not None
        raw, source, case_id = message.raw, message.source, case.id

    def mark_sent_through(session: Session, cases: list[CaseOutcome]) -> None:
        """In the transaction recording the new cases: the old one is sent through, or nothing is recorded."""
        old = _open_for_retry(session, reference, for_update=True)
        refs = [c.reference for c in cases]
        for new in cases:
            made = session.get(Case, new.case_id)
            if made is not None and made.parent_case_id is None:
                made.parent_case_id = old.id  # staff can follow the message from the old case to the new
        old.fields = {**old.fields, "retried": {"at": now.isoformat(), "by": by, "as": refs}}
        old.needs_review, old.decided_by, old.decided_at, old.updated_at = False, by, now, now
        audit.record(session, at=now, actor=by, action="review.retried", case_id=old.id, org_code=old.org_code,
                     cases=refs, outcomes=[c.outcome for c in cases])

    try:
        return handle(sessions, understander, raw, source=source, now=now, settings=settings,
                      then=mark_sent_through)
    except ReviewError:
        raise
    except TryLater as exc:
        raise ReviewError(f"mailbot: review: {reference}: the sender cannot be checked just now ({exc}); nothing "
                          "was recorded, try again later") from None
    except Exception as exc:  # noqa: BLE001 - the fault is not mended: keep the new error on the case
        error = describe_failure(exc, secrets)
        with transaction(sessions) as session:
            old = case_by_reference(session, reference, for_update=True)
            if old is not None and old.id == case_id:
                kept = dict(old.fields.get("unprocessable", {}))
                kept.update(error=error, attempts=int(kept.get("attempts", 0)) + 1)
                old.fields = {**old.fields, "unprocessable": kept}
                old.updated_at = now
                audit.record(session, at=now, actor=by, action="review.retry_failed", case_id=old.id, error=error)
        raise ReviewError(f"mailbot: review: {reference} failed again ({error}); it stays in the queue with this "
                          "error") from None
