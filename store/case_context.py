"""What staff need beside a case to decide it (issue 18): the organisation's people on record, the sender's and
the organisation's other cases, cases carrying the same attachment or text, and the cases linked to this one."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.message_digests import cases_sharing
from store.models import AuditEvent, Case, Organisation, Signatory, SignatoryConfirmation, User
from store.register import organisation

RECENT = 10


@dataclass(frozen=True)
class LinkedCase:
    case: Case
    how: str  # in words: "follow-up of", "follow-up from the case's sender", "quotes this case's reference"...


@dataclass
class CaseContext:
    org: Organisation | None = None
    primary_users: list[User] = field(default_factory=list)
    signatories: list[Signatory] = field(default_factory=list)
    by_sender: list[Case] = field(default_factory=list)
    by_org: list[Case] = field(default_factory=list)
    same_attachment: list[Case] = field(default_factory=list)
    same_text: list[Case] = field(default_factory=list)
    linked: list[LinkedCase] = field(default_factory=list)


def others(session: Session, case: Case, *conditions: object, limit: int = RECENT) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.id != case.id, *conditions)  # type: ignore[arg-type]
                                .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)))


def linked_cases(session: Session, case: Case) -> list[LinkedCase]:
    """Cases this one is tied to: the case it follows up, the messages that quote its reference (a follow-up from
    its own people, or anyone else's message linked for staff), and a signatory's confirmation either way."""
    found: list[LinkedCase] = []
    if case.parent is not None:
        found.append(LinkedCase(case.parent, "this message answers or quotes it"))
    children = list(session.scalars(select(Case).where(Case.parent_case_id == case.id).order_by(Case.id)))
    events = list(session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action.in_(("case.follow_up", "case.linked")))))
    follow_ups = {str(e.detail.get("follow_up")) for e in events if e.action == "case.follow_up"}
    new_requests = {str(e.detail.get("linked")) for e in events
                    if e.action == "case.linked" and e.detail.get("why") == "a new request in reply"}
    confirmations = list(session.scalars(select(SignatoryConfirmation).where(or_(
        SignatoryConfirmation.case_id == case.id, SignatoryConfirmation.answer_case_id == case.id))))
    answers = {c.answer_case_id for c in confirmations if c.case_id == case.id}
    for child in children:
        if child.id in answers:
            how = "the signatory's answer to the confirmation request"
        elif child.reference in follow_ups:
            how = "a follow-up from the case's own people, attached to it"
        elif child.reference in new_requests:
            how = "a new request in reply from the case's own people: a case of its own"
        else:
            how = "quotes this case's reference but is not from its people: a case of its own"
        found.append(LinkedCase(child, how))
    for row in confirmations:
        if row.answer_case_id == case.id and row.case_id != case.parent_case_id:
            found.append(LinkedCase(row.case, "the case this answer confirms or declines"))
    return found


def case_context(session: Session, case: Case) -> CaseContext:
    org = organisation(session, case.org_code) if case.org_code else None
    context = CaseContext(org=org)
    if org is not None:
        context.primary_users = [u for u in org.users if u.is_primary and u.status == "active"]
        context.signatories = list(org.signatories)
        context.by_org = others(session, case, Case.org_code == org.code)
    if case.sender:
        context.by_sender = others(session, case, Case.sender == case.sender)
    context.same_attachment = cases_sharing(session, case, "attachment")
    context.same_text = cases_sharing(session, case, "text")
    context.linked = linked_cases(session, case)
    return context
