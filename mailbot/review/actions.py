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

from mailbot.errors import UsageError
from mailbot.outbox.replies import OutgoingMail, ReplyContext, render, reply_subject
from mailbot.outbox.rows import queue_mail
from mailbot.processing.kinds import apply_change, mails_for, spec_of
from mailbot.processing.settings import Settings
from mailbot.processing.stored_case import (
    stored_context,
    stored_reply_context,
    stored_request,
    stored_sender,
    trusted,
)
from mailbot.review.approval_scope import (
    VERIFICATION_METHODS,
    FieldCorrection,
    SignatoryToAdd,
    awaiting_second,
    clear_awaiting,
    corrected_lines,
    corrections_against_form,
    own_account,
    record_awaiting,
    second_person_why,
    signatory_to_add,
)
from mailbot.review.labels import reason_label
from parsers.vocabulary.outcomes import Outcome
from parsers.vocabulary.roles import ORGANISATION_MAINTENANCE
from rules.check import CheckResult
from rules.context import CheckContext
from rules.outcome import Decision, decide
from rules.requests import NOT_READ, PrimaryUserRequest, Request
from rules.signatory_proof import signatory_on_record_for
from store import audit
from store.cases import case_by_reference
from store.changes import Applied, ApplyConflict
from store.confirmations import close_waiting
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
    signatory_to_add: SignatoryToAdd | None = None  # who could be recorded as a verified signatory, if ticked
    verify: str | None = None  # how staff verified that signatory (VERIFICATION_METHODS); None: not recorded
    own_account: str | None = None  # said when the request is for the sender's own account
    corrected: list[FieldCorrection] = field(default_factory=list)  # corrections against what the form said
    maintenance_change: bool = False  # changes who has Organisation Maintenance
    second_person_why: list[str] = field(default_factory=list)  # why a second member of staff must confirm
    awaiting: dict[str, Any] | None = None  # the approval recorded as waiting for a second person


def load_case(session: Session, reference: str, *, for_update: bool = False) -> Case:
    case = case_by_reference(session, reference, for_update=for_update)
    if case is None:
        raise ReviewError(f"mailbot: review: no case {reference.strip().upper()}")
    return case


def closed_record(case: Case) -> dict[str, Any] | None:
    """Who closed the case without a reply, when and why, while it stays closed."""
    found = (case.fields or {}).get("closed")
    return found if isinstance(found, dict) and not case.needs_review else None


def _when(at: datetime | str | None) -> str:
    if at is None:
        return ""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return f" on {moment:%d/%m/%Y at %H:%M}"


def open_case(session: Session, reference: str, action: str = "decide") -> Case:
    """The case, locked for this transaction, when it is waiting for a person (or for its signatory: staff may
    decide for a silent one). A finished case is refused in words saying what happened to it."""
    case = load_case(session, reference, for_update=True)
    if not case.needs_review and case.outcome != Outcome.PENDING.value:
        closed = closed_record(case)
        if closed is not None:
            raise ReviewError(f"mailbot: review: {case.reference} was closed by {closed['by']}{_when(closed['at'])} "
                              f"({closed['reason']}), so there is nothing to {action}. Reopen it first if it "
                              "needs deciding after all.")
        if case.outcome == Outcome.APPROVED.value:
            _not_yet_approved(case, action)
        who = "the mailbot" if case.decided_by in (None, "mailbot") else case.decided_by
        raise ReviewError(f"mailbot: review: {case.reference} is finished: it was {case.outcome} by {who}"
                          f"{_when(case.decided_at)}, so there is nothing to {action}.")
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
        names = ", ".join(spec_of(case.kind).correctable)
        raise ReviewError(f"mailbot: review: no field {exc.args[0]!r} to correct (fields: {names})") from None
    if isinstance(request, PrimaryUserRequest) and request.reading == NOT_READ:
        raise ReviewError(f"mailbot: review: the form of {case.reference} has not been read yet: open the case "
                          "to read it first")
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
    untrusted = "" if trusted(sender) else (case.sender or "").strip().lower()
    kept, withheld = [], []
    for mail in mails:
        to = mail.to.strip().lower()
        if "@" not in to or (untrusted and to == untrusted):
            withheld.append(mail)
        else:
            kept.append(mail)
    return kept, withheld


def _reply_context(case: Case, settings: Settings, corrected: list[FieldCorrection] | None = None) -> ReplyContext:
    ctx = stored_reply_context(case, settings)
    return replace(ctx, corrected=corrected_lines(corrected)) if corrected else ctx


def _maintenance_change(request: Request, applied: Applied | None) -> bool:
    """Does the change give or take Organisation Maintenance (who can create and change accounts)?"""
    if applied is None:
        return False
    if isinstance(request, PrimaryUserRequest):
        return applied.made_primary is not None or applied.demoted is not None
    return ORGANISATION_MAINTENANCE in applied.granted


def _register_change(add: SignatoryToAdd, name: str, verify: str) -> str:
    return (f"Add {name} ({add.email}) to the signatory register of {add.org_code} as {add.role_label}, "
            f"verified: {VERIFICATION_METHODS[verify].lower()}")


def preview_approval(session: Session, reference: str, corrections: dict[str, str], *, by: str, now: datetime,
                     settings: Settings, verify: str | None = None, signatory_name: str = "") -> ApprovalPreview:
    """What approving would do, worked out inside a savepoint that is rolled back: nothing changes.

    VERIFY (a VERIFICATION_METHODS key) records the unverified signatory as verified, saying how; without it the
    signatory register is left as it is. SIGNATORY_NAME names that signatory when the case gives no name."""
    case = open_case(session, reference, "approve")
    _not_yet_approved(case, "approve")
    if verify is not None and verify not in VERIFICATION_METHODS:
        raise ReviewError(f"mailbot: review: choose how the signatory was verified ({', '.join(VERIFICATION_METHODS)})")
    request = _corrected(case, corrections, by)
    ctx = _context(session, case, request, now, settings)
    decision = decide(ctx)
    failures = [r for r in decision.results if r.failed and r.reason]
    blockers = [r for r in failures if r.reason in NEVER_OVERRIDDEN or r.outcome == Outcome.REJECTED]
    overridden = [r.reason for r in failures if r.reason and r not in blockers and r.reason != "user.already_primary"]
    on_record = signatory_on_record_for(ctx)
    preview = ApprovalPreview(decision, list(dict.fromkeys(overridden)), blockers, request=request,
                              signatory_address=on_record.email if on_record else None,
                              own_account=own_account(session, case, request),
                              corrected=corrections_against_form(case, corrections), awaiting=awaiting_second(case))
    preview.signatory_to_add = signatory_to_add(session, case, request, preview.overridden)
    if verify is not None:
        if preview.signatory_to_add is None:
            raise ReviewError("mailbot: review: there is no signatory to record as verified on this case")
        name = signatory_name.strip()[:200] or preview.signatory_to_add.full_name
        if not name:
            raise ReviewError("mailbot: review: give the signatory's full name to record them in the register")
        preview.verify, preview.signatory_to_add = verify, replace(preview.signatory_to_add, full_name=name)
    if blockers:
        return preview
    savepoint = session.begin_nested()
    try:
        applied = None
        if "user.already_primary" not in decision.reasons:
            applied = apply_change(session, case.kind, request, now=now, actor=by, case_id=case.id)
        preview.changes = list(applied.changes) if applied else []
        if preview.verify and preview.signatory_to_add:
            preview.changes.append(_register_change(preview.signatory_to_add, preview.signatory_to_add.full_name,
                                                    preview.verify))
        preview.maintenance_change = _maintenance_change(request, applied)
        approved = Decision(Outcome.APPROVED, tuple(r for r in decision.reasons if r == "user.already_primary"),
                            decision.results)
        preview.mails, preview.withheld = deliverable(case, mails_for(
            kind=case.kind, decision=approved, request=request, applied=applied,
            ctx=_reply_context(case, settings, preview.corrected), policy=settings.mail, now=now,
            org_name=organisation_name(session, request.org_code), signatory_address=preview.signatory_address))
    except ApplyConflict as exc:
        preview.blockers.append(CheckResult("store.apply", "failed", "request.unclear", Outcome.FLAGGED, str(exc)))
    finally:
        savepoint.rollback()
    preview.second_person_why = second_person_why(preview.overridden, preview.maintenance_change)
    return preview


def organisation_name(session: Session, code: str) -> str:
    org = organisation(session, code) if code else None
    return org.name if org else ""


def approve(session: Session, reference: str, corrections: dict[str, str], *, by: str, now: datetime,
            settings: Settings, verify: str | None = None, signatory_name: str = "",
            second_person: bool = False) -> ApprovalPreview:
    """Approve the case, applying the corrected request; ReviewError when blockers remain.

    With SECOND_PERSON, an approval that overrides authentication or changes who has Organisation Maintenance is
    only recorded (preview.awaiting) until a different member of staff approves it too; that second approval
    applies exactly what the first one approved (its corrections and its signatory verification)."""
    case = load_case(session, reference)
    waiting = awaiting_second(case) if second_person else None
    if waiting is not None:
        if waiting["by"] == by:
            raise ReviewError(f"mailbot: review: you approved {case.reference} yourself; a different member of "
                              "staff must confirm it")
        asked = {k: v for k, v in corrections.items() if v is not None}
        if (asked and asked != waiting["corrections"]) or (verify is not None and verify != waiting["verify"]):
            raise ReviewError(f"mailbot: review: {waiting['by']} approved {case.reference} with other corrections; "
                              "confirm exactly what they approved, or reject the case")
        corrections, verify = dict(waiting["corrections"]), waiting["verify"]
        signatory_name = waiting.get("signatory_name", "")
    preview = preview_approval(session, reference, corrections, by=by, now=now, settings=settings, verify=verify,
                               signatory_name=signatory_name)
    if preview.blockers:
        lines = "; ".join(f"{reason_label(b.reason)} [{b.reason}]: {b.explanation}" for b in preview.blockers)
        raise ReviewError(f"mailbot: review: {reference} cannot be approved as it stands ({lines}). Correct the "
                          "fields, or reject it.")
    if second_person and preview.second_person_why and waiting is None:
        preview.awaiting = record_awaiting(case, by=by, now=now, corrections=corrections, verify=verify,
                                           signatory_name=signatory_name, why=preview.second_person_why)
        case.updated_at = now
        audit.record(session, at=now, actor=by, action="review.approval_awaiting_second", case_id=case.id,
                     org_code=case.org_code, corrections=corrections, verified=verify,
                     why=preview.second_person_why)
        return preview
    request = preview.request
    assert request is not None
    applied = None
    if "user.already_primary" not in preview.decision.reasons:
        applied = apply_change(session, case.kind, request, now=now, actor=by, case_id=case.id)
    added = []
    if preview.verify and preview.signatory_to_add:
        _record_verified_signatory(session, case, preview.signatory_to_add, preview.verify, by=by,
                                   first=waiting["by"] if waiting else None, now=now)
        added = [_register_change(preview.signatory_to_add, preview.signatory_to_add.full_name, preview.verify)]
    final = Decision(Outcome.APPROVED, tuple(r for r in preview.decision.reasons if r == "user.already_primary"),
                     preview.decision.results)
    mails, withheld = deliverable(case, mails_for(
        kind=case.kind, decision=final, request=request, applied=applied,
        ctx=_reply_context(case, settings, preview.corrected), policy=settings.mail, now=now,
        org_name=organisation_name(session, request.org_code), signatory_address=preview.signatory_address))
    users = {u.username: u.id for u in (applied.needs_password if applied else [])}
    for mail in mails:
        queue_mail(session, case, mail, now=now, mailbox=settings.mailbox, domain=settings.message_id_domain,
                   user_id=users.get(mail.username or ""))
    _decided(session, case, Outcome.APPROVED, by=by if waiting is None else f"{waiting['by']} and {by}", now=now)
    close_waiting(session, case.id, now=now, by=by)
    set_reasons(session, case, list(preview.decision.reasons))
    clear_awaiting(case)
    case.checks = [r.as_record() for r in preview.decision.results]
    case.changes = [*case.changes, *(applied.changes if applied else []), *added]
    case.fields = {**case.fields, "request": request.as_record(),
                   **({"corrected_by_pcse": [c.__dict__ for c in preview.corrected]} if preview.corrected else {})}
    audit.record(session, at=now, actor=by, action="review.approved", case_id=case.id, org_code=case.org_code,
                 corrections=corrections, overridden=preview.overridden, mails=len(mails),
                 withheld=[m.to for m in withheld], **({"first_approved_by": waiting["by"]} if waiting else {}))
    preview.changes, preview.mails, preview.withheld = case.changes, mails, withheld
    preview.awaiting = None
    return preview


def _record_verified_signatory(session: Session, case: Case, add: SignatoryToAdd, verify: str, *, by: str,
                               first: str | None, now: datetime) -> None:
    """Record the signatory staff verified, and how (SPEC 13, bounded: only when ticked, never implied)."""
    org = organisation(session, add.org_code)
    if org is None:
        return
    who = f"{first} and {by}" if first else by
    session.add(Signatory(organisation_id=org.id, full_name=add.full_name, email=add.email, role=add.role,
                          verified_how=f"{VERIFICATION_METHODS[verify]} (review {case.reference} by {who})"[:300],
                          verified_at=now))
    audit.record(session, at=now, actor=by, action="signatory.verified", case_id=case.id, org_code=org.code,
                 full_name=add.full_name, email=add.email, role=add.role, how=verify)


def _decided(session: Session, case: Case, outcome: Outcome, *, by: str, now: datetime) -> None:
    case.outcome, case.needs_review = outcome.value, False
    case.decided_by, case.decided_at, case.updated_at = by, now, now


def reject(session: Session, reference: str, text: str, *, by: str, now: datetime, settings: Settings) -> list[str]:
    """Reject with TEXT as the reason the sender reads; returns the recipients written to (none for a sender we
    could not authenticate: no reply ever goes to a possibly forged address)."""
    if not text.strip():
        raise ReviewError("mailbot: review: a rejection needs a reason the sender can act on: choose one, or "
                          "write what they should put right")
    case = open_case(session, reference, "reject")
    _not_yet_approved(case, "reject")
    recipients = []
    if trusted(stored_sender(case)) and "@" in case.sender:
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
    withdrawn = clear_awaiting(case)
    audit.record(session, at=now, actor=by, action="review.rejected", case_id=case.id, org_code=case.org_code,
                 reason=text.strip(), replied_to=recipients,
                 **({"approval_withdrawn": withdrawn["by"]} if withdrawn else {}))
    return recipients
