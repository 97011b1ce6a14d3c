"""A store with the sample register and review cases made directly (no parser involved), for the web tests.

The cases are what the pipeline would have recorded: reasons (and their indexed rows), the extracted request,
the sender verdict, checks, and the message exactly as it arrived.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from mailbot.admin.register_import import import_rows, read_rows
from store.models import Case, OutboxMessage, StoredMessage
from store.review import set_reasons
from store.staff import add_staff
from tests.support.forms_fixtures import filled_form

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
STAFF_NAME = "Sam Reviewer"
STAFF_PASSWORD = "correct horse battery staple"
HOSTILE = '<script>alert("x")</script><b>bold</b>'
# A file name loses anything before a "/" (path parts are stripped), so its markup has none.
HOSTILE_FILENAME = "<img src=x onerror=alert(1)><svg onload=alert(2)>.pdf"


def message_bytes(*, sender: str, subject: str, body: str, html: str | None = None,
                  attachments: list[tuple[str, bytes]] = (), message_id: str = "<m1@nhs.net>") -> bytes:  # type: ignore[assignment]
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "pcse.openexeter@nhs.net"
    msg["Subject"] = subject
    msg["Date"] = "Fri, 20 Nov 2026 08:00:00 +0000"
    msg["Message-ID"] = message_id
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return msg.as_bytes()


def import_sample_register(session: Session) -> None:
    sample = resources.files("mailbot.demo") / "sample"
    for kind in ("organisations", "applications", "users", "signatories"):
        path = Path(str(sample / f"{kind}.csv"))
        import_rows(session, kind, read_rows(kind, path, path.name), filename=path.name, now=NOW)


def add_case(session: Session, *, reference: str, kind: str, reasons: list[str], raw: bytes, sender: str,
             subject: str, org_code: str | None, request: dict[str, Any] | None, created_at: datetime,
             checks: list[dict[str, Any]] | None = None, authenticated: bool = True,
             message_id: str = "<m1@nhs.net>") -> Case:
    stored = StoredMessage(received_at=created_at, source=f"file:{reference}.eml", message_id=message_id,
                           content_hash=hashlib.sha256(raw).hexdigest(), size=len(raw), raw=raw)
    session.add(stored)
    session.flush()
    fields: dict[str, Any] = {
        "kind_notes": [], "message_date": created_at.isoformat(),
        "thread": {"message_id": message_id, "references": []},
        "sender": {"address": sender, "authenticated": authenticated, "method": "dkim" if authenticated else None,
                   "nhs": sender.endswith("@nhs.net"), "ambiguous": False, "problems": [],
                   "signatures": [{"domain": "nhs.net", "selector": "s1", "b": f"seed-{reference}",
                                   "headers": ["from", "to", "subject", "date", "message-id"]}] if authenticated
                   else []},
        "recipients": [["to", "pcse.openexeter@nhs.net"]], "forms_attached": len(re.findall(
            rb"Content-Type: application/pdf", raw))}
    if request is not None:
        fields["request"] = request
    case = Case(reference=reference, kind=kind, outcome="flagged", reasons=[], checks=checks or [], fields=fields,
                changes=[], org_code=org_code, sender=sender, subject=subject, message_row_id=stored.id,
                needs_review=True, created_at=created_at, updated_at=created_at, decided_at=created_at,
                decided_by="mailbot")
    session.add(case)
    session.flush()
    set_reasons(session, case, reasons)
    return case


PRIMARY_REQUEST = {
    "form_type": "gp_practice", "org_name": "The Oakwood Surgery", "org_code": "A81001",
    "pu_full_name": "Paul Brown", "pu_job_title": "Practise Manger", "pu_email": "paul.brown2@nhs.net",
    "pu_phone": "01632 960001", "pu_request": "additional", "pu_replaces": "", "sig_full_name": "Dr Nadia Quinn",
    "sig_role": "GP Partner", "sig_email": "nadia.quinn@nhs.net", "sig_date": "19/11/2026", "sig_typed": "",
    "reading": "read", "signature": "signed", "signature_how": "ink", "attachment": "oakwood-form.pdf",
    "problems": [],
}


@dataclass(frozen=True)
class Seeded:
    approvable: str  # a Primary User request flagged signatory.unverified, with a form PDF
    rejectable: str  # an unclear message
    hostile: str  # script and HTML in every place a sender controls
    unauthenticated: str  # a request from a sender that could not be confirmed


def seed(session: Session) -> Seeded:
    import_sample_register(session)
    add_staff(session, STAFF_NAME, STAFF_PASSWORD, now=NOW, by="test")
    # Our own published GP form, filled in as the request says and signed in ink.
    pdf = filled_form("gp", {k: v for k, v in PRIMARY_REQUEST.items() if k.startswith(("org_", "pu_", "sig_"))
                             and k != "sig_typed"}, signature="ink")
    raw = message_bytes(sender="Nadia Quinn <nadia.quinn@nhs.net>", subject="Primary User request for A81001",
                        body="Please find our completed form attached.\n\nDr Nadia Quinn",
                        attachments=[("oakwood-form.pdf", pdf)], message_id="<form-1@nhs.net>")
    checks = [{"name": "signatory_verified", "status": "failed", "reason": "signatory.unverified",
               "explanation": "Dr Nadia Quinn (nadia.quinn@nhs.net) is not on record as a signatory of A81001."},
              {"name": "form_complete", "status": "passed", "explanation": "Every required field is filled in."}]
    add_case(session, reference="OE-2026-000101", kind="primary_user_request", reasons=["signatory.unverified"],
             raw=raw, sender="nadia.quinn@nhs.net", subject="Primary User request for A81001", org_code="A81001",
             request=dict(PRIMARY_REQUEST), created_at=NOW - timedelta(days=4), checks=checks,
             message_id="<form-1@nhs.net>")
    raw = message_bytes(sender="Tom White <tom.white1@nhs.net>", subject="Access please",
                        body="Can you sort out the access thing for us?", message_id="<unclear-1@nhs.net>")
    add_case(session, reference="OE-2026-000102", kind="unclear", reasons=["request.unclear"], raw=raw,
             sender="tom.white1@nhs.net", subject="Access please", org_code="B82010", request=None,
             created_at=NOW - timedelta(days=2), message_id="<unclear-1@nhs.net>")
    raw = message_bytes(sender=f'"{HOSTILE}" <mallory@nhs.net>', subject=f"Hello {HOSTILE}",
                        body=f"Body text {HOSTILE}", html=f"<p>{HOSTILE}</p>",
                        attachments=[(HOSTILE_FILENAME, b"%PDF-1.4 not really a pdf")],
                        message_id="<hostile-1@nhs.net>")
    add_case(session, reference="OE-2026-000103", kind="unclear", reasons=["request.unclear"], raw=raw,
             sender="mallory@nhs.net", subject=f"Hello {HOSTILE}", org_code=None, request=None,
             created_at=NOW - timedelta(hours=5), message_id="<hostile-1@nhs.net>")
    raw = message_bytes(sender="someone@nhs.net", subject="Add me", body="Please add me.",
                        message_id="<unauth-1@nhs.net>")
    unauth = add_case(session, reference="OE-2026-000104", kind="unclear",
                      reasons=["sender.unauthenticated", "request.unclear"], raw=raw, sender="someone@nhs.net",
                      subject="Add me", org_code=None, request=None, created_at=NOW - timedelta(days=40),
                      authenticated=False, message_id="<unauth-1@nhs.net>")
    session.add(OutboxMessage(case_id=unauth.id, message_id="<OE-2026-000104.1@nhs.net>", purpose="reply",
                              recipient="someone@nhs.net", subject="Re: Add me [OE-2026-000104]", body="Hello",
                              headers={}, status="uncertain", attempts=1, next_attempt_at=NOW,
                              last_error="timeout after DATA", created_at=NOW))
    return Seeded("OE-2026-000101", "OE-2026-000102", "OE-2026-000103", "OE-2026-000104")
