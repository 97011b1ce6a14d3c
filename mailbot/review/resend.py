"""Sending a signatory's confirmation request again (SPEC 17), from the review page or `mailbot review resend`:
to their address on record as the register holds it now, their wait starting again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.processing.settings import Settings
from mailbot.processing.signatory_confirmation import request_confirmation
from mailbot.processing.stored_case import stored_context, stored_request
from mailbot.review.actions import ReviewError, load_case
from parsers.vocabulary.outcomes import Outcome
from rules.signatory_proof import signatory_on_record_for
from store import audit
from store.confirmations import confirmation_of
from store.review import set_reasons

# The reasons a resent request replaces: the signatory was asked, did not answer in time, or answered unclearly.
RESENDABLE = frozenset({"signatory.confirmation_requested", "signatory.unconfirmed", "request.unclear"})


def resendable(outcome: str, needs_review: bool, status: str | None) -> bool:
    """May staff send the signatory's request again? While it waits, or after no answer or an unclear one (never
    after a no: that is for a person to look into)."""
    if status == "waiting":
        return outcome == Outcome.PENDING.value
    return needs_review and status in ("expired", "unclear")


def resend_confirmation(session: Session, reference: str, *, by: str, now: datetime, settings: Settings) -> str:
    """Send the signatory's confirmation request again, to their address on record as the register holds it now,
    and start their wait again (a case that ran out of time, or had an unclear answer, waits again). Returns the
    address written to."""
    case = load_case(session, reference)
    row = confirmation_of(session, case.id)
    if row is None or not resendable(case.outcome, case.needs_review, row.status):
        raise ReviewError(f"mailbot: review: {case.reference} is not waiting for a signatory's confirmation "
                          f"(it is {case.outcome})")
    request = stored_request(case)
    assert request is not None
    on_record = signatory_on_record_for(stored_context(session, case, request, now, settings))
    if on_record is None:
        raise ReviewError(f"mailbot: review: the signatory of {case.reference} is no longer on record with an email "
                          "address; check with them by phone, then approve or reject the case")
    queued = request_confirmation(session, case, on_record, now=now, settings=settings, actor=by)
    if case.outcome != Outcome.PENDING.value:
        set_reasons(session, case, [r for r in case.reasons if r not in RESENDABLE] +
                    ["signatory.confirmation_requested"])
        case.outcome, case.needs_review = Outcome.PENDING.value, False
    case.updated_at = now
    audit.record(session, at=now, actor=by, action="review.confirmation_resent", case_id=case.id,
                 org_code=case.org_code, to=on_record.email, message_id=queued.message_id)
    return on_record.email
