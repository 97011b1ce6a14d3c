"""Logging in and out. Every failure gets the same words, so the page never says whether a name exists."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailbot.web.security import (
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
from mailbot.web.state import web_state
from store.db import transaction
from store.staff import check_login, end_session, start_session

FAILED = ("The name or password is not right. After several wrong tries an account is locked for a while: "
          "wait, then try again, or ask a colleague to check your account.")


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

    def attempt() -> str | None:
        with transaction(state.app.sessions) as session:
            member = check_login(session, name, password, now=state.clock(), policy=state.login_policy)
            return start_session(session, member, now=state.clock()) if member else None

    token = await run_in_threadpool(attempt) if name and password else None
    if token is None:
        return _login_form(request, error=FAILED, name=name, status=401)
    response = RedirectResponse(safe_next(str(form.get("next", "/"))), status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token, max_age=state.web.session_absolute_minutes * 60)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, "", max_age=0)
    return response


def _logout(request: Request, staff: Staff, form: object) -> Response:
    state = web_state(request)
    with transaction(state.app.sessions) as session:
        end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    set_cookie(response, request, SESSION_COOKIE, "", max_age=0)
    return response


logout = staff_only(_logout)
