"""Working the queue from a case page (issue 18): assign to me / release, "next case", ask the sender for more
information, warn the signatories or Primary Users on record. Each is audited with who and when."""

from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailbot.review.actions import ReviewError, load_case
from mailbot.review.requests import ask_for_information, warn_people_on_record
from mailbot.review.web.case_actions import _with_error
from mailbot.review.web.context_panel import DONE
from mailbot.review.web.flash import flash
from mailbot.review.web.security import Staff, staff_only
from mailbot.review.web.state import web_state
from store.assignments import assign_case, next_waiting_case, release_case
from store.db import transaction


def _back(request: Request, reference: str, what: str, anchor: str = "work") -> RedirectResponse:
    """After the action: its message kept in the session (never in the URL), and back to the case."""
    flash(request, DONE[what], reference=reference.strip().upper())
    return RedirectResponse(f"/cases/{quote(reference.strip().upper())}#{anchor}", status_code=303)


def _assign(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with transaction(state.app.sessions) as session:
            case = load_case(session, reference, for_update=True)
            if not case.needs_review:
                raise ReviewError("Only a case waiting for review can be assigned.")
            assign_case(session, case, to=staff.name, now=state.clock())
    except ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return _back(request, reference, "assigned")


def _release(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with transaction(state.app.sessions) as session:
            case = load_case(session, reference, for_update=True)
            if case.assigned_to is None:
                raise ReviewError("Nobody is working on this case, so there is nothing to release.")
            release_case(session, case, by=staff.name, now=state.clock())
    except ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return _back(request, reference, "released")


def _ask(request: Request, staff: Staff, form: FormData | None) -> Response:
    assert form is not None
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with transaction(state.app.sessions) as session:
            ask_for_information(session, reference, str(form.get("question", "")), by=staff.name,
                                now=state.clock(), settings=state.settings)
    except ReviewError as exc:
        return _with_error(request, staff, str(exc), status=400)
    return _back(request, reference, "asked", "requests")


def _warn(request: Request, staff: Staff, form: FormData | None) -> Response:
    assert form is not None
    state = web_state(request)
    reference = request.path_params["reference"]
    addresses = [str(v) for v in form.getlist("to")]
    try:
        with transaction(state.app.sessions) as session:
            warn_people_on_record(session, reference, addresses, by=staff.name, now=state.clock(),
                                  settings=state.settings)
    except ReviewError as exc:
        return _with_error(request, staff, str(exc), status=400)
    return _back(request, reference, "warned", "requests")


def _next(request: Request, staff: Staff, form: FormData | None) -> Response:
    """The oldest waiting case nobody has taken (after the one just done), else the queue."""
    state = web_state(request)
    with state.app.read_sessions() as session:
        found = next_waiting_case(session, after=request.query_params.get("after", "")[:20])
        reference = found.reference if found is not None else None
    return RedirectResponse(f"/cases/{quote(reference)}" if reference else "/", status_code=303)


assign = staff_only(_assign)
release = staff_only(_release)
ask = staff_only(_ask)
warn = staff_only(_warn)
next_case = staff_only(_next)
