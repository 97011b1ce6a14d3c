"""What PCSE staff do to a case (SPEC 13): approve (with corrections), reject, close, note. Shared by the command
line and the web page; every action is an audit event with who and when.

Approving re-runs the checks on the corrected request. The person's decision stands in for the checks that only
ask a person to look (signatory unverified, sender unauthenticated, an unreadable or altered form they have read
themselves...), never for those that make the change impossible or that the sender must put right (unknown
organisation, unsigned form, a third Primary User...): those are "blockers", and approval is refused until a
correction clears them or the case is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from mailbot.case_mail import mails_for
from mailbot.errors import UsageError
from mailbot.outbox_rows import queue_mail
from mailbot.replies import OutgoingMail, ReplyContext, render, reply_subject
from mailbot.settings import Settings
from mailbot.signatory_confirmation import request_confirmation
from mailbot.stored_case import stored_context, stored_reply_context, stored_request, stored_sender
from rules.check import CheckResult
from rules.context import CheckContext
from rules.outcome import Decision, decide
from rules.reasons import Kind, Outcome
from rules.requests import NOT_READ, NewUserNotice, PermissionRequest, PrimaryUserRequest, Request
from rules.roles import Role, parse_role
from rules.signatory_proof import signatory_on_record_for
from store import audit
from store.cases import case_by_reference
from store.changes import Applied, ApplyConflict, apply_notice, apply_permissions, apply_primary_user
from store.confirmations import close_waiting, confirmation_of
from store.models import Case, Signatory
from store.register import organisation
from store.review import set_reasons

NEVER_OVERRIDDEN = frozenset({"org.unknown", "request.unclear", "message.too_large", "message.duplicate",
                              "message.automatic", "notification.user_exists"})
READ_BY_THE_REVIEWER = frozenset({"form.unreadable", "form.altered"})


class ReviewError(UsageError):
    """The action cannot be taken on this case as it stands; the message says why and what to do."""


@dataclass
class ApprovalPreview:
    decision: Decision
    overridden: list[str]
    blockers: list[CheckResult]
    changes: list[str] = field(default_factory=list)
    mails: list[OutgoingMail] = field(default_factory=list)
    request: Request | None = None
    withheld: list[OutgoingMail] = field(default_factory=list)  # not sent: to an untrusted sender
    signatory_address: str | None = None  # the form's signatory's address on record: their notice goes only there


def load_case(session: Session, reference: str, *, for_update: bool = False) -> Case:
    case = case_by_reference(session, reference, for_update=for_update)
    if case is None:
        raise ReviewError(f"mailbot: review: no case {reference.strip().upper()}")
    return case


def _open_case(session: Session, reference: str) -> Case:
    """The case, locked for this transaction, when it is waiting for a person (or for its signatory: staff may
    decide for a silent one)."""
    case = load_case(session, reference, for_update=True)
    if not case.needs_review and case.outcome != Outcome.PENDING.value:
        raise ReviewError(f"mailbot: review: {case.reference} is not waiting for review "
                          f"(it is {case.outcome}, decided by {case.decided_by})")
    return case


def _not_yet_approved(case: Case, action: str) -> None:
    """A change is never applied twice (SPEC 13): a case back in the queue after its approval (a follow-up from
    its sender) can be read, noted and closed, but not approved or rejected again."""
    if case.outcome == Outcome.APPROVED.value:
        when = f" on {case.decided_at:%d/%m/%Y %H:%M}" if case.decided_at else ""
        raise ReviewError(f"mailbot: review: {case.reference} was already approved by {case.decided_by}{when}; "
                          f"its change was applied then, so there is nothing to {action}. Close it to take it out "
                          "of the queue.")


def _corrected(case: Case, corrections: dict[str, str], by: str) -> Request:
    request = stored_request(case)
    if request is None:
        raise ReviewError(f"mailbot: review: a {case.kind} case has nothing to approve; close it or reject it")
    try:
        request = request.with_corrections(corrections)
    except KeyError as exc:
        names = ", ".join(k for k in request.as_fields() if k not in ("reading", "signature", "signature_how",
                                                                       "attachment", "attachment_index", "problems",
                                                                       "how_read"))
        raise ReviewError(f"mailbot: review: no field {exc.args[0]!r} to correct (fields: {names})") from None
    if isinstance(request, PrimaryUserRequest) and request.reading == NOT_READ:
        raise ReviewError(f"mailbot: review: the form of {case.reference} has not been read yet: open the case "
                          "(review show, or its web page) to read it first")
    if isinstance(request, PrimaryUserRequest) and READ_BY_THE_REVIEWER & set(case.reasons):
        # The reviewer has read the form and its signature themselves; that is what approving it says.
        request = replace(request, reading="read", signature="signed", signature_how=f"checked by {by}")
    elif isinstance(request, PrimaryUserRequest) and request.signature == "unsure":
        # Some ink in a scan's box, less than a clear signature (form.uncertain): the reviewer looked at the box.
        request = replace(request, signature="signed", signature_how=f"checked by {by}")
    return request


def _context(session: Session, case: Case, request: Request, now: datetime, settings: Settings) -> CheckContext:
    return stored_context(session, case, request, now, settings)


def deliverable(case: Case, mails: list[OutgoingMail]) -> tuple[list[OutgoingMail], list[OutgoingMail]]:
    """MAILS split into those that may go and those withheld: nothing to an empty or malformed address, and
    nothing at all to a sender who is not authenticated or is ambiguous (SPEC 13: no backscatter to forged
    addresses, whatever a member of staff decides)."""
    sender = stored_sender(case)
    untrusted = "" if sender.trusted else (case.sender or "").strip().lower()
    kept, withheld = [], []
    for mail in mails:
        to = mail.to.strip().lower()
        if "@" not in to or (untrusted and to == untrusted):
            withheld.append(mail)
        else:
            kept.append(mail)
    return kept, withheld


def _apply(session: Session, kind: Kind, request: Request, *, now: datetime, actor: str, case_id: int) -> Applied:
    if isinstance(request, PrimaryUserRequest):
        return apply_primary_user(session, request, now=now, actor=actor, case_id=case_id)
    if isinstance(request, PermissionRequest):
        return apply_permissions(session, request, now=now, actor=actor, case_id=case_id)
    assert isinstance(request, NewUserNotice)
    return apply_notice(session, request, now=now, actor=actor, case_id=case_id)


def _reply_context(case: Case, settings: Settings) -> ReplyContext:
    return stored_reply_context(case, settings)


def preview_approval(session: Session, reference: str, corrections: dict[str, str], *, by: str, now: datetime,
                     settings: Settings) -> ApprovalPreview:
    """What approving would do, worked out inside a savepoint that is rolled back: nothing changes."""
    case = _open_case(session, reference)
    _not_yet_approved(case, "approve")
    request = _corrected(case, corrections, by)
    ctx = _context(session, case, request, now, settings)
    decision = decide(ctx)
    failures = [r for r in decision.results if r.failed and r.reason]
    blockers = [r for r in failures if r.reason in NEVER_OVERRIDDEN or r.outcome == Outcome.REJECTED]
    overridden = [r.reason for r in failures if r not in blockers and r.reason != "user.already_primary"]
    on_record = signatory_on_record_for(ctx)
    preview = ApprovalPreview(decision, list(dict.fromkeys(overridden)), blockers, request=request,
                              signatory_address=on_record.email if on_record else None)
    if blockers:
        return preview
    savepoint = session.begin_nested()
    try:
        applied = None
        if "user.already_primary" not in decision.reasons:
            applied = _apply(session, Kind(case.kind), request, now=now, actor=by, case_id=case.id)
        preview.changes = applied.changes if applied else []
        approved = Decision(Outcome.APPROVED, tuple(r for r in decision.reasons if r == "user.already_primary"),
                            decision.results)
        preview.mails, preview.withheld = deliverable(case, mails_for(
            kind=Kind(case.kind), decision=approved, request=request, applied=applied,
            ctx=_reply_context(case, settings), policy=settings.mail, now=now,
            org_name=organisation_name(session, request.org_code), signatory_address=preview.signatory_address))
    except ApplyConflict as exc:
        preview.blockers.append(CheckResult("store.apply", "failed", "request.unclear", Outcome.FLAGGED, str(exc)))
    finally:
        savepoint.rollback()
    return preview


def organisation_name(session: Session, code: str) -> str:
    org = organisation(session, code) if code else None
    return org.name if org else ""


def approve(session: Session, reference: str, corrections: dict[str, str], *, by: str, now: datetime,
            settings: Settings) -> ApprovalPreview:
    """Approve the case, applying the corrected request; ReviewError when blockers remain."""
    preview = preview_approval(session, reference, corrections, by=by, now=now, settings=settings)
    if preview.blockers:
        lines = "; ".join(f"{b.reason}: {b.explanation}" for b in preview.blockers)
        raise ReviewError(f"mailbot: review: {reference} cannot be approved as it stands ({lines}). Correct it with "
                          "--set FIELD=VALUE, or reject it.")
    case = load_case(session, reference)
    request = preview.request
    assert request is not None
    applied = None
    if "user.already_primary" not in preview.decision.reasons:
        applied = _apply(session, Kind(case.kind), request, now=now, actor=by, case_id=case.id)
    if "signatory.unverified" in preview.overridden:
        _record_verified_signatory(session, case, request, by=by, now=now)
    final = Decision(Outcome.APPROVED, tuple(r for r in preview.decision.reasons if r == "user.already_primary"),
                     preview.decision.results)
    mails, withheld = deliverable(case, mails_for(
        kind=Kind(case.kind), decision=final, request=request, applied=applied, ctx=_reply_context(case, settings),
        policy=settings.mail, now=now, org_name=organisation_name(session, request.org_code),
        signatory_address=preview.signatory_address))
    users = {u.username: u.id for u in (applied.needs_password if applied else [])}
    for mail in mails:
        queue_mail(session, case, mail, now=now, mailbox=settings.mailbox, domain=settings.message_id_domain,
                   user_id=users.get(mail.username or ""))
    _decided(session, case, Outcome.APPROVED, by=by, now=now)
    close_waiting(session, case.id, now=now, by=by)
    set_reasons(session, case, list(preview.decision.reasons))
    case.checks = [r.as_record() for r in preview.decision.results]
    case.changes = [*case.changes, *(applied.changes if applied else [])]
    case.fields = {**case.fields, "request": {k: list(v) if isinstance(v, tuple) else v
                                              for k, v in request.as_fields().items()}}
    audit.record(session, at=now, actor=by, action="review.approved", case_id=case.id, org_code=case.org_code,
                 corrections=corrections, overridden=preview.overridden, mails=len(mails),
                 withheld=[m.to for m in withheld])
    preview.changes, preview.mails, preview.withheld = case.changes, mails, withheld
    return preview


def _record_verified_signatory(session: Session, case: Case, request: Request, *, by: str, now: datetime) -> None:
    """Approving over signatory.unverified records that person as verified in that role (SPEC 13)."""
    org = organisation(session, request.org_code)
    if org is None:
        return
    if isinstance(request, PrimaryUserRequest):
        name, email, role = request.sig_full_name, request.sig_email.lower(), parse_role(request.sig_role)
    elif isinstance(request, PermissionRequest):
        name, email, role = case.sender, case.sender.lower(), parse_role(request.signatory_role)
    else:
        return
    if role is None or role == Role.EXISTING_PRIMARY_CONTACT:
        return  # an existing Primary Contact is verified by the user register, not the signatory register
    session.add(Signatory(organisation_id=org.id, full_name=name, email=email, role=role.value,
                          verified_how=f"review {case.reference} by {by}", verified_at=now))
    audit.record(session, at=now, actor=by, action="signatory.verified", case_id=case.id, org_code=org.code,
                 full_name=name, email=email, role=role.value)


def _decided(session: Session, case: Case, outcome: Outcome, *, by: str, now: datetime) -> None:
    case.outcome, case.needs_review = outcome.value, False
    case.decided_by, case.decided_at, case.updated_at = by, now, now


def reject(session: Session, reference: str, text: str, *, by: str, now: datetime, settings: Settings) -> list[str]:
    """Reject with TEXT as the reason the sender reads; returns the recipients written to (none for a sender we
    could not authenticate: no reply ever goes to a possibly forged address)."""
    if not text.strip():
        raise ReviewError("mailbot: review: a rejection needs a reason the sender can act on (--reason TEXT)")
    case = _open_case(session, reference)
    _not_yet_approved(case, "reject")
    recipients = []
    if stored_sender(case).trusted and "@" in case.sender:
        ctx = _reply_context(case, settings)
        body = render("replies/review_rejected.txt", reference=case.reference, mailbox=settings.mailbox,
                      sender_name="", reason_text=text.strip())
        mail = OutgoingMail("reply", case.sender, reply_subject(case.subject, case.reference), body,
                            in_reply_to=ctx.original_message_id, references=ctx.original_references)
        queue_mail(session, case, mail, now=now, mailbox=settings.mailbox, domain=settings.message_id_domain,
                   user_id=None)
        recipients.append(case.sender)
    _decided(session, case, Outcome.REJECTED, by=by, now=now)
    close_waiting(session, case.id, now=now, by=by)
    audit.record(session, at=now, actor=by, action="review.rejected", case_id=case.id, org_code=case.org_code,
                 reason=text.strip(), replied_to=recipients)
    return recipients


def close(session: Session, reference: str, *, by: str, now: datetime) -> None:
    """Take the case out of the queue without a reply; its outcome stays as it was."""
    case = _open_case(session, reference)
    case.needs_review, case.decided_by, case.decided_at, case.updated_at = False, by, now, now
    close_waiting(session, case.id, now=now, by=by)
    audit.record(session, at=now, actor=by, action="review.closed", case_id=case.id, org_code=case.org_code)


def note(session: Session, reference: str, text: str, *, by: str, now: datetime) -> None:
    if not text.strip():
        raise ReviewError("mailbot: review: the note is empty")
    case = load_case(session, reference)
    audit.record(session, at=now, actor=by, action="review.note", case_id=case.id, org_code=case.org_code,
                 text=text.strip())


def describe_corrections(pairs: list[str]) -> dict[str, Any]:
    """--set FIELD=VALUE pairs to a dict; a pair without '=' is a usage error."""
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ReviewError(f"mailbot: review: --set needs FIELD=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        out[key.strip()] = value
    return out


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
    on_record = signatory_on_record_for(_context(session, case, request, now, settings))
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
