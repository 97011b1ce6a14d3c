"""Test messages as .eml bytes, built with the standard library the way mail programs build them."""

from __future__ import annotations

from collections.abc import Iterable
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP, default

DEFAULT_FROM = "Jane Smith <jane.smith@nhs.net>"
DEFAULT_TO = "pcse.openexeter@nhs.net"
DEFAULT_DATE = "Mon, 02 Nov 2026 10:00:00 +0000"


def build_message(*, subject: str = "Open Exeter", text: str | None = "Hello", html: str | None = None,
                  sender: str = DEFAULT_FROM, to: str = DEFAULT_TO, date: str | None = DEFAULT_DATE,
                  message_id: str | None = "<test.1@mail.nhs.net>", headers: Iterable[tuple[str, str]] = (),
                  attachments: Iterable[tuple[str, str, bytes]] = (),
                  inline_images: Iterable[tuple[str, bytes]] = (), forwarded: bytes | None = None) -> bytes:
    """A message with TEXT and/or HTML bodies, ATTACHMENTS as (filename, content type, bytes), INLINE_IMAGES as
    (content id, PNG bytes) in a multipart/related HTML body, FORWARDED (a whole message) attached unencoded as
    message/rfc822, and extra HEADERS, as CRLF wire bytes."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    if date is not None:
        msg["Date"] = date
    if message_id is not None:
        msg["Message-ID"] = message_id
    for name, value in headers:
        msg[name] = value
    if text is not None:
        msg.set_content(text)
    if html is not None:
        if text is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    images = list(inline_images)
    if images:
        html_part = msg.get_body(("html",))
        assert html_part is not None, "inline images need an HTML body"
        for cid, data in images:
            html_part.add_related(data, maintype="image", subtype="png", cid=f"<{cid}>", disposition="inline")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    if forwarded is not None:
        msg.add_attachment(message_from_bytes(forwarded, policy=default))
    return msg.as_bytes(policy=SMTP)


def raw_message(header_lines: Iterable[str], body: str | bytes = "Hello\r\n") -> bytes:
    """A message written byte for byte: HEADER_LINES as given (nothing encoded or checked), then BODY."""
    head = "\r\n".join(header_lines).encode("utf-8", errors="surrogateescape")
    tail = body if isinstance(body, bytes) else body.encode("utf-8")
    return head + b"\r\n\r\n" + tail


def nested_multipart(depth: int, leaf_text: str = "deep inside") -> bytes:
    """A message whose multipart/mixed parts nest DEPTH levels deep, with a text part at the bottom."""
    body = f"Content-Type: text/plain\r\n\r\n{leaf_text}\r\n"
    for level in range(depth, 0, -1):
        boundary = f"b{level}"
        body = (f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n--{boundary}\r\n{body}\r\n"
                f"--{boundary}--\r\n")
    return b"From: a@nhs.net\r\nSubject: deep\r\nMIME-Version: 1.0\r\n" + body.encode()


def many_parts(count: int) -> bytes:
    """A multipart/mixed message with COUNT small text attachments."""
    parts = "".join(f"--sep\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=f{i}.txt\r\n\r\n"
                    f"part {i}\r\n" for i in range(count))
    return (b"From: a@nhs.net\r\nSubject: many\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=sep\r\n"
            b"\r\n" + parts.encode() + b"--sep--\r\n")
