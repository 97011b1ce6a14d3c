"""The outbox: every mail the mailbot has written, newest first, and one mail's headers and text."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mailbot.review.web.case_page import not_found
from mailbot.review.web.security import Staff, staff_only
from mailbot.review.web.state import web_state
from store.outbox.listing import STATUSES, outbox_count, outbox_message, outbox_rows

PAGE_SIZE = 50


def _outbox(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    status = request.query_params.get("status", "")
    statuses = (status,) if status in STATUSES else ()
    try:
        page = max(1, min(int(request.query_params.get("page", "1")), 100000))
    except ValueError:
        page = 1
    with state.app.read_sessions() as session:
        rows = outbox_rows(session, statuses, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        total = outbox_count(session, statuses)
    return state.templates.TemplateResponse(request, "outbox.html", {
        "staff": staff, "rows": rows, "total": total, "status": statuses[0] if statuses else "",
        "statuses": STATUSES, "page": page, "pages": max(1, -(-total // PAGE_SIZE))})


def _outbox_message(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    with state.app.read_sessions() as session:
        found = outbox_message(session, request.path_params["message_id"])
    if found is None:
        return not_found(request, staff, "There is no such mail in the outbox.")
    return state.templates.TemplateResponse(request, "outbox_message.html", {
        "staff": staff, "mail": found[0], "reference": found[1]})


outbox_view = staff_only(_outbox)
outbox_message_view = staff_only(_outbox_message)
