"""A store already holding many cases, for measuring whether the rate holds as the store grows: N decided cases
of an earlier year, each with its raw message, first-sighting key, reason, audit event and one reply in the
outbox (sent), written with SQLAlchemy Core executemany in chunks (about as fast as the database can take
them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert

from store.models import AuditEvent, Case, CaseReason, MessageKey, OutboxMessage, StoredMessage

CHUNK = 5000
RAW = b"From: someone@nhs.net\r\nSubject: an earlier request\r\n\r\nOld.\r\n"


def fill(engine: Engine, cases: int, *, year: int = 2020) -> None:
    """Write CASES old cases (references OE-YEAR-NNNNNN, so they never meet this year's counter)."""
    start = datetime(year, 1, 1, tzinfo=UTC)
    senders = [f"sender{n}@nhs.net" for n in range(500)]
    with engine.begin() as conn:
        for first in range(0, cases, CHUNK):
            numbers = range(first + 1, min(cases, first + CHUNK) + 1)
            at = {n: start + timedelta(minutes=n) for n in numbers}
            conn.execute(insert(StoredMessage), [
                {"id": n, "received_at": at[n], "source": f"fill:{n}", "message_id": f"<fill-{n}@nhs.net>",
                 "content_hash": f"{n:064x}", "size": len(RAW), "raw": RAW} for n in numbers])
            conn.execute(insert(MessageKey), [{"key": f"mid:fill-{n}@nhs.net", "message_row_id": n} for n in numbers])
            conn.execute(insert(Case), [
                {"id": n, "reference": f"OE-{year}-{n:06d}", "kind": "permission_request", "outcome": "approved",
                 "reasons": [], "checks": [], "fields": {}, "changes": [], "org_code": "A81001",
                 "sender": senders[n % len(senders)], "subject": "an earlier request", "message_row_id": n,
                 "part": None, "parent_case_id": None, "needs_review": n % 50 == 0, "created_at": at[n],
                 "updated_at": at[n], "decided_at": at[n], "decided_by": "mailbot"} for n in numbers])
            conn.execute(insert(CaseReason), [{"case_id": n, "code": "user.already_has_application"}
                                              for n in numbers if n % 50 == 0])
            conn.execute(insert(AuditEvent), [
                {"at": at[n], "actor": "mailbot", "action": "case.decided", "case_id": n, "org_code": "A81001",
                 "detail": {"outcome": "approved"}} for n in numbers])
            conn.execute(insert(OutboxMessage), [
                {"case_id": n, "message_id": f"<OE-{year}-{n:06d}.1@fill>", "purpose": "reply",
                 "recipient": senders[n % len(senders)], "subject": "Re: an earlier request", "body": "Done.",
                 "headers": {}, "user_id": None, "status": "sent", "attempts": 1, "next_attempt_at": at[n],
                 "sent_at": at[n], "created_at": at[n]} for n in numbers])
