"""Messages as real mail programs write them, byte for byte: the headers and MIME layout each client really uses
(Outlook and Exchange, Gmail, Apple Mail, Thunderbird, NHSmail's relays, phones), signed with the test key as the
sender's mail server would. Bodies are given with LF line ends and sent with CRLF, as on the wire."""

from __future__ import annotations

import base64
import itertools
from datetime import UTC, datetime
from email.utils import format_datetime

from tests.pipeline.conftest import MAILBOX, Bot

_ids = itertools.count(1)

# The permission request template of SPEC 10, filled in for a user the sample register holds.
TEMPLATE = ("Organisation code: A81001\nUser: paul.brown2@nhs.net\nApplications: Prior Notification List\n"
            "Signatory role: GP Partner\n")
# NHSmail's disclaimer, as its relays append it under every message sent outside the NHSmail estate.
NHSMAIL_DISCLAIMER = (
    "*" * 116 + "\n\n"
    "This message may contain confidential information. If you are not the intended recipient please inform the\n"
    "sender that you have received the message in error before deleting it.\n"
    "Please do not disclose, copy or distribute information in this e-mail or take any action in relation to its "
    "contents. To do so is strictly prohibited and may be unlawful. Thank you for your co-operation.\n\n"
    "NHSmail is the secure email and directory service available for all NHS staff in England and Scotland. NHSmail "
    "is approved for exchanging patient data and other sensitive information with NHSmail and other accredited email "
    "services.\n\nFor more information and to find out how you can switch, https://portal.nhs.net/help/joiningnhsmail\n")


def wire(text: str) -> bytes:
    """TEXT with CRLF line ends, as SMTP carries it."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def head(*, sender: str = "Dr Priya Shah <priya.shah@nhs.net>", subject: str = "Open Exeter permission request",
         content_type: str = "text/plain; charset=utf-8", encoding: str | None = None, extra: str = "") -> str:
    """A header block (ending in its blank line) with the headers every client writes."""
    lines = [f"From: {sender}", f"To: {MAILBOX}", f"Subject: {subject}",
             f"Date: {format_datetime(datetime.now(UTC))}",
             f"Message-ID: <client.{next(_ids)}.{datetime.now(UTC).timestamp()}@nhs.net>", "MIME-Version: 1.0"]
    lines += [line for line in extra.splitlines() if line]
    lines.append(f"Content-Type: {content_type}")
    if encoding:
        lines.append(f"Content-Transfer-Encoding: {encoding}")
    return "\n".join(lines) + "\n\n"


def signed(bot: Bot, raw: bytes, domain: str = "nhs.net") -> bytes:
    """RAW signed by DOMAIN's mail server with the test key."""
    return bot.key.sign(raw, domain)


def base64_lines(data: bytes) -> str:
    """DATA in base64, 76 characters a line, as mail programs encode attachments."""
    return base64.encodebytes(data).decode("ascii")


def _tnef_attribute(level: int, attribute: int, data: bytes) -> bytes:
    """One TNEF attribute: level, id and type, length, the data, and its checksum (the sum of its bytes)."""
    checksum = sum(data) & 0xFFFF
    return (bytes([level]) + attribute.to_bytes(4, "little") + len(data).to_bytes(4, "little") + data
            + checksum.to_bytes(2, "little"))


def winmail_dat(files: tuple[tuple[str, bytes], ...]) -> bytes:
    """A winmail.dat as Outlook writes it (MS-OXTNEF): the message's attributes and its MAPI properties (here a
    block of the size Outlook writes, several kilobytes, so a file inside starts well past the first kilobyte), then
    each file's rendering data, title, bytes and properties."""
    out = [b"\x78\x9f\x3e\x22", b"\x01\x00",
           _tnef_attribute(1, 0x00089006, b"\x00\x00\x01\x00"),  # attTnefVersion
           _tnef_attribute(1, 0x00069007, b"\xe4\x04\x00\x00\x00\x00\x00\x00"),  # attOemCodepage 1252
           _tnef_attribute(1, 0x00078008, b"IPM.Microsoft Mail.Note\x00"),  # attMessageClass
           _tnef_attribute(1, 0x00069003, b"\x00" * 4096)]  # attMSGProps (MAPI properties, rich text body)
    for name, data in files:
        out += [_tnef_attribute(2, 0x00069002, b"\x01\x00\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00"),
                _tnef_attribute(2, 0x00018010, name.encode("cp1252") + b"\x00"),  # attAttachTitle
                _tnef_attribute(2, 0x0006800F, data),  # attAttachData
                _tnef_attribute(2, 0x00069005, b"\x00" * 512)]  # attAttachment (MAPI properties)
    return b"".join(out)

# An earlier request quoted under a reply: its user and applications must never be read as asked for now.
EARLIER = "Organisation code: A81001\nUser: jane.smith@nhs.net\nApplications: Call and Recall; Screening History\n"
OUTLOOK_QUOTE_HEAD = ("From: Priya Shah <priya.shah@nhs.net>\nSent: 20 November 2026 10:00\nTo: " + MAILBOX
                      + "\nSubject: Open Exeter permission request\n\n")


def opaque_signed(entity: bytes) -> bytes:
    """ENTITY (a MIME entity: headers, blank line, body) signed as Outlook's opaque S/MIME does it: a CMS SignedData
    (made by the cryptography package, with a certificate made for the test) that carries ENTITY inside it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.EMAIL_ADDRESS, "alan.hughes@nhs.net")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now.replace(year=now.year + 1))
            .sign(key, hashes.SHA256()))
    return (pkcs7.PKCS7SignatureBuilder().set_data(entity).add_signer(cert, key, hashes.SHA256())
            .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))
