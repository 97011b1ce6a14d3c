"""Turning a composed mail into an outbox row with a deterministic Message-ID.

The Message-ID is made from the case reference and the mail's place in the case (`<OE-2026-000123.2@domain>`), so
a reply to it is recognised as a follow-up, and a row is never sent under two identities.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mailbot.outbox.replies import OutgoingMail
from store.models import Case, OutboxMessage
from store.models.base import made
from store.outbox import case_rows


def outbox_message_id(reference: str, n: int, domain: str) -> str:
    return f"<{reference}.{n}@{domain}>"


def queue_mail(session: Session, case: Case, mail: OutgoingMail, *, now: datetime, mailbox: str, domain: str,
               user_id: int | None) -> OutboxMessage:
    """Queue MAIL as the case's next outbox row (numbered after those it already has). A mail without a recipient
    address is a mistake of the caller's, never queued."""
    if "@" not in mail.to:
        raise ValueError(f"{case.reference}: a {mail.purpose} mail has no recipient address ({mail.to!r})")
    n = case_rows.next_number(session, case.id)
    headers = {"From": mailbox, "To": mail.to, "Auto-Submitted": mail.auto_submitted}
    if mail.in_reply_to:
        headers["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        headers["References"] = " ".join(mail.references)
    row = made(OutboxMessage, case_id=case.id, message_id=outbox_message_id(case.reference, n, domain),
               purpose=mail.purpose, recipient=mail.to, subject=mail.subject, body=mail.body,
               headers=headers, user_id=user_id, status="pending", attempts=0, next_attempt_at=now,
               created_at=now)
    return case_rows.add(session, row)
