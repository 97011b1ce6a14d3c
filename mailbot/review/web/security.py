"""Staff sessions, CSRF tokens and response headers: every page but the login page needs a live session, and
every form post must carry the session's CSRF token.

The session cookie is HttpOnly and SameSite=Strict, and Secure when the request came over HTTPS (or always/never
as [web] secure_cookies says). The CSRF token is a random value kept with the session in the store; the login form,
which has no session yet, uses a double-submit cookie instead.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailbot.review.web.state import web_state
from store.db import transaction
from store.staff import end_session, session_state, touch_session

SESSION_COOKIE = "mailbot_session"
LOGIN_CSRF_COOKIE = "mailbot_login_csrf"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Staff:
    """The member of staff making this request."""

    name: str
    csrf_token: str
    is_admin: bool = False
    must_change_password: bool = False  # after a reset: every page but the password page sends them there


Handler = Callable[[Request, Staff, FormData | None], Response]


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def safe_next(value: str | None) -> str:
    """Only a path on this site: never a redirect somewhere else (//host, scheme:, backslashes)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value or "\r" in value \
            or "\n" in value:
        return "/"
    return value


def _current_staff(request: Request) -> Staff | None:
    """The staff member of the request's session cookie. Reads only, so a page never waits for the store's write
    lock, except to end an expired session or note activity (at most once a minute)."""
    state = web_state(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    now = state.clock()
    with state.app.read_sessions() as session:
        row, verdict = session_state(session, token, now=now, policy=state.session_policy)
        staff = Staff(row.staff.name, row.csrf_token, row.staff.is_admin, row.staff.must_change_password) \
            if row is not None and verdict != "expired" else None
    if verdict in ("expired", "touch"):
        with transaction(state.app.sessions) as session:
            if verdict == "expired":
                end_session(session, token)
            else:
                touch_session(session, token, now=now)
    return staff


def tokens_match(given: str | None, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(str(given).encode(), expected.encode())


def forbidden(request: Request, why: str) -> Response:
    templates = web_state(request).templates
    return templates.TemplateResponse(request, "problem.html", {"title": "This form has expired", "why": why,
                                                                "staff": None}, status_code=403)


def not_allowed(request: Request, staff: Staff) -> Response:
    templates = web_state(request).templates
    return templates.TemplateResponse(request, "problem.html", {
        "title": "Only staff administrators may do this",
        "why": "This page is for staff administrators. Ask one if a colleague's account needs unlocking, a new "
               "password, or disabling.", "staff": staff}, status_code=403)


def staff_only(handler: Handler, *, admin: bool = False,
               while_changing_password: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a page: no live session means the login page; a POST without the session's CSRF token is refused.
    ADMIN pages refuse (403) staff who are not administrators. Someone who must change their password (after a
    reset) is sent to do that first, except on pages WHILE_CHANGING_PASSWORD (that page, and logging out)."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        staff = await run_in_threadpool(_current_staff, request)
        if staff is None:
            return login_redirect(request)
        if staff.must_change_password and not while_changing_password:
            return RedirectResponse("/account/password", status_code=303)
        if admin and not staff.is_admin:
            return not_allowed(request, staff)
        form = None
        if request.method == "POST":
            form = await request.form(max_files=0, max_fields=200, max_part_size=256 * 1024)
            if not tokens_match(form.get(CSRF_FIELD), staff.csrf_token):  # type: ignore[arg-type]
                return forbidden(request, "The page you sent this from was out of date. Go back, reload the "
                                          "page and try again.")
        return await run_in_threadpool(handler, request, staff, form)

    endpoint.staff_only = True  # type: ignore[attr-defined]  # the security tests read it
    return endpoint


def secure_cookies(request: Request) -> bool:
    mode = web_state(request).web.secure_cookies
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="strict",
                        secure=secure_cookies(request))


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


SECURITY_HEADERS = {
    # No script runs on these pages, and nothing is loaded from anywhere else.
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response, and `Cache-Control: no-store` to everything but static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(("/static/", "/nhsuk/", "/assets/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
