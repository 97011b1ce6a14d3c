"""An outbox row as the bytes handed to the mail server: its headers, its deterministic Message-ID, plain text."""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from store.models import OutboxMessage

HEADER_ORDER = ("From", "To", "Auto-Submitted", "In-Reply-To", "References")


def mail_bytes(row: OutboxMessage, *, now: datetime, body: str | None = None) -> bytes:
    """The message for ROW; BODY replaces the row's body (the one with a password filled in, never stored)."""
    msg = EmailMessage(policy=policy.SMTP)
    headers = dict(row.headers or {})
    for name in HEADER_ORDER:
        if headers.get(name):
            msg[name] = headers[name]
    for name, value in headers.items():
        if name not in HEADER_ORDER and value and name.lower() not in ("message-id", "subject", "date"):
            msg[name] = value
    if "To" not in msg:
        msg["To"] = row.recipient
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = row.message_id
    msg.set_content(row.body if body is None else body, charset="utf-8")
    return msg.as_bytes(policy=policy.SMTP)
