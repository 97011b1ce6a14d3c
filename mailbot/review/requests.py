"""Two things staff do from a case besides deciding it (issue 18): ask the sender for more information (the case
keeps waiting; their answer, an authenticated follow-up from the case's own people, goes on the case as any
follow-up does, mailbot.processing.follow_ups), and warn the organisation's signatories or Primary Users on record that
someone may be using their name.

Neither ever writes to an address taken from the message: the question goes only to an authenticated,
unambiguous sender (SPEC 13), and a warning only to addresses the register holds for the case's organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.outbox.replies import notice, templated_reply
from mailbot.outbox.rows import queue_mail
from mailbot.processing.settings import Settings
from mailbot.processing.stored_case import stored_reply_context, stored_sender, trusted
from mailbot.review.actions import ReviewError, load_case
from parsers.vocabulary.roles import ROLE_LABELS, Role
from store import audit
from store.models import Case
from store.register import organisation

MAX_QUESTION = 3000


@dataclass(frozen=True)
class PersonOnRecord:
    address: str  # lower-case, as the register holds it
    name: str
    role: str  # in words: "Primary User", "Lead GP"...


def can_ask(case: Case) -> str:
    """"" when staff may ask the case's sender for more information; else why not, in words."""
    if not case.needs_review:
        return "The case is not waiting for review, so there is nothing to ask about."
    if not trusted(stored_sender(case)) or "@" not in (case.sender or ""):
        return ("The sender could not be confirmed (no valid signature from their domain, or more than one "
                "sender), so no mail goes to them: the address may be forged.")
    return ""


def ask_for_information(session: Session, reference: str, question: str, *, by: str, now: datetime,
                        settings: Settings) -> str:
    """Write QUESTION to the case's sender as a reply under the case's reference; the case keeps waiting.
    Returns the address written to."""
    question = question.strip()[:MAX_QUESTION]
    if not question:
        raise ReviewError("Write what you need to know: the sender reads it as it is.")
    case = load_case(session, reference, for_update=True)
    refused = can_ask(case)
    if refused:
        raise ReviewError(refused)
    ctx = stored_reply_context(case, settings)
    mail = templated_reply(ctx, "replies/review_more_information.txt", question=question)
    row = queue_mail(session, case, mail, now=now, mailbox=settings.mailbox, domain=settings.message_id_domain,
                     user_id=None)
    case.updated_at = now
    audit.record(session, at=now, actor=by, action="review.information_requested", case_id=case.id,
                 org_code=case.org_code, to=case.sender, question=question, message_id=row.message_id)
    return case.sender


def people_on_record(session: Session, case: Case) -> list[PersonOnRecord]:
    """The signatories (with an email address) and active Primary Users the register holds for the case's
    organisation: the only people a warning may go to."""
    org = organisation(session, case.org_code) if case.org_code else None
    if org is None:
        return []
    found: dict[str, PersonOnRecord] = {}
    for s in org.signatories:
        if s.email:
            role = ROLE_LABELS.get(Role(s.role), s.role) if s.role in {r.value for r in Role} else s.role
            found.setdefault(s.email.lower(), PersonOnRecord(s.email.lower(), s.full_name, f"signatory ({role})"))
    for u in org.users:
        if u.is_primary and u.status == "active" and u.email:
            found.setdefault(u.email.lower(), PersonOnRecord(u.email.lower(), u.full_name, "Primary User"))
    return list(found.values())


def warn_people_on_record(session: Session, reference: str, addresses: list[str], *, by: str, now: datetime,
                          settings: Settings) -> list[str]:
    """Warn the chosen people on record that a message may have used their or their organisation's name. Every
    address must be one the register holds for the case's organisation; anything else is refused whole."""
    case = load_case(session, reference, for_update=True)
    org = organisation(session, case.org_code) if case.org_code else None
    if org is None:
        raise ReviewError("The case has no organisation on record, so there is nobody on record to warn.")
    on_record = {p.address: p for p in people_on_record(session, case)}
    wanted = list(dict.fromkeys(a.strip().lower() for a in addresses if a.strip()))
    if not wanted:
        raise ReviewError("Choose at least one person on record to warn.")
    strangers = [a for a in wanted if a not in on_record]
    if strangers:
        raise ReviewError("A warning goes only to addresses on record for the organisation; not on record: "
                          + ", ".join(strangers))
    ctx = stored_reply_context(case, settings)
    sender = stored_sender(case)
    claimed = case.sender or "an address that could not be read"
    received = f"{case.created_at:%d/%m/%Y %H:%M} UTC"
    what = case.kind.replace("_", " ")
    for address in wanted:
        person = on_record[address]
        mail = notice(ctx, to=address, subject="Possible misuse of your organisation's name",
                      template="impersonation_warning", name=person.name, role=person.role,
                      org_name=org.name, org_code=org.code, received=received,
                      sender=claimed if trusted(sender) else f"{claimed} (not confirmed: it may be forged)",
                      what=what)
        queue_mail(session, case, mail, now=now, mailbox=settings.mailbox, domain=settings.message_id_domain,
                   user_id=None)
    audit.record(session, at=now, actor=by, action="review.impersonation_warned", case_id=case.id,
                 org_code=org.code, to=wanted)
    return wanted
