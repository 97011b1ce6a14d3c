"""Asking a form's signatory to confirm it, and acting on their answer (SPEC 17), inside the transaction of the
message that asks or answers.

- A case whose checks leave it `pending` gets a confirmation row and a request mailed to the signatory's address
  on record (`request_confirmation`).
- A follow-up is the signatory's answer (kind `signatory_confirmation`) only when it names a pending case, is
  authenticated and comes from exactly the address the request went to (`recognise`); anything else about a
  pending case stays an ordinary follow-up.
- The answer is its own case, linked to the one it confirms (`act_on_answer`). Yes: the confirmed case's checks
  run again on the register as it is now, with the confirmation as proof, and it is decided with its mails. No:
  flagged `signatory.declined` and the sender told. Anything else: flagged `request.unclear` for staff. An answer
  that fails any check of its own (stale, rate-limited...) is not acted on: the case keeps waiting and staff see
  the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from mailbot.outbox.replies import ReplyContext, sender_reply, templated_reply
from mailbot.outbox.rows import queue_mail
from mailbot.processing.confirmation_mail import confirmation_mail
from mailbot.processing.kinds import apply_change, mails_for, spec_of
from mailbot.processing.settings import Settings
from mailbot.processing.stored_case import stored_context, stored_reply_context, stored_request, stored_sender
from parsers.confirmation_answer import NO, YES, Answer, read_answer
from parsers.vocabulary.kinds import Kind
from parsers.vocabulary.outcomes import Outcome
from rules.check import CheckResult
from rules.context import ConfirmationFacts
from rules.outcome import Decision, decide
from rules.reasons import REASONS
from rules.requests import PrimaryUserRequest
from rules.signatory_proof import SignatoryOnRecord, signatory_on_record_for
from store import audit
from store.changes import Applied, ApplyConflict
from store.confirmations import WAITING, Signatory, confirmation_of, finish, open_confirmation
from store.models import Case, OutboxMessage, SignatoryConfirmation
from store.register import organisation
from store.review import set_reasons

if TYPE_CHECKING:  # the understander loads DKIM and the form sandbox: staff commands need neither
    from mailbot.processing.understanding import Understanding

ACTOR = "mailbot"
ANSWER_CHECK = "signatory.answer"
PROOF_CHECK = "signatory.proven"
STATUS_FOR_ANSWER = {YES: "confirmed", NO: "declined"}


@dataclass(frozen=True)
class Recognised:
    """A message that is the signatory's answer about CASE."""

    case: Case
    confirmation: SignatoryConfirmation
    answer: Answer

    @property
    def facts(self) -> ConfirmationFacts:
        return ConfirmationFacts(self.confirmation.address, self.answer.kind, self.answer.why)

    @property
    def note(self) -> str:
        return (f"the answer of {self.confirmation.full_name}, from their address on record, to our confirmation "
                f"request on {self.case.reference}: {self.answer.kind} ({self.answer.why})")


def org_name(session: Session, code: str | None) -> str:
    org = organisation(session, code) if code else None
    return org.name if org is not None else ""


def request_confirmation(session: Session, case: Case, signatory: SignatoryOnRecord, *, now: datetime,
                         settings: Settings, actor: str = ACTOR, known_org_name: str | None = None) -> OutboxMessage:
    """CASE waits for SIGNATORY: the confirmation row, and the request mailed to their address on record.
    KNOWN_ORG_NAME: the name of CASE's organisation in the register view its checks ran on, when the caller has it
    (else it is read)."""
    row = open_confirmation(session, case, Signatory(signatory.full_name, signatory.email, signatory.role.value),
                            now=now, days=settings.mail.confirm_days)
    name = known_org_name if known_org_name is not None else org_name(session, case.org_code)
    mail = confirmation_mail(case, row, settings=settings, org_name=name)
    queued = queue_mail(session, case, mail, now=now, mailbox=settings.mailbox, domain=settings.message_id_domain,
                        user_id=None)
    audit.record(session, at=now, actor=actor, action="signatory.confirmation_requested", case_id=case.id,
                 org_code=case.org_code, to=row.address, message_id=queued.message_id, requests=row.requests,
                 expires_at=row.expires_at.isoformat())
    return queued


def recognise(session: Session, u: Understanding, parent: Case | None) -> Recognised | None:
    """The signatory's answer about PARENT, or None when U is anything else (then it stays a follow-up)."""
    if not spec_of(u.kind).on_a_case or parent is None or parent.outcome != Outcome.PENDING.value:
        return None
    sender = u.sender
    if sender.ambiguous or not sender.authenticated or not sender.address:
        return None
    row = confirmation_of(session, parent.id)
    if row is None or row.status != WAITING or sender.address.strip().lower() != row.address:
        return None
    return Recognised(parent, row, read_answer(u.parsed.text))


def _outcome_line(recognised: Recognised, replies: list[OutboxMessage]) -> dict[str, Any]:
    case = recognised.case
    return {"reference": case.reference, "answer": recognised.answer.kind, "outcome": case.outcome,
            "reasons": list(case.reasons), "changes": list(case.changes),
            "replies": [{"to": r.recipient, "subject": r.subject} for r in replies]}


def act_on_answer(session: Session, answer_case: Case, recognised: Recognised, decision: Decision, *,
                  now: datetime, settings: Settings, answer_reply: ReplyContext) -> dict[str, Any]:
    """Act on the answer ANSWER_CASE carries; returns the `confirms` object of its `process --json` line."""
    case, row, answer = recognised.case, recognised.confirmation, recognised.answer
    own = [r.reason for r in decision.results if r.failed and r.name != ANSWER_CHECK]
    if own or decision.outcome == Outcome.IGNORED:
        answer_case.needs_review = decision.outcome == Outcome.FLAGGED
        audit.record(session, at=now, actor=ACTOR, action="signatory.answer_not_used", case_id=case.id,
                     org_code=case.org_code, answer_case=answer_case.reference, reasons=own)
        if decision.outcome == Outcome.FLAGGED and decision.replies_allowed:
            mail = sender_reply(answer_reply, Kind.UNCLEAR, Outcome.FLAGGED, decision.results)
            queue_mail(session, answer_case, mail, now=now, mailbox=settings.mailbox,
                       domain=settings.message_id_domain, user_id=None)
        return _outcome_line(recognised, [])
    finish(session, row, STATUS_FOR_ANSWER.get(answer.kind, "unclear"), now=now, by=row.address,
           answer_case_id=answer_case.id, why=answer.why)
    answer_case.needs_review = False  # the confirmed case carries whatever a person must do
    audit.record(session, at=now, actor=ACTOR, action="signatory.answered", case_id=case.id, org_code=case.org_code,
                 answer=answer.kind, why=answer.why, by=row.address, answer_case=answer_case.reference)
    if answer.kind == YES:
        replies = decide_again(session, case, row, now=now, settings=settings)
    elif answer.kind == NO:
        replies = flag_waiting_case(session, case, "signatory.declined",
                                    f"{row.full_name} answered from {row.address} that they did not authorise it "
                                    f"({answer.why}); see {answer_case.reference}.", now=now, settings=settings)
    else:
        replies = flag_waiting_case(session, case, "request.unclear",
                                    f"{row.full_name} answered from {row.address}, but not clearly yes or no "
                                    f"({answer.why}); read {answer_case.reference}.", now=now, settings=settings,
                                    tell_sender=False)
    if not any(r.recipient == row.address for r in replies):  # else the approval notice already thanks them
        _thank_signatory(session, answer_case, case, answer, now=now, settings=settings, ctx=answer_reply)
    return _outcome_line(recognised, replies)


def _thank_signatory(session: Session, answer_case: Case, case: Case, answer: Answer, *, now: datetime,
                     settings: Settings, ctx: ReplyContext) -> None:
    request = (case.fields or {}).get("request") or {}
    outcome_words = {
        Outcome.REJECTED.value: "It could not be approved as it stands; we have written to the person who sent it.",
        Outcome.FLAGGED.value: "It now needs a member of PCSE staff to look at it; we have told the person who "
                               "sent it.",
        Outcome.PENDING.value: "It still needs another confirmation before it can go ahead.",
    }.get(case.outcome, "")
    mail = templated_reply(ctx, f"replies/signatory_confirmation/{answer.kind}.txt", outcome_words=outcome_words,
                           org_name=org_name(session, case.org_code) or request.get("org_name", ""),
                           org_code=request.get("org_code") or case.org_code or "")
    queue_mail(session, answer_case, mail, now=now, mailbox=settings.mailbox, domain=settings.message_id_domain,
               user_id=None)


def decide_again(session: Session, case: Case, row: SignatoryConfirmation, *, now: datetime,
                 settings: Settings) -> list[OutboxMessage]:
    """The signatory said yes: CASE's checks run again on the register as it is now, with their confirmation as
    the proof, and CASE is decided (approved and applied, or whatever the checks now say) with its mails."""
    request = stored_request(case)
    assert isinstance(request, PrimaryUserRequest)  # only a form's signatory is ever asked
    ctx = stored_context(session, case, request, now, settings,
                         confirmation=ConfirmationFacts(row.address, YES, row.answer_why or ""))
    decision = decide(ctx)
    applied: Applied | None = None
    if decision.outcome == Outcome.APPROVED and "user.already_primary" not in decision.reasons:
        try:  # an apply function refuses before it changes anything: no savepoint to undo half a change
            applied = apply_change(session, case.kind, request, now=now, actor=ACTOR, case_id=case.id)
        except ApplyConflict as exc:
            result = CheckResult("store.apply", "failed", "request.unclear", Outcome.FLAGGED,
                                 f"Could not apply: {exc}.")
            decision = Decision(Outcome.FLAGGED, (*decision.reasons, "request.unclear"), (*decision.results, result))
    case.outcome = decision.outcome.value
    set_reasons(session, case, list(decision.reasons))
    case.checks = [r.as_record() for r in decision.results]
    case.changes = [*case.changes, *(applied.changes if applied else [])]
    case.needs_review = decision.outcome == Outcome.FLAGGED
    case.decided_at = case.updated_at = now
    case.decided_by = ACTOR
    on_record = signatory_on_record_for(ctx)
    name = ctx.register.org.name if ctx.register.org else ""  # the register view the checks just ran on
    mails = mails_for(kind=case.kind, decision=decision, request=request, applied=applied,
                      ctx=stored_reply_context(case, settings), policy=settings.mail, now=now,
                      org_name=name, signatory_address=on_record.email if on_record else None)
    users = {u.username: u.id for u in (applied.needs_password if applied else [])}
    rows = [queue_mail(session, case, mail, now=now, mailbox=settings.mailbox, domain=settings.message_id_domain,
                       user_id=users.get(mail.username or "")) for mail in mails]
    if decision.outcome == Outcome.PENDING and on_record is not None:  # the address on record changed meanwhile
        rows.append(request_confirmation(session, case, on_record, now=now, settings=settings, known_org_name=name))
    audit.record(session, at=now, actor=ACTOR, action="case.decided", case_id=case.id, org_code=case.org_code,
                 kind=case.kind, outcome=case.outcome, reasons=case.reasons, mails=len(rows),
                 confirmed_by=row.address)
    return rows


def flag_waiting_case(session: Session, case: Case, code: str, explanation: str, *, now: datetime,
                      settings: Settings, tell_sender: bool = True) -> list[OutboxMessage]:
    """CASE stops waiting for its signatory and goes to staff with CODE in place of the pending reason; the sender
    is told (unless TELL_SENDER is false), only ever when the case recorded them as authenticated."""
    result = CheckResult(PROOF_CHECK, "failed", code, REASONS[code].outcome, explanation)
    reasons = [r for r in case.reasons if r != "signatory.confirmation_requested"] + [code]
    set_reasons(session, case, reasons)
    checks = [c for c in (case.checks or []) if c.get("name") != PROOF_CHECK]
    case.checks = [*checks, result.as_record()]
    case.outcome, case.needs_review = Outcome.FLAGGED.value, True
    case.decided_at = case.updated_at = now
    case.decided_by = ACTOR
    audit.record(session, at=now, actor=ACTOR, action="case.decided", case_id=case.id, org_code=case.org_code,
                 kind=case.kind, outcome=case.outcome, reasons=case.reasons)
    sender = stored_sender(case)
    if not tell_sender or not case.sender or sender.ambiguous or not sender.authenticated:
        return []
    request = (case.fields or {}).get("request") or {}
    mails = mails_for(kind=case.kind,
                      decision=Decision(Outcome.FLAGGED, (code,), (result,)),
                      request=stored_request(case), applied=None, ctx=stored_reply_context(case, settings),
                      policy=settings.mail, now=now, org_name=org_name(session, request.get("org_code")))
    return [queue_mail(session, case, mail, now=now, mailbox=settings.mailbox, domain=settings.message_id_domain,
                       user_id=None) for mail in mails]
