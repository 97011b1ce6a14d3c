"""Messages as a real NHS mail server would deliver them: composed with the standard library and DKIM-signed with
dkimpy using a key made for the test run, whose public half goes in a `test_public_keys` file (SPEC 4)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SIGNED_HEADERS = (b"from", b"to", b"subject", b"date", b"message-id", b"content-type", b"mime-version",
                  b"in-reply-to", b"references")


@dataclass(frozen=True)
class SigningKey:
    selector: str
    private_pem: bytes
    public_b64: str

    @classmethod
    def generate(cls, selector: str = "test", bits: int = 2048) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption())
        public = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
        return cls(selector, private, base64.b64encode(public).decode())

    def record_line(self, domain: str) -> str:
        return f"{self.selector}._domainkey.{domain} v=DKIM1; k=rsa; p={self.public_b64}"

    def write_key_file(self, path: Path, domains: tuple[str, ...] = ("nhs.net",)) -> Path:
        path.write_text("".join(self.record_line(d) + "\n" for d in domains))
        return path

    def sign(self, raw: bytes, domain: str) -> bytes:
        signature = dkim.sign(raw, self.selector.encode(), domain.encode(), self.private_pem,
                              include_headers=[h for h in SIGNED_HEADERS if h in raw.lower()])
        return signature + raw


def compose(*, sender: str, to: str, subject: str, body: str, date: datetime | None = None,
            message_id: str | None = None, attachments: tuple[tuple[str, bytes, str], ...] = (),
            headers: dict[str, str] | None = None, html: str | None = None) -> bytes:
    """An RFC 5322 message; ATTACHMENTS are (filename, data, "type/subtype")."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = message_id or make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">"))
    for name, value in (headers or {}).items():
        msg[name] = value
    if html is not None and not body:
        msg.set_content(html, subtype="html")  # HTML only, as some webmail sends
    else:
        msg.set_content(body)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    for filename, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()
