"""The mails of a signatory confirmation (SPEC 17), written from the stored case alone, so a reminder or a request
staff send again says exactly what the first one said.

The request goes only to the address on record (the confirmation row's `address`, which came from the register),
never to an address the form or the message gives. It says what was asked, who sent it and when, and carries the
case reference in its subject; its Message-ID (`<OE-...-N@domain>`, given by the outbox) threads the answer back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mailbot.outbox.replies import OutgoingMail, ReplyContext, clean_subject, notice
from mailbot.processing.settings import Settings
from parsers.vocabulary.roles import ROLE_LABELS, Role
from store.models import Case, SignatoryConfirmation

REQUEST_PURPOSE = "confirmation_request"
FIELD_CHARS = 120  # a name, an address or a job title; more is someone writing a letter into the form
REMINDER_PURPOSE = "confirmation_reminder"


def when(moment: datetime) -> str:
    return moment.strftime("%d %B %Y at %H:%M UTC").lstrip("0")


def request_words(request: dict[str, Any]) -> str:
    kind = (request.get("pu_request") or "").strip().lower()
    if kind == "replacement":
        return f"a new Primary User, replacing {request.get('pu_replaces') or 'one named on the form'}"
    if kind == "additional":
        return "an additional Primary User"
    return "a new Primary User"


def _role_label(role: str) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


def _one_line(value: Any) -> str:
    """A value the sender typed, as one short line: nobody writes paragraphs of their own into our request."""
    return clean_subject(str(value or ""))[:FIELD_CHARS]


def confirmation_mail(case: Case, row: SignatoryConfirmation, *, settings: Settings, org_name: str,
                      reminder: bool = False) -> OutgoingMail:
    """The request (or its reminder) to ROW's address on record, about CASE."""
    request = {k: _one_line(v) for k, v in ((case.fields or {}).get("request") or {}).items()
               if isinstance(v, str)}
    sent = (case.fields or {}).get("message_date")
    sent_at = datetime.fromisoformat(sent) if sent else case.created_at
    ctx = ReplyContext(reference=case.reference, mailbox=settings.mailbox, original_subject=case.subject,
                       original_message_id=None, original_references=(), sender=row.address)
    org = org_name or request.get("org_name") or case.org_code or ""
    subject = (f"{'Reminder: please' if reminder else 'Please'} confirm a Primary User request for {org} "
               f"({request.get('org_code') or case.org_code})")
    mail = notice(ctx, to=row.address, subject=subject, template="confirmation_request", reminder=reminder,
                  signatory_name=row.full_name, role_label=_role_label(row.role), org_name=org,
                  org_code=request.get("org_code") or case.org_code or "", request_words=request_words(request),
                  nominee_name=request.get("pu_full_name", ""), nominee_email=request.get("pu_email", ""),
                  nominee_job=request.get("pu_job_title", ""), form_date=request.get("sig_date", ""),
                  sent_by=case.sender, sent_at=when(sent_at), first_asked=when(row.waiting_since),
                  expires=when(row.expires_at))
    return OutgoingMail(REMINDER_PURPOSE if reminder else REQUEST_PURPOSE, mail.to, mail.subject, mail.body,
                        auto_submitted="auto-generated")
