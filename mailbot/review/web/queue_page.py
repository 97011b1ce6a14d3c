"""The review queue: cases waiting for a person, filterable by reason, kind, organisation and age, with counts per
reason, paged; the cases waiting for a form's signatory to confirm (SPEC 17); and the replies that may not have
arrived."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mailbot.processing.kinds import KINDS
from mailbot.review.web.security import Staff, staff_only
from mailbot.review.web.state import web_state
from rules.reasons import CODES, REASONS
from store.confirmations import count_waiting_for_signatories, waiting_for_signatories
from store.outbox.listing import PROBLEM_STATUSES, outbox_count, outbox_rows
from store.review import QueueFilter, counts_by_reason, queue, queue_size

PAGE_SIZE = 50
AGES = {"1": "more than a day", "3": "more than 3 days", "7": "more than a week", "30": "more than 30 days"}


@dataclass(frozen=True)
class QueueQuery:
    """The filters as the page's form sent them, checked: anything unknown is dropped, not an error."""

    reason: str = ""
    kind: str = ""
    org: str = ""
    age: str = ""
    page: int = 1

    @classmethod
    def from_request(cls, request: Request) -> QueueQuery:
        q = request.query_params
        reason = q.get("reason", "")
        kind = q.get("kind", "")
        org = q.get("org", "").strip().upper()[:16]
        age = q.get("age", "")
        try:
            page = max(1, min(int(q.get("page", "1")), 100000))
        except ValueError:
            page = 1
        return cls(reason if reason in CODES else "", kind if kind in KINDS else "",
                   org if org.isalnum() else "", age if age in AGES else "", page)

    def url(self, **changes: object) -> str:
        values = {"reason": self.reason, "kind": self.kind, "org": self.org, "age": self.age, "page": self.page,
                  **changes}
        kept = {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}
        return "/?" + urlencode(kept) if kept else "/"


def _queue(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    query = QueueQuery.from_request(request)
    now = state.clock()
    f = QueueFilter(reason=query.reason or None, kind=query.kind or None, org_code=query.org or None,
                    older_than=now - timedelta(days=int(query.age)) if query.age else None)
    with state.app.read_sessions() as session:
        cases = queue(session, f, limit=PAGE_SIZE, offset=(query.page - 1) * PAGE_SIZE)
        total = queue_size(session, f)
        counts = counts_by_reason(session, f)
        problems = outbox_rows(session, PROBLEM_STATUSES, limit=20)
        problem_total = outbox_count(session, PROBLEM_STATUSES)
        waiting = waiting_for_signatories(session, f, limit=PAGE_SIZE)  # SPEC 17: not staff's yet, but seen
        waiting_total = count_waiting_for_signatories(session, f)
    pages = max(1, -(-total // PAGE_SIZE))
    return state.templates.TemplateResponse(request, "queue.html", {
        "staff": staff, "now": now, "query": query, "cases": cases, "total": total, "counts": counts,
        "reasons": REASONS, "kinds": list(KINDS), "ages": AGES, "page": query.page, "pages": pages,
        "problems": problems, "problem_total": problem_total, "page_size": PAGE_SIZE, "waiting": waiting,
        "waiting_total": waiting_total})


queue_view = staff_only(_queue)
