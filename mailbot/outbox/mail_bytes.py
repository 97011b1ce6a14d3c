"""An outbox row as the bytes handed to the mail server: its headers, its deterministic Message-ID, plain text.

Written out directly rather than through email.message (which costs several milliseconds a mail, a large share of
the daemon's time under a backlog): header values are one line each (CR/LF were removed when the row was made,
and are removed again here), RFC 2047-encoded when not ASCII and folded by email.header; the body is 7bit when
ASCII, else quoted-printable UTF-8.
"""

from __future__ import annotations

import quopri
from datetime import datetime
from email.header import Header
from email.utils import format_datetime

from store.models import OutboxMessage

HEADER_ORDER = ("From", "To", "Auto-Submitted", "In-Reply-To", "References")
OWN = ("message-id", "subject", "date", "mime-version", "content-type", "content-transfer-encoding")


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def _header(name: str, value: str) -> bytes:
    value = _one_line(value)
    fits = len(name) + len(value) + 2 <= 78 or " " not in value  # a single long word cannot be folded anyway
    if value.isascii() and len(name) + len(value) + 2 <= 998 and fits:
        return f"{name}: {value}\r\n".encode("ascii")
    encoded = Header(value, "utf-8" if not value.isascii() else "us-ascii", header_name=name).encode(
        linesep="\r\n", maxlinelen=78)
    return f"{name}: {encoded}\r\n".encode("ascii")


def _body(text: str) -> tuple[bytes, bytes]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if text.isascii() and all(len(line) <= 998 for line in lines):
        return b"7bit", "\r\n".join(lines).encode("ascii")
    encoded = quopri.encodestring("\n".join(lines).encode("utf-8"))
    return b"quoted-printable", encoded.replace(b"\n", b"\r\n")


def mail_bytes(row: OutboxMessage, *, now: datetime, body: str | None = None) -> bytes:
    """The message for ROW; BODY replaces the row's body (the one with a password filled in, never stored)."""
    headers = dict(row.headers or {})
    out = []
    for name in HEADER_ORDER:
        if headers.get(name):
            out.append(_header(name, headers[name]))
    if not headers.get("To"):
        out.append(_header("To", row.recipient))
    for name, value in headers.items():
        if name not in HEADER_ORDER and value and name.lower() not in OWN:
            out.append(_header(name, value))
    out.append(_header("Subject", row.subject))
    out.append(_header("Date", format_datetime(now)))
    out.append(_header("Message-ID", row.message_id))
    encoding, payload = _body(row.body if body is None else body)
    out.append(b"MIME-Version: 1.0\r\n")
    out.append(b'Content-Type: text/plain; charset="utf-8"\r\n')
    out.append(b"Content-Transfer-Encoding: " + encoding + b"\r\n\r\n")
    out.append(payload if payload.endswith(b"\r\n") else payload + b"\r\n")
    return b"".join(out)
