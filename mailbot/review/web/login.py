"""Logging in and out with a password (store/staff_login.py does the work).

A wrong name and a wrong password get the same words, so the page never says whether a name exists. An address
whose log-ins are paused (too many failures from it: store/login_throttle.py) is told so, and until when: that
depends only on what was tried from that address, the same for real and made-up names, so it tells a guesser
nothing about which names exist. "Disabled" is said only after the right password, to its owner.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailbot.review.web.security import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Staff,
    forbidden,
    new_login_csrf,
    safe_next,
    set_cookie,
    staff_only,
    tokens_match,
)
from mailbot.review.web.state import web_state
from store.db import transaction
from store.login_throttle import client_key
from store.staff import end_session
from store.staff_login import password_log_in

FAILED = ("The name or password is not right. After several wrong tries from one place, log-ins from there "
          "pause for a while.")
DISABLED = "This staff account is disabled. Ask a staff administrator if you need it again."


def paused_words(until: datetime, now: datetime, *, nhs_login: bool) -> str:
    """The paused message: plain words, the time it ends (UTC, to the second) and roughly how long that is."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    minutes = math.ceil(seconds / 60)
    if seconds < 60:
        wait = f"{seconds} second" + ("s" if seconds > 1 else "")
    else:
        wait = "a minute" if seconds == 60 else f"about {minutes} minutes"
    other = " log in with your NHS account," if nhs_login else ""
    return (f"Log-ins from your network address are paused until {until.astimezone(UTC):%H:%M:%S} UTC on "
            f"{until.astimezone(UTC):%-d %b %Y} (in {wait}), because too many of them failed in a row. "
            f"Your password was not checked. Try again after that time,{other} or ask a staff administrator "
            "to lift the pause. Log-ins from other places are not affected.")


def client_of(request: Request) -> str:
    """What this request's failures count against: its address (mailbot/review/web/client_address.py decides it)."""
    return client_key(request.client.host if request.client is not None else "unknown")


def _login_form(request: Request, *, error: str = "", name: str = "", status: int = 200) -> Response:
    token = new_login_csrf()
    response = web_state(request).templates.TemplateResponse(
        request, "login.html", {"error": error, "name": name, "csrf_token": token, "staff": None,
                                "next": safe_next(request.query_params.get("next"))}, status_code=status)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


async def login_page(request: Request) -> Response:
    return _login_form(request)


async def login_submit(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    if not tokens_match(str(form.get(CSRF_FIELD, "")), request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return forbidden(request, "The log-in page was out of date. Reload it and try again.")
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    state = web_state(request)

    if not name or not password:
        return _login_form(request, error=FAILED, name=name, status=401)
    now = state.clock()
    result = await run_in_threadpool(password_log_in, state.app.sessions, client=client_of(request), name=name,
                                     password=password, now=now, policy=state.login_policy)
    if result.paused_until is not None:
        response = _login_form(request, name=name, status=429, error=paused_words(
            result.paused_until, now, nhs_login=state.app.config.oidc.enabled))
        response.headers["retry-after"] = str(max(1, math.ceil((result.paused_until - now).total_seconds())))
        return response
    if result.disabled:
        return _login_form(request, error=DISABLED, name=name, status=403)
    if result.token is None:
        return _login_form(request, error=FAILED, name=name, status=401)
    target = "/account/password" if result.must_change_password else safe_next(str(form.get("next", "/")))
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, result.token, max_age=state.web.session_absolute_minutes * 60)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, "", max_age=0)
    return response


def _logout(request: Request, staff: Staff, form: object) -> Response:
    state = web_state(request)
    with transaction(state.app.sessions) as session:
        end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    set_cookie(response, request, SESSION_COOKIE, "", max_age=0)
    return response


logout = staff_only(_logout, while_changing_password=True)
