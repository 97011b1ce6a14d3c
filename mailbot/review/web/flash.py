"""Messages shown once after an action ("The case was approved", or why it could not be done), kept with the staff
member's session in the store. Never read from the URL: a link someone sends must not be able to say a case was
approved when it was not."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from mailbot.review.web.security import SESSION_COOKIE
from mailbot.review.web.state import web_state
from store.db import transaction
from store.staff import flash_of, set_flash

MAX_TEXT = 4000


def flash(request: Request, text: str, *, kind: str = "done", reference: str = "") -> None:
    """Keep TEXT for the next page this session shows (KIND "done" or "error"; REFERENCE: the case it is about)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    value = json.dumps({"kind": kind, "text": text[:MAX_TEXT], "reference": reference})
    with transaction(web_state(request).app.sessions) as session:
        set_flash(session, token, value)


def take_flash(request: Request, *, reference: str = "") -> dict[str, Any] | None:
    """The message kept for this session, removed as it is read; only on the page of the case it is about."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    state = web_state(request)
    with state.app.read_sessions() as session:
        raw = flash_of(session, token)
    if not raw:
        return None
    try:
        found = json.loads(raw)
    except ValueError:
        found = None
    if isinstance(found, dict) and found.get("reference", "") not in ("", reference):
        return None  # about another case: kept for that page
    with transaction(state.app.sessions) as session:
        set_flash(session, token, None)
    return found if isinstance(found, dict) else None
