"""Staff accounts on the web: administrators (staff with the role, `mailbot staff grant-admin`) list every account
and unlock (lift log-in pauses), reset (a one-time password shown once), disable and enable other accounts;
everyone may change their own password, and must after a reset. Every change is audited by store/staff_admin.py;
every form carries the session's CSRF token; anyone else gets 403."""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailbot.review.web.case_page import not_found
from mailbot.review.web.login import client_of, paused_words
from mailbot.review.web.security import Staff, staff_only
from mailbot.review.web.state import web_state
from store.db import transaction
from store.login_throttle import claim_attempt, forget_after_success
from store.staff import StaffError, disable_staff, enable_staff
from store.staff_admin import (
    WrongPassword,
    change_own_password,
    reset_password,
    staff_name_by_id,
    staff_overview,
    unlock,
)


def _list_page(request: Request, staff: Staff, *, done: str = "", problem: str = "", one_time: str = "",
               one_time_for: str = "", status: int = 200) -> Response:
    state = web_state(request)
    now = state.clock()
    with state.app.read_sessions() as session:
        rows = staff_overview(session, now=now)
    return state.templates.TemplateResponse(request, "staff.html", {
        "staff": staff, "rows": rows, "done": done, "problem": problem, "one_time": one_time,
        "one_time_for": one_time_for, "now": now}, status_code=status)


def _list(request: Request, staff: Staff, form: FormData | None) -> Response:
    return _list_page(request, staff)


def _act(action: Callable[[Request, Staff, str], tuple[str, str]]) -> Callable[..., Response]:
    """An administrator's action on the account in the path: ACTION returns (what was done, one-time password)."""

    def handler(request: Request, staff: Staff, form: FormData | None) -> Response:
        state = web_state(request)
        with state.app.read_sessions() as session:
            name = staff_name_by_id(session, request.path_params["staff_id"])
        if name is None:
            return not_found(request, staff, "There is no staff account with that number.")
        try:
            done, one_time = action(request, staff, name)
        except StaffError as exc:
            return _list_page(request, staff, problem=f"Nothing was changed: {exc}.", status=400)
        return _list_page(request, staff, done=done, one_time=one_time, one_time_for=name if one_time else "")

    return handler


def _unlock(request: Request, staff: Staff, name: str) -> tuple[str, str]:
    state = web_state(request)
    with transaction(state.app.sessions) as session:
        lifted = unlock(session, name, now=state.clock(), by=staff.name)
    where = f" from {', '.join(lifted)}" if lifted else " (none were paused)"
    return f"Log-in pauses for {name} lifted{where}.", ""


def _reset(request: Request, staff: Staff, name: str) -> tuple[str, str]:
    state = web_state(request)
    with transaction(state.app.sessions) as session:
        one_time = reset_password(session, name, now=state.clock(), by=staff.name)
    return (f"{name} has a new one-time password. Their sessions have ended; it lets them log in only to choose "
            "a new password."), one_time


def _disable(request: Request, staff: Staff, name: str) -> tuple[str, str]:
    if name == staff.name:
        raise StaffError("you cannot disable your own account here; ask another administrator")
    state = web_state(request)
    with transaction(state.app.sessions) as session:
        disable_staff(session, name, now=state.clock(), by=staff.name)
    return f"{name} is disabled and their sessions have ended.", ""


def _enable(request: Request, staff: Staff, name: str) -> tuple[str, str]:
    state = web_state(request)
    with transaction(state.app.sessions) as session:
        enable_staff(session, name, now=state.clock(), by=staff.name)
    return f"{name} can log in again.", ""


def _password_page(request: Request, staff: Staff, *, problem: str = "", status: int = 200) -> Response:
    return web_state(request).templates.TemplateResponse(request, "change_password.html", {
        "staff": staff, "problem": problem}, status_code=status)


def _password(request: Request, staff: Staff, form: FormData | None) -> Response:
    if form is None:
        return _password_page(request, staff)
    current, new, again = (str(form.get(k, "")) for k in ("current", "new", "again"))
    if new != again:
        return _password_page(request, staff, problem="The two new passwords are not the same.", status=400)
    state = web_state(request)
    now, client = state.clock(), client_of(request)
    # The current password is guessed no faster here than on the log-in page: the same counts, the same pauses.
    with transaction(state.app.sessions) as session:
        claim = claim_attempt(session, client=client, name=staff.name, now=now, policy=state.login_policy)
    if claim.paused_until is not None:
        return _password_page(request, staff, status=429, problem=paused_words(claim.paused_until, now,
                                                                               nhs_login=False))
    try:
        with transaction(state.app.sessions) as session:
            change_own_password(session, staff.name, current, new, now=now)
            forget_after_success(session, client=client, name=staff.name)
    except StaffError as exc:
        if not isinstance(exc, WrongPassword):
            with transaction(state.app.sessions) as session:
                forget_after_success(session, client=client, name=staff.name)
        return _password_page(request, staff, problem=f"Your password was not changed: {exc}.", status=400)
    return RedirectResponse("/", status_code=303)


staff_list = staff_only(_list, admin=True)
staff_unlock = staff_only(_act(_unlock), admin=True)
staff_reset = staff_only(_act(_reset), admin=True)
staff_disable = staff_only(_act(_disable), admin=True)
staff_enable = staff_only(_act(_enable), admin=True)
own_password = staff_only(_password, while_changing_password=True)
