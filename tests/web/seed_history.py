"""Cases around the web seed's OE-2026-000101 for the issue 18 tests: its message sent before and rejected, a
follow-up from its sender, a finished case of another practice, and a case that arrived minutes ago. Every stored
message gets its fingerprints, as the pipeline gives them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from parsers.digests import message_digests
from parsers.message import parse_message
from store import audit
from store.message_digests import record_digests
from store.models import Case, StoredMessage
from tests.web.seed import NOW, add_case, message_bytes

FRESH = "OE-2026-000106"


def seed_history(session: Session) -> None:
    """Cases around OE-2026-000101 (Dr Nadia Quinn's form for A81001): the same message rejected before, a follow-up
    from her, a finished case for another practice, and one that arrived minutes ago."""
    first = session.scalars(select(Case).where(Case.reference == "OE-2026-000101")).one()
    assert first.message is not None
    earlier = add_case(session, reference="OE-2026-000090", kind="primary_user_request",
                       reasons=["signatory.unverified"], raw=first.message.raw.replace(b"<form-1@nhs.net>",
                                                                                      b"<form-0@nhs.net>"),
                       sender="nadia.quinn@nhs.net", subject="Primary User request for A81001", org_code="A81001",
                       request=None, created_at=NOW - timedelta(days=9), message_id="<form-0@nhs.net>")
    earlier.outcome, earlier.needs_review, earlier.decided_by = "rejected", False, "Kim Colleague"
    reply = add_case(session, reference="OE-2026-000105", kind="follow_up", reasons=[],
                     raw=message_bytes(sender="nadia.quinn@nhs.net", subject="Re: [OE-2026-000101]",
                                       body="I am a new partner here.", message_id="<fu-1@nhs.net>"),
                     sender="nadia.quinn@nhs.net", subject="Re: [OE-2026-000101]", org_code="A81001",
                     request=None, created_at=NOW - timedelta(days=3), message_id="<fu-1@nhs.net>")
    reply.parent_case_id, reply.needs_review, reply.outcome = first.id, False, "flagged"
    audit.record(session, at=NOW - timedelta(days=3), actor="mailbot", action="case.follow_up", case_id=first.id,
                 org_code="A81001", follow_up="OE-2026-000105", sender_is="sender")
    done = add_case(session, reference="OE-2026-000091", kind="permission_request", reasons=["user.unknown"],
                    raw=message_bytes(sender="tom.white1@nhs.net", subject="Permissions for Ann",
                                      body="Please give Ann access.", message_id="<perm-1@nhs.net>"),
                    sender="tom.white1@nhs.net", subject="Permissions for Ann", org_code="B82010", request=None,
                    created_at=NOW - timedelta(days=6), message_id="<perm-1@nhs.net>")
    done.outcome, done.needs_review, done.decided_by = "rejected", False, "mailbot"
    add_case(session, reference=FRESH, kind="unclear", reasons=["request.unclear"],
             raw=message_bytes(sender="omar.said@nhs.net", subject="Quick question", body="Hello",
                               message_id="<fresh-1@nhs.net>"),
             sender="omar.said@nhs.net", subject="Quick question", org_code="A81002", request=None,
             created_at=datetime.now(UTC) - timedelta(minutes=10), message_id="<fresh-1@nhs.net>")
    session.flush()
    for stored in session.scalars(select(StoredMessage)):
        parsed = parse_message(stored.raw)
        record_digests(session, stored.id, message_digests(parsed))
