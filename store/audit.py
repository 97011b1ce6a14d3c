"""The audit trail: every change to the register and every decision, appended, never edited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from store import audit_chain  # noqa: F401 - registers the hook that chains every event as it is inserted
from store.models import AuditEvent
from store.models.base import add_made, made


def record(session: Session, *, at: datetime, actor: str, action: str, case_id: int | None = None,
           org_code: str | None = None, **detail: Any) -> AuditEvent:
    """Append one event; it is written with the rest of the transaction or not at all, and takes its place in
    the hash chain (store/audit_chain.py) when it is flushed."""
    event = made(AuditEvent, at=at, actor=actor, action=action, case_id=case_id, org_code=org_code, detail=detail)
    add_made(session, event)
    return event
