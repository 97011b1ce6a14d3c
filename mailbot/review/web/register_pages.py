"""The register as staff see it: search by ODS code, name or email; an organisation's users, Primary Users and
signatories."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mailbot.review.web.case_page import not_found
from mailbot.review.web.security import Staff, staff_only
from mailbot.review.web.state import web_state
from parsers.vocabulary.roles import ROLE_LABELS, Role
from store.register_search import SearchResults, organisation_with_people, search_register


def role_label(code: str) -> str:
    try:
        return ROLE_LABELS[Role(code)]
    except (ValueError, KeyError):
        return code


def _search(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    text = request.query_params.get("q", "").strip()[:200]
    with state.app.read_sessions() as session:
        results = search_register(session, text) if text else SearchResults([], [], [])
        return state.templates.TemplateResponse(request, "register.html", {
            "staff": staff, "q": text, "results": results, "role_label": role_label})


def _organisation(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    with state.app.read_sessions() as session:
        org = organisation_with_people(session, request.path_params["code"])
        if org is None:
            return not_found(request, staff, "There is no organisation with that ODS code in the register.")
        # Rendered inside the session: the template walks the organisation's users and signatories.
        return state.templates.TemplateResponse(request, "organisation.html", {
            "staff": staff, "org": org, "role_label": role_label,
            "primary_users": [u for u in org.users if u.is_primary and u.status == "active"]})


search = staff_only(_search)
organisation_view = staff_only(_organisation)
