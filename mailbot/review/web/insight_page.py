"""The mailbox at a glance (`/insight`): the figures of store.insight, drawn on the server (insight_charts)."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mailbot.review.web.insight_charts import duration_words, insight_view
from mailbot.review.web.security import Staff, staff_only
from mailbot.review.web.state import web_state
from store.insight import insight

DAY_CHOICES = (7, 14, 30, 60, 90)
DEFAULT_DAYS = 30


def _days(request: Request) -> int:
    try:
        days = int(request.query_params.get("days", DEFAULT_DAYS))
    except ValueError:
        return DEFAULT_DAYS
    return days if days in DAY_CHOICES else DEFAULT_DAYS


def _insight(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    with state.app.read_sessions() as session:
        found = insight(session, now=state.clock(), days=_days(request))
    return state.templates.TemplateResponse(request, "insight.html", {
        "staff": staff, "view": insight_view(found), "day_choices": DAY_CHOICES, "duration": duration_words})


insight_view_page = staff_only(_insight)
