"""One message, one transaction: the raw message, its first-sighting key, its case(s), the store changes, the
audit events and the outbox rows are written together or not at all.

    understand (mailbot.processing.understanding: parse, classify, authenticate, read forms; no database)
    -> record (here: dedupe, decide each request with the rules, apply, queue mails)

The caller owns the transaction; `process --dry-run` rolls it back, the daemon commits it and only then cleans up
the mailbox.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import null
from sqlalchemy.orm import Session

from mailbot.outbox.replies import ReplyContext, clean_subject
from mailbot.outbox.rows import queue_mail
from mailbot.processing.contract import TryLater
from mailbot.processing.follow_ups import FollowUpLink, link_follow_up
from mailbot.processing.kinds import apply_change, mails_for, spec_of
from mailbot.processing.settings import Settings
from mailbot.processing.signatory_confirmation import Recognised, act_on_answer, recognise, request_confirmation
from mailbot.processing.understanding import Understanding
from parsers.digests import message_digests
from parsers.from_address import display_name
from parsers.vocabulary.kinds import Kind
from parsers.vocabulary.outcomes import Outcome
from rules.check import CheckResult
from rules.context import CheckContext, MessageFacts
from rules.outcome import Decision, decide
from rules.requests import Request
from rules.signatory_proof import signatory_on_record_for
from store import audit, register_cache
from store.cases import NextCase, first_case_for_keys, message_keys
from store.changes import ApplyConflict
from store.encoded_json import encoded
from store.models import Case
from store.models.base import add_made, made
from store.new_message import record_message
from store.outbox.case_rows import midnight_of, new_case, queued_for_case, replies_today_subquery
from store.register import register_for
from store.review import set_new_case_reasons

ACTOR = "mailbot"
# A new case's reference and id, with the register's token and the sender's replies today (store.cases.NextCase).
_NEW_CASE = NextCase((register_cache.token_query(), replies_today_subquery()))
_NEW_CASE_NO_SENDER = NextCase((register_cache.token_query(), null()))


class RegisterMoved(TryLater):
    """The register changed, since the message was understood, in what the understanding read of it: nothing may
    be recorded on it (the transaction rolls back); understood again, the message is recorded on the register as
    it is (mailbot.processing.handle). Tried later (TryLater) if the register keeps moving."""


@dataclass(frozen=True)
class CaseOutcome:
    """What `process --json` prints for one case."""

    reference: str
    kind: str
    outcome: str
    reasons: list[str]
    changes: list[str]
    replies: list[dict[str, str]]
    message_id: str | None
    case_id: int
    # A signatory_confirmation only: the case it confirms, as it stands after the answer (README, `process`).
    confirms: dict[str, Any] | None = None


def _sender_name(u: Understanding) -> str:
    return clean_subject(display_name(u.parsed.header("From") or ""))[:80]


def keys_of(u: Understanding) -> list[str]:
    """The keys U is known by: its Message-ID (or content hash), and each vouching signature's b= value."""
    return message_keys(u.parsed.message_id, u.parsed.content_hash, (s.b for s in u.sender.passing))


def _conflict(decision: Decision, why: str) -> Decision:
    """A change the store refused at the last moment: a person decides instead."""
    result = CheckResult("store.apply", "failed", "request.unclear", Outcome.FLAGGED, f"Could not apply: {why}.")
    return Decision(Outcome.FLAGGED, (*decision.reasons, "request.unclear"), (*decision.results, result))


def record(session: Session, u: Understanding, *, source: str, now: datetime, settings: Settings) -> list[CaseOutcome]:
    """Write the message and every case it makes, inside the caller's transaction."""
    parsed = u.parsed
    # Its digests let staff see cases with the same attachment or text; its keys are claimed as first sightings.
    stored = record_message(session, raw=u.raw, source=source, message_id=parsed.message_id,
                            content_hash=parsed.content_hash, received_at=now,
                            digests=message_digests(parsed) if u.digests is None else u.digests,
                            keys=keys_of(u))
    duplicate_of: str | None = None
    seen = stored.seen_before
    if seen:  # by Message-ID, content, or the same signature in another envelope
        first = first_case_for_keys(session, seen)
        duplicate_of = first.reference if first is not None else "an earlier message"
    requests: tuple[Request | None, ...] = (None,) if duplicate_of else (u.requests or (None,))
    link = link_follow_up(session, u)
    # A signatory's answer to a case waiting for it is that case's confirmation (SPEC 17), taken up before it is
    # treated as a follow-up.
    answer = None if duplicate_of else recognise(session, u, link.case)
    if answer is not None:
        u = replace(u, kind=Kind.SIGNATORY_CONFIRMATION, notes=(*u.notes, answer.note))
    outcomes = []
    for part, request in enumerate(requests, start=1):
        outcomes.append(_record_case(
            session, u, request, now=now, settings=settings, message_row_id=stored.row_id,
            part=part if len(requests) > 1 else None, duplicate_of=duplicate_of, link=link, answer=answer,
            first=part == 1))
    return outcomes


def _record_case(session: Session, u: Understanding, request: Request | None, *, now: datetime, settings: Settings,
                 message_row_id: int, part: int | None, duplicate_of: str | None, link: FollowUpLink,
                 answer: Recognised | None = None, first: bool = True) -> CaseOutcome:
    parsed, sender = u.parsed, u.sender
    parent = link.case
    # Only a follow-up from the case's own people goes on it and reopens it; anything else is its own case, linked.
    reopens = link.reopens and spec_of(u.kind).on_a_case
    org_code = getattr(request, "org_code", "") or ""
    # The case's reference and id, the register's token and the sender's replies today: one statement.
    if sender.address:
        reference, case_id, (token, replies) = _NEW_CASE(session, now.year, recipient=sender.address.lower(),
                                                          midnight=midnight_of(now))
    else:
        reference, case_id, (token, replies) = _NEW_CASE_NO_SENDER(session, now.year)
    register_cache.adopt(session, token)
    if first:
        # Read before this transaction changed anything of the register (unless a message recorded before this one
        # in its group did): the token others read now, for the next message's look to presume. This message's
        # understanding read the register outside the transaction (under a token its look may have presumed):
        # checked against the register as it is now.
        if not register_cache.changed_in(session):
            register_cache.presume(session.get_bind().engine, token)
        if u.register_reads and not register_cache.reads_the_same(session, u.register_reads):
            raise RegisterMoved("the register changed in what the message was understood on")
    register = register_for(session, request)
    facts = MessageFacts(size=parsed.size, date=parsed.date, subject=parsed.subject, defects=parsed.defects,
                         replies_to_sender_today=replies or 0,
                         duplicate_of=duplicate_of, notes=u.notes, recipients=u.recipients,
                         forms_attached=u.forms_attached, encrypted=parsed.encrypted)
    ctx = CheckContext(kind=u.kind, now=now, message=facts, sender=sender, policy=settings.policy, request=request,
                       register=register, follow_up_of=u.follow_up_reference, follow_up_named_by=u.follow_up_named_by,
                       follow_up_case_found=parent is not None, follow_up_from=link.relation,
                       signatory_confirmation=answer.facts if answer is not None else None)
    decision = decide(ctx)
    # Pending until the next flush, so it is inserted once, as applying leaves it; in a flush applying makes itself
    # (a new user's id) it goes in first and is updated afterwards.
    # (What the case is made with is read from these names below, not back through its instrumented attributes.)
    kind, org_code = u.kind.value, org_code or None
    case = made(Case, id=case_id, reference=reference, kind=kind, outcome=decision.outcome.value,
                checks=[r.as_record() for r in decision.results], fields=_case_fields(u, request), changes=[],
                org_code=org_code, sender=sender.address or "", subject=clean_subject(parsed.subject),
                message_row_id=message_row_id, part=part, parent_case_id=parent.id if parent else None,
                needs_review=decision.outcome == Outcome.FLAGGED,
                created_at=now, updated_at=now, decided_at=now, decided_by=ACTOR)
    add_made(session, case)
    new_case(session, case_id)
    applied = None
    try:  # an apply function refuses before it changes anything: no savepoint to undo half a change
        if decision.outcome == Outcome.APPROVED and "user.already_primary" not in decision.reasons:
            with session.no_autoflush:  # its reads need nothing of the case
                applied = apply_change(session, u.kind, request, now=now, actor=ACTOR, case_id=case_id)
    except ApplyConflict as exc:
        decision = _conflict(decision, str(exc))
        # The decision changed: so does what the case says of it (else it says it already, as made above).
        case.outcome = decision.outcome.value
        case.checks = [r.as_record() for r in decision.results]
        case.needs_review = decision.outcome == Outcome.FLAGGED
    set_new_case_reasons(session, case, list(decision.reasons))
    if applied:
        case.changes = applied.changes
    about_parent = parent is not None and (reopens or answer is not None)  # a signatory's answer: about its case
    ctx_reply = ReplyContext(reference=parent.reference if parent and about_parent else reference,
                             mailbox=settings.mailbox, original_subject=parsed.subject,
                             original_message_id=parsed.message_id, original_references=parsed.references,
                             sender=sender.address or "", sender_name=_sender_name(u))
    on_record = signatory_on_record_for(ctx)
    org_name = register.org.name if register.org else ""
    mails = mails_for(kind=u.kind, decision=decision, request=request, applied=applied, ctx=ctx_reply,
                      policy=settings.mail, now=now, topic=u.topic, org_name=org_name,
                      signatory_address=on_record.email if on_record else None)
    users = {usr.username: usr.id for usr in (applied.needs_password if applied else [])}
    rows = [queue_mail(session, case, mail, now=now, mailbox=settings.mailbox, domain=settings.message_id_domain,
                       user_id=users.get(mail.username or "")) for mail in mails]
    if decision.outcome == Outcome.PENDING and on_record is not None:
        # To the address on record only; the organisation's name from the register view the checks ran on.
        request_confirmation(session, case, on_record, now=now, settings=settings, known_org_name=org_name)
    confirms = None
    if answer is not None:
        confirms = act_on_answer(session, case, answer, decision, now=now, settings=settings, answer_reply=ctx_reply)
    rows = queued_for_case(session, case_id)
    audit.record(session, at=now, actor=ACTOR, action="case.decided", case_id=case_id, org_code=org_code,
                 kind=kind, outcome=case.outcome, reasons=case.reasons, mails=len(rows))
    if parent is not None and reopens:
        parent.needs_review, parent.updated_at = True, now
        audit.record(session, at=now, actor=ACTOR, action="case.follow_up", case_id=parent.id,
                     org_code=parent.org_code, follow_up=reference, sender_is=link.relation)
    elif parent is not None and answer is None:
        audit.record(session, at=now, actor=ACTOR, action="case.linked", case_id=parent.id,
                     org_code=parent.org_code, linked=reference, sender=sender.address or "",
                     why="a new request in reply" if link.reopens else
                     "not an authenticated message from the case's sender, signatory or nominee")
    return CaseOutcome(reference, kind, case.outcome, list(case.reasons), list(case.changes),
                       [{"to": r.recipient, "subject": r.subject} for r in rows], parsed.message_id, case_id,
                       confirms)


def with_case_fields(u: Understanding) -> Understanding:
    """U with the extracted fields of each case it would make (one a request, or one in all) made and encoded now:
    a message's recording, one message at a time, then writes their text (store/encoded_json.py) rather than
    encoding kilobytes (a form's reading, every number in it) itself. Called as U is read ahead."""
    made = tuple((request, encoded(_fields(u, request))) for request in (u.requests or (None,)))
    return replace(u, case_fields=(_fields_basis(u), made))


def _fields_basis(u: Understanding) -> tuple[Any, ...]:
    """What _fields reads of U besides the request."""
    return (u.parsed, u.sender, u.notes, u.recipients, u.topic, u.reading, u.form_readings, u.forms_attached)


def _case_fields(u: Understanding, request: Request | None) -> dict[str, object]:
    """_fields(U, REQUEST): as with_case_fields made them, while U still holds what they were made from (a
    signatory's answer adds a note, a duplicate has no request of its own: then made now)."""
    if u.case_fields is not None:
        basis, made = u.case_fields
        if all(then is now for then, now in zip(basis, _fields_basis(u), strict=True)):
            for then_request, fields in made:
                if then_request is request:
                    return fields
    return _fields(u, request)


def _fields(u: Understanding, request: Request | None) -> dict[str, object]:
    """What staff see as extracted: the request's fields and how the message was understood. No secrets here:
    a message never carries one of ours, and passwords are made only when sent."""
    date = u.parsed.date.isoformat() if u.parsed.date else None
    thread = {"message_id": u.parsed.message_id, "references": list(u.parsed.references)}
    data: dict[str, object] = {"kind_notes": list(u.notes), "message_date": date, "thread": thread, "sender": {
        "address": u.sender.address, "authenticated": u.sender.authenticated, "method": u.sender.method,
        "nhs": u.sender.nhs, "ambiguous": u.sender.ambiguous, "problems": list(u.sender.problems),
        "signatures": [s.as_record() for s in u.sender.passing]},
        "recipients": [list(r) for r in u.recipients], "forms_attached": u.forms_attached}
    if request is not None:
        data["request"] = request.as_record()
    if u.topic is not None:
        data["topic"] = u.topic.value
    if u.reading is not None:
        data["reading"] = u.reading.as_record()
    form_reading = u.form_readings.get(getattr(request, "attachment_index", -1))
    if form_reading is not None:  # what the sandbox read, whole: `mailbot replay` decides again from it
        data["form_reading"] = form_reading
    if u.parsed.defects:
        data["defects"] = list(u.parsed.defects)
    return data
