"""A recorded case, as the checks see it again: its request, its sender verdict and its message's facts, read
back from the store, so its chain can run once more on the register as it is now (a reviewer's approval, or the
signatory's confirmation)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.outbox.replies import ReplyContext
from mailbot.processing.kinds import spec_of
from mailbot.processing.settings import Settings
from rules.context import CheckContext, ConfirmationFacts, MessageFacts, SenderFacts
from rules.dkim_checks import SignedBy
from rules.requests import Request
from rules.sender import SenderVerdict
from store.models import Case
from store.outbox.case_rows import replies_today
from store.register import register_for


def stored_sender(case: Case) -> SenderVerdict:
    """The sender verdict as the case recorded it (the signatures that vouched for the sender: d=, s=, h=, b=)."""
    s = (case.fields or {}).get("sender", {})
    passing = tuple(SignedBy(str(r.get("domain", "")), str(r.get("selector", "")),
                             tuple(str(h) for h in r.get("headers", ())), str(r.get("b", "")))
                    for r in s.get("signatures", ()) if isinstance(r, dict))
    return SenderVerdict(address=s.get("address"), domain=(s.get("address") or "@").rsplit("@", 1)[1] or None,
                         ambiguous=bool(s.get("ambiguous")), nhs=bool(s.get("nhs")),
                         authenticated=bool(s.get("authenticated")), temporary_failure=False, method=s.get("method"),
                         problems=tuple(s.get("problems", ())), signatures=(), passing=passing)


def trusted(sender: SenderFacts) -> bool:
    """Whether a mail may go to SENDER: authenticated and unambiguous (SPEC 4 and 13)."""
    return bool(sender.address) and sender.authenticated and not sender.ambiguous


def stored_request(case: Case) -> Request | None:
    """The request CASE recorded (Correctable.as_record), of the class its kind carries; None when it has none."""
    cls = spec_of(case.kind).request
    data = (case.fields or {}).get("request")
    if cls is None or not isinstance(data, dict):
        return None
    return cls.from_record(data)


def stored_context(session: Session, case: Case, request: Request, now: datetime, settings: Settings, *,
                   confirmation: ConfirmationFacts | None = None) -> CheckContext:
    """The context CASE's chain runs in now: its recorded message and sender, REQUEST, today's register."""
    fields = case.fields or {}
    date = fields.get("message_date")
    facts = MessageFacts(size=case.message.size if case.message else 0,
                         date=datetime.fromisoformat(date) if date else None, subject=case.subject,
                         replies_to_sender_today=replies_today(session, case.sender, now) if case.sender else 0,
                         recipients=tuple((str(f), str(a)) for f, a in fields.get("recipients", ())),
                         forms_attached=int(fields.get("forms_attached", 0)))
    return CheckContext(kind=spec_of(case.kind).kind, now=now, message=facts, sender=stored_sender(case),
                        policy=settings.policy, request=request, register=register_for(session, request),
                        signatory_confirmation=confirmation)


def stored_reply_context(case: Case, settings: Settings) -> ReplyContext:
    """Replies about CASE, to its sender, threaded under the message that opened it."""
    thread = (case.fields or {}).get("thread", {})
    return ReplyContext(reference=case.reference, mailbox=settings.mailbox, original_subject=case.subject,
                        original_message_id=thread.get("message_id"),
                        original_references=tuple(thread.get("references", ())), sender=case.sender)
