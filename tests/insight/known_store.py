"""A small store whose insight figures are known exactly (worked out by hand in the comments), for the store,
command line, page and metrics tests of the mailbox at a glance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from store.models import Case
from store.review import set_reasons

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
H, D = timedelta(hours=1), timedelta(days=1)

# (created, kind, outcome, needs_review, decided_by, seconds to the decision, reasons)
CASES = [
    (NOW - H, "primary_user_request", "approved", False, "mailbot", 60, []),
    (datetime(2026, 11, 26, 0, 10, tzinfo=UTC), "primary_user_request", "rejected", False, "mailbot", 120,
     ["form.unsigned"]),  # 25 November in New York: days are UTC days whatever the session's time zone
    (NOW - timedelta(minutes=30), "permission_request", "flagged", True, "mailbot", 0, ["signatory.unverified"]),
    (NOW - D - H, "permission_request", "approved", False, "Sam Reviewer", 7200, ["signatory.unverified"]),
    (NOW - 2 * D, "unclear", "flagged", True, "mailbot", 0, ["request.unclear"]),
    (NOW - 2 * D - H, "primary_user_request", "pending", False, "mailbot", 0, ["signatory.confirmation_requested"]),
    (NOW - 3 * D, "permission_request", "flagged", True, "mailbot", 0, ["signatory.unverified", "org.unknown"]),
    (NOW - 4 * D, "primary_user_request", "approved", False, "mailbot", 10800, []),  # its signatory confirmed
    (NOW - 5 * D, "permission_request", "rejected", False, "Jo Bloggs", 86400, ["user.unknown"]),
    (NOW - 6 * D, "automatic", "ignored", False, "mailbot", 0, []),
    (NOW - 10 * D, "guidance", "answered", False, "mailbot", 0, []),
    (datetime(2026, 10, 28, 0, 0, tzinfo=UTC), "guidance", "answered", False, "mailbot", 0, []),  # first of 30 days
    (datetime(2026, 10, 27, 23, 59, 59, tzinfo=UTC), "guidance", "answered", False, "mailbot", 0, []),  # before
    (NOW - 40 * D, "primary_user_request", "flagged", True, "mailbot", 0, ["org.unknown"]),
]

# What store.insight must say of it at NOW over 30 days.
PER_DAY = [
    ("2026-10-28", "guidance", "answered", 1),
    ("2026-11-16", "guidance", "answered", 1),
    ("2026-11-20", "automatic", "ignored", 1),
    ("2026-11-21", "permission_request", "rejected", 1),
    ("2026-11-22", "primary_user_request", "approved", 1),
    ("2026-11-23", "permission_request", "flagged", 1),
    ("2026-11-24", "primary_user_request", "pending", 1),
    ("2026-11-24", "unclear", "flagged", 1),
    ("2026-11-25", "permission_request", "approved", 1),
    ("2026-11-26", "permission_request", "flagged", 1),
    ("2026-11-26", "primary_user_request", "approved", 1),
    ("2026-11-26", "primary_user_request", "rejected", 1),
]
# Finished in the window: by the mailbot 60, 120, 10800 and three instant ones; by staff 7200 and 86400.
BY_MAILBOT, BY_STAFF, WAITING_FOR_STAFF, WAITING_FOR_SIGNATORY = 6, 2, 3, 1
# All answered, in order: 0 0 0 60 120 7200 10800 86400 (n=8): p50 is rank ceil(4) = 4, p95 rank ceil(7.6) = 8.
ANSWER_ALL = (8, 60.0, 86400.0)
ANSWER_STAFF = (2, 7200.0, 86400.0)  # 7200 86400: p50 rank 1, p95 rank 2
QUEUE = (4, NOW - 40 * D, (("under 1 day", 1), ("1 to 2 days", 0), ("2 to 7 days", 2), ("7 to 30 days", 0),
                           ("30 days or more", 1)))
TOP_REASONS = (("signatory.unverified", 3), ("form.unsigned", 1), ("org.unknown", 1), ("request.unclear", 1),
               ("signatory.confirmation_requested", 1), ("user.unknown", 1))


def seed_insight(session: Session) -> None:
    for number, (created, kind, outcome, waiting, by, seconds, reasons) in enumerate(CASES, start=1):
        case = Case(reference=f"OE-{created.year}-{900000 + number:06d}", kind=kind, outcome=outcome, reasons=[],
                    checks=[], fields={}, changes=[], org_code="A81001", sender=f"sender{number}@nhs.net",
                    subject=f"Case {number}", needs_review=waiting, created_at=created,
                    updated_at=created + timedelta(seconds=seconds), decided_at=created + timedelta(seconds=seconds),
                    decided_by=by)
        session.add(case)
        session.flush()
        set_reasons(session, case, reasons)
