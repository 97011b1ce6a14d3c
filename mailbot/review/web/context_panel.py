"""The context panel of a case page (issue 18): the organisation's people on record with their phone numbers,
the sender's and the organisation's other cases, cases with the same attachment or text, linked cases; and what
staff can do while working the case (assignment, age, asking for information, warning people on record)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from mailbot.app import App
from mailbot.review.requests import can_ask, people_on_record
from mailbot.review.working_hours import working_hours_between
from parsers.digests import message_digests
from parsers.message import parse_message
from store.assignments import next_waiting_case
from store.case_context import case_context
from store.cases import case_by_reference
from store.db import transaction
from store.message_digests import has_digests, record_digests
from store.models import Case

# What the case page says after one of these actions (the case page reads DONE for its own actions).
DONE = {
    "assigned": "The case is assigned to you.",
    "released": "The case is released: anyone may take it.",
    "asked": "Your question went to the sender. The case keeps waiting; their answer will be attached to it.",
    "warned": "The warning went to the people you chose, at their addresses on record.",
}


def ensure_digests(app: App, reference: str) -> None:
    """Fingerprint the case's message if it was stored before fingerprints were kept (safe to repeat). Looked at
    in a read session first, so opening a case takes no write lock once its message has them."""
    with app.read_sessions() as session:
        case = case_by_reference(session, reference)
        if case is None or case.message_row_id is None or has_digests(session, case.message_row_id):
            return
    with transaction(app.sessions) as session:
        case = case_by_reference(session, reference)
        if case is None or case.message is None or has_digests(session, case.message.id):
            return
        parsed = parse_message(case.message.raw)
        record_digests(session, case.message.id, message_digests(parsed))


def waiting_hours(case: Case, now: datetime) -> float:
    return working_hours_between(case.created_at, now)


def panel(session: Session, case: Case, *, now: datetime, warn_after_hours: int) -> dict[str, Any]:
    """What the case page's context panel and work section show, read inside the page's session."""
    hours = waiting_hours(case, now)
    nxt = next_waiting_case(session, after=case.reference)
    return {
        "context": case_context(session, case),
        "working_hours": hours,
        "overdue": case.needs_review and hours >= warn_after_hours,
        "warn_after_hours": warn_after_hours,
        "ask_refused": can_ask(case),
        "on_record": people_on_record(session, case),
        "next_case": nxt.reference if nxt is not None else None,
    }
