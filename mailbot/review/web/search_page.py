"""Find anything (issue 18): cases by reference, sender address, organisation (ODS code or name) or the name of a
person on record; finished cases (or waiting ones, or all) with the review queue's filters, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mailbot.processing.kinds import KINDS
from mailbot.review.web.queue_page import AGES, PAGE_SIZE
from mailbot.review.web.security import Staff, staff_only
from mailbot.review.web.state import web_state
from rules.reasons import CODES, REASONS
from store.case_search import STATES, CaseFilter, find_cases

STATE_LABELS = {"finished": "Finished (decided or closed)", "waiting": "Waiting for review", "all": "All cases"}


@dataclass(frozen=True)
class SearchQuery:
    """The search form as sent, checked: anything unknown is dropped, not an error."""

    text: str = ""
    state: str = "finished"
    reason: str = ""
    kind: str = ""
    org: str = ""
    age: str = ""
    page: int = 1

    @classmethod
    def from_request(cls, request: Request) -> SearchQuery:
        q = request.query_params
        org = q.get("org", "").strip().upper()[:16]
        try:
            page = max(1, min(int(q.get("page", "1")), 100000))
        except ValueError:
            page = 1
        state = q.get("state", "finished")
        return cls(" ".join(q.get("q", "").split())[:200], state if state in STATES else "finished",
                   q.get("reason", "") if q.get("reason", "") in CODES else "",
                   q.get("kind", "") if q.get("kind", "") in KINDS else "",
                   org if org.isalnum() else "", q.get("age", "") if q.get("age", "") in AGES else "", page)

    def url(self, **changes: object) -> str:
        values = {"q": self.text, "state": self.state, "reason": self.reason, "kind": self.kind, "org": self.org,
                  "age": self.age, "page": self.page, **changes}
        kept = {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}
        return "/search?" + urlencode(kept)


def _search(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    query = SearchQuery.from_request(request)
    now = state.clock()
    f = CaseFilter(text=query.text, state=query.state, reason=query.reason or None, kind=query.kind or None,
                   org_code=query.org or None,
                   older_than=now - timedelta(days=int(query.age)) if query.age else None)
    with state.app.read_sessions() as session:
        found = find_cases(session, f, limit=PAGE_SIZE, offset=(query.page - 1) * PAGE_SIZE)
        return state.templates.TemplateResponse(request, "search.html", {
            "staff": staff, "now": now, "query": query, "found": found, "states": STATE_LABELS,
            "reasons": REASONS, "kinds": list(KINDS), "ages": AGES, "page": query.page,
            "first": (query.page - 1) * PAGE_SIZE + 1})


search_view = staff_only(_search)
