"""The demo's sample mailbox: one message of every kind PCSE receives, as real mail, and a signatory's answer to
the confirmation request the mailbot sends for a form someone else sent (SPEC 17).

Signed with a DKIM key made for this demo folder (its public half goes in the folder's test_public_keys file, as
an air-gapped install would do; the private half never leaves the folder), forms made by our own generator.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dkim.canonicalization import CanonicalizationPolicy
from dkim.crypto import parse_pem_private_key

from mailbot.demo.form_samples import sample_form, scanned_sample_form

SELECTOR = "demo"
SIGNED_HEADERS = [b"from", b"to", b"subject", b"date", b"message-id", b"content-type", b"mime-version"]
SYSTEM = "openexeter-noreply@nhs.net"

GP_FORM = {
    "org_name": "The Oakwood Surgery", "org_code": "A81001", "pu_full_name": "Sam New",
    "pu_job_title": "Practice Manager", "pu_email": "sam.new@nhs.net", "pu_phone": "01392 000000",
    "pu_request": "new", "sig_full_name": "Dr Alan Hughes", "sig_role": "Lead GP",
    "sig_email": "alan.hughes@nhs.net", "sig_date": "20/11/2026",
}
TRUST_FORM = {
    "org_name": "Northshire Hospitals NHS Trust", "org_code": "RX1", "pu_full_name": "Kim Hale",
    "pu_job_title": "Screening Lead", "pu_email": "kim.hale@nhs.net", "pu_phone": "01392 111111",
    "pu_request": "new", "sig_full_name": "Ian Ford", "sig_role": "Lead GP", "sig_email": "ian.ford@nhs.net",
    "sig_date": "20/11/2026",
}


CLINIC_FORM = {
    "org_name": "Westvale Sexual Health Service", "org_code": "Y01234", "pu_full_name": "Omar Reed",
    "pu_job_title": "Service Manager", "pu_email": "omar.reed@nhs.net", "pu_phone": "01392 222222",
    "pu_request": "new", "sig_full_name": "Nina Rossi", "sig_role": "Caldicott Guardian",
    "sig_email": "nina.rossi@nhs.net", "sig_date": "20/11/2026",
}
# An ordinary nhs.net mailbox (its DKIM signature passes; it is on no register) naming a real GP Partner.
FORGED_FORM = {
    "org_name": "Harbour Lane Practice", "org_code": "B82010", "pu_full_name": "Eve Intruder",
    "pu_job_title": "Practice Manager", "pu_email": "eve.intruder@nhs.net", "pu_phone": "01392 333333",
    "pu_request": "new", "sig_full_name": "Dr Ruth Evans", "sig_role": "GP Partner",
    "sig_email": "ruth.evans@nhs.net", "sig_date": "20/11/2026",
}
# Signed by hand on paper and scanned (read by OCR): a replacement, so the practice keeps two Primary Users.
SCANNED_FORM = {
    "org_name": "Riverside Medical Centre", "org_code": "A81002", "pu_full_name": "Lucy Grant",
    "pu_job_title": "Practice Manager", "pu_email": "lucy.grant@nhs.net", "pu_phone": "01392 444444",
    "pu_request": "replacement", "pu_replaces": "mary.jones4@nhs.net", "sig_full_name": "Dr Omar Said",
    "sig_role": "Lead GP", "sig_email": "omar.said@nhs.net", "sig_date": "21/11/2026",
}
CONFIRMING_SIGNATORY = "nina.rossi@nhs.net"  # answers "yes" to the request the mailbot sends her


@dataclass(frozen=True)
class Sample:
    name: str
    sender: str
    subject: str
    body: str
    attachments: tuple[tuple[str, bytes], ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    signed: bool = True


def _permission(org: str, user: str, apps: str, role: str) -> str:
    return f"Organisation code: {org}\nUser: {user}\nApplications: {apps}\nSignatory role: {role}\n\nKind regards"


def samples() -> Iterator[Sample]:
    yield Sample("valid-gp-form", "alan.hughes@nhs.net", "Primary User request form",
                 "Please find our signed form attached.",
                 (("primary-user-request.pdf", sample_form("gp_practice", GP_FORM, signed=True)),))
    yield Sample("scanned-hand-signed-form", "omar.said@nhs.net", "Primary User request form (scanned)",
                 "Our form, signed by hand and scanned, is attached.",
                 (("scan0001.pdf", scanned_sample_form("gp_practice", SCANNED_FORM)),))
    yield Sample("wrong-role", "ian.ford@nhs.net", "Primary User request form", "Signed form attached.",
                 (("form.pdf", sample_form("other", TRUST_FORM, signed=True)),))
    yield Sample("unsigned-form", "omar.said@nhs.net", "Primary User request form", "Form attached.",
                 (("form.pdf", sample_form("gp_practice", {
                     **GP_FORM, "org_name": "Riverside Medical Centre", "org_code": "A81002",
                     "pu_full_name": "Ann Lake", "pu_email": "ann.lake@nhs.net", "sig_full_name": "Dr Omar Said",
                     "sig_email": "omar.said@nhs.net", "pu_request": "replacement",
                     "pu_replaces": "dev.patel1@nhs.net"}, signed=False)),))
    yield Sample("form-sent-by-the-nominee", "omar.reed@nhs.net", "Primary User request form",
                 "Nina Rossi, our Caldicott Guardian, has signed the attached form for me.",
                 (("primary-user-request.pdf", sample_form("other", CLINIC_FORM, signed=True)),))
    yield Sample("form-naming-a-real-signatory", "eve.intruder@nhs.net", "Primary User request form",
                 "Please find our signed form attached.",
                 (("primary-user-request.pdf", sample_form("gp_practice", FORGED_FORM, signed=True)),))
    yield Sample("forged-sender", "alan.hughes@nhs.net", "Primary User request form", "Form attached.",
                 (("form.pdf", sample_form("gp_practice", {**GP_FORM, "pu_full_name": "Eve Intruder",
                                                           "pu_email": "eve.intruder@nhs.net"}, signed=True)),),
                 signed=False)
    yield Sample("permission-request", "priya.shah@nhs.net", "Open Exeter permission request",
                 _permission("A81001", "paul.brown2@nhs.net", "Prior Notification List", "GP Partner"))
    yield Sample("permission-unknown-app", "omar.said@nhs.net", "Open Exeter permission request",
                 _permission("A81002", "MJONES4", "Screening History; Flying Lessons", "Lead GP"))
    yield Sample("permission-not-signatory", "paul.brown2@nhs.net", "Open Exeter permission request",
                 _permission("A81001", "paul.brown2@nhs.net", "Cervical Screening Results", "GP Partner"))
    yield Sample("new-user-notice", SYSTEM, "Open Exeter: new user created",
                 "A new user has been created in Open Exeter.\n\nOrganisation: A81001\nUsername: AGREY1\n"
                 "Name: Alex Grey\nEmail: alex.grey@nhs.net\nCreated by: jane.smith@nhs.net\n"
                 "Applications: Prior Notification List\n")
    yield Sample("guidance-question", "kate.doe@nhs.net", "Password reset",
                 "Hello, I have forgotten my Open Exeter password. How do I reset it?")
    yield Sample("out-of-office", "jane.smith@nhs.net", "Automatic reply: Open Exeter",
                 "I am out of the office until Monday.", headers={"Auto-Submitted": "auto-replied"})
    yield Sample("unclear", "someone@nhs.net", "Hello", "Could you give me a call about the thing we discussed?")


@dataclass(frozen=True)
class DemoKey:
    private_pem: bytes
    public_b64: str

    @classmethod
    def generate(cls) -> DemoKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        public = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
        return cls(private, base64.b64encode(public).decode())

    def key_file_line(self, domain: str) -> str:
        return f"{SELECTOR}._domainkey.{domain} v=DKIM1; k=rsa; p={self.public_b64}\n"


def compose(sample: Sample, mailbox: str, when: datetime, n: int, key: DemoKey) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sample.sender, mailbox, sample.subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<demo-{n:03d}-{sample.name}@mail.nhs.net>"
    for name, value in sample.headers.items():
        msg[name] = value
    msg.set_content(sample.body)
    for filename, data in sample.attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    raw = msg.as_bytes()
    if not sample.signed:
        return raw
    return signed(raw, sample.sender.rsplit("@", 1)[1], key, when)


def signed(raw: bytes, domain: str, key: DemoKey, when: datetime) -> bytes:
    """RAW with a DKIM signature dated WHEN (t=), otherwise as dkim.sign makes one (relaxed/simple). dkim.sign dates
    it by the clock; the mailbot judges t= as at the moment it runs, so a demo run at a fixed MAILBOT_CLOCK signs as
    at that moment (its daemon sees that clock too)."""
    signer = dkim.DKIM(raw, signature_algorithm=b"rsa-sha256")
    signer.hasher = dkim.HASH_ALGORITHMS[b"rsa-sha256"]
    canonical = CanonicalizationPolicy.from_c_value(b"relaxed/simple")
    body_hash = base64.b64encode(signer.hasher(canonical.canonicalize_body(signer.body)).digest())
    headers = tuple(SIGNED_HEADERS)
    tags = [(b"v", b"1"), (b"a", b"rsa-sha256"), (b"c", canonical.to_c_value()), (b"d", domain.encode()),
            (b"i", b"@" + domain.encode()), (b"q", b"dns/txt"), (b"s", SELECTOR.encode()),
            (b"t", str(int(when.timestamp())).encode()), (b"h", b" : ".join(headers)), (b"bh", body_hash),
            (b"b", b"0" * 60)]
    value = signer.gen_header(tags, headers, canonical, b"DKIM-Signature", parse_pem_private_key(key.private_pem))
    return b"DKIM-Signature: " + value + raw


def write_mailbox(directory: Path, mailbox: str, now: datetime) -> tuple[DemoKey, list[Path]]:
    """The demo key file and one .eml per sample under DIRECTORY/messages; returns (the key, the messages)."""
    key = DemoKey.generate()
    key_file = directory / "demo-keys.txt"
    key_file.write_text(key.key_file_line("nhs.net"))
    folder = directory / "messages"
    folder.mkdir(exist_ok=True)
    paths = []
    for n, sample in enumerate(samples(), start=1):
        path = folder / f"{n:02d}-{sample.name}.eml"
        path.write_bytes(compose(sample, mailbox, now - timedelta(minutes=30 - n), n, key))
        paths.append(path)
    return key, paths


def write_answer(directory: Path, mailbox: str, now: datetime, key: DemoKey, *, sender: str, subject: str,
                 message_id: str, body: str, text: str) -> Path:
    """The signatory's reply to our request (SUBJECT, MESSAGE_ID, BODY) as a mail client writes it: threaded,
    TEXT on top, the request quoted below."""
    quoted = "\n".join("> " + line for line in body.splitlines())
    answer = Sample("signatory-answers", sender, f"Re: {subject}",
                    f"{text}\n\nOn {now:%d %b %Y}, PCSE <{mailbox}> wrote:\n{quoted}\n",
                    headers={"In-Reply-To": message_id, "References": message_id})
    n = len(list((directory / "messages").glob("*.eml"))) + 1
    path = directory / "messages" / f"{n:02d}-{answer.name}.eml"
    path.write_bytes(compose(answer, mailbox, now, n, key))
    return path
