"""Messages as a real NHS mail server would deliver them: composed with the standard library and DKIM-signed
(tests.support.dkim_signing) with a key made for the test run, whose public half goes in a `test_public_keys` file."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from tests.support import dkim_signing

SIGNED_HEADERS = ("from", "to", "subject", "date", "message-id", "content-type", "mime-version", "in-reply-to",
                  "references")
_fresh = itertools.count(1000)  # dkim_signing caches keys by number: each generate() gets a new one


@dataclass(frozen=True)
class SigningKey:
    """An RSA key published under SELECTOR for the domains a test writes into its key file."""

    selector: str
    key: dkim_signing.SigningKey

    @classmethod
    def generate(cls, selector: str = "test", bits: int = 2048) -> SigningKey:
        return cls(selector, dkim_signing.rsa_key(bits, number=next(_fresh)))

    def write_key_file(self, path: Path, domains: tuple[str, ...] = ("nhs.net",)) -> Path:
        ring = dkim_signing.KeyRing()
        for domain in domains:
            ring.publish(self.key, domain, self.selector)
        return ring.write(path)

    def sign(self, raw: bytes, domain: str) -> bytes:
        present = tuple(h for h in SIGNED_HEADERS if f"\n{h}:".encode() in b"\n" + raw.lower())
        return dkim_signing.sign(raw, self.key, domain, self.selector, headers=present)

    def sign_dated(self, raw: bytes, domain: str, *, signed_at: datetime, expires_at: datetime | None = None) -> bytes:
        """RAW signed as `sign` does, with t= SIGNED_AT and x= EXPIRES_AT (dkim_signing.sign_dated)."""
        present = tuple(h for h in SIGNED_HEADERS if f"\n{h}:".encode() in b"\n" + raw.lower())
        return dkim_signing.sign_dated(raw, self.key, signed_at=signed_at, expires_at=expires_at, domain=domain,
                                       selector=self.selector, headers=present)


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
