"""Logging in with an NHS account (OpenID Connect: NHSmail's Entra ID or NHS CIS2), beside the local passwords.

GET /login/oidc sends the browser to the provider with a fresh state, nonce and PKCE challenge, remembered in the
store (store/oidc_logins.py) and bound to this browser by a random cookie. SameSite=Lax, because the provider
brings the browser back with a cross-site top-level GET; path-limited to /login/oidc, HttpOnly, ten minutes.

GET /login/oidc/callback takes that log-in (single use), exchanges the code, validates the ID token
(mailbot/review/web/oidc_client.py), reads who the person is (mailbot/review/web/oidc_claims.py) and logs them in as
the staff account linked to that NHS identity (store/staff_nhs.py): the same session, cookie, CSRF token and expiry as a
password log-in. Every log-in and every refusal of a person who came back from the provider is audited; junk
callbacks (no state, or one this site never issued) are only logged, so nobody can fill the append-only audit
trail. No token, code, state or nonce is ever written to the audit trail or the log.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailbot.review.web.login import _login_form
from mailbot.review.web.oidc_claims import LoginRefused, NhsIdentity, identity_from_claims
from mailbot.review.web.oidc_client import OidcClient
from mailbot.review.web.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, safe_next, secure_cookies, set_cookie
from mailbot.review.web.state import WebState, web_state
from store import audit
from store.db import transaction
from store.oidc_logins import PendingLogin, begin_login, take_login
from store.staff import start_session
from store.staff_nhs import match_nhs_identity

log = logging.getLogger(__name__)
START_PATH = "/login/oidc"
CALLBACK_PATH = "/login/oidc/callback"
BROWSER_COOKIE = "mailbot_oidc_browser"
LOGIN_TTL = timedelta(minutes=10)
AUDITED_STATE_PROBLEMS = ("replayed", "expired", "other_browser")  # a state this site really issued


def oidc_client(request: Request) -> OidcClient | None:
    client: OidcClient | None = getattr(request.app.state, "oidc", None)
    return client


def _not_offered(request: Request) -> Response:
    return web_state(request).templates.TemplateResponse(
        request, "problem.html", {"title": "Page not found", "why": "NHS log-in is not turned on here.",
                                  "staff": None}, status_code=404)


def _refused(request: Request, client: OidcClient, refused: LoginRefused) -> Response:
    status = 503 if refused.code == "provider_down" else 400 if refused.code in ("state", "token") else 403
    response = _login_form(request, error=refused.words(client.allowed_domains), status=status)
    response.delete_cookie(BROWSER_COOKIE, path=START_PATH)
    return response


def _browser_binding(request: Request) -> str:
    """This browser's binding value: the one it already has (so two log-ins in two tabs both work), or a new one."""
    current = request.cookies.get(BROWSER_COOKIE, "")
    return current if 40 <= len(current) <= 100 and current.isascii() else secrets.token_urlsafe(32)


def _redirect_uri(request: Request, client: OidcClient) -> str:
    return client.settings.redirect_url or str(request.base_url).rstrip("/") + CALLBACK_PATH


async def oidc_start(request: Request) -> Response:
    client = oidc_client(request)
    if client is None:
        return _not_offered(request)
    state = web_state(request)
    redirect_uri = _redirect_uri(request, client)
    try:
        found = await client.authorization(redirect_uri)
    except LoginRefused as refused:
        log.warning("NHS log-in could not start: %s", refused.detail)
        return _refused(request, client, refused)
    browser = _browser_binding(request)
    pending = PendingLogin(nonce=found["nonce"], code_verifier=found["code_verifier"], redirect_uri=redirect_uri,
                           next_path=safe_next(request.query_params.get("next")))

    def remember() -> None:
        with transaction(state.app.sessions) as session:
            begin_login(session, state=found["state"], browser=browser, login=pending, now=state.clock(),
                        ttl=LOGIN_TTL)

    await run_in_threadpool(remember)
    response = RedirectResponse(found["url"], status_code=303)
    response.set_cookie(BROWSER_COOKIE, browser, max_age=int(LOGIN_TTL.total_seconds()), path=START_PATH,
                        httponly=True, samesite="lax", secure=secure_cookies(request))
    return response


def _audit_refusal(state: WebState, refused: LoginRefused, *, now: datetime, staff: str | None = None) -> None:
    with transaction(state.app.sessions) as session:
        audit.record(session, at=now, actor="mailbot", action="staff.nhs_login_refused", staff=staff,
                     reason=refused.code, detail=refused.detail, email=refused.email or None,
                     issuer=state.app.config.oidc.issuer)


def _log_in(state: WebState, identity: NhsIdentity, now: datetime) -> tuple[str, str]:
    """A new session for the staff account linked to IDENTITY: (token, staff name); LoginRefused if none may."""
    with transaction(state.app.sessions) as session:
        match = match_nhs_identity(session, issuer=identity.issuer, subject=identity.subject, email=identity.email)
        if match.member is None or match.refused:
            raise LoginRefused(match.refused, f"NHS identity {identity.email} ({match.refused})",
                               email=identity.email, staff=match.member.name if match.member is not None else None)
        member = match.member
        member.last_login_at = now
        audit.record(session, at=now, actor=member.name, action="staff.login", staff=member.name, via="nhs",
                     email=identity.email, issuer=identity.issuer, first_nhs_login=match.first_login)
        return start_session(session, member, now=now), member.name


async def _identity(request: Request, client: OidcClient, pending: PendingLogin, now: datetime) -> NhsIdentity:
    params = request.query_params
    if params.get("error"):
        raise LoginRefused("provider_error", f"the provider answered error={params['error'][:100]!r}")
    if params.get("iss") and params["iss"].rstrip("/") != client.issuer:  # RFC 9207: mix-up of two providers
        raise LoginRefused("token", f"the response names issuer {params['iss'][:200]!r}")
    code = params.get("code", "")
    if not code:
        raise LoginRefused("token", "the provider sent no code")
    token = await client.exchange(code=code, code_verifier=pending.code_verifier, redirect_uri=pending.redirect_uri)
    claims = await client.claims(token, nonce=pending.nonce, now=now)
    return identity_from_claims(claims, issuer=client.issuer, email_claim=client.settings.email_claim,
                                allowed_domains=client.allowed_domains)


async def oidc_callback(request: Request) -> Response:
    client = oidc_client(request)
    if client is None:
        return _not_offered(request)
    state = web_state(request)
    now = state.clock()

    def take() -> tuple[PendingLogin | None, str]:
        with transaction(state.app.sessions) as session:
            return take_login(session, state=request.query_params.get("state", ""),
                              browser=request.cookies.get(BROWSER_COOKIE, ""), now=now)

    pending, problem = await run_in_threadpool(take)
    try:
        if pending is None:
            raise LoginRefused("state", f"state {problem}")
        identity = await _identity(request, client, pending, now)
        token, name = await run_in_threadpool(_log_in, state, identity, now)
    except LoginRefused as refused:
        log.warning("NHS log-in refused: %s (%s)", refused.code, refused.detail)
        if pending is not None or problem in AUDITED_STATE_PROBLEMS:
            await run_in_threadpool(_audit_refusal, state, refused, now=now, staff=refused.staff)
        return _refused(request, client, refused)
    log.info("NHS log-in: %s as %s", identity.email, name)
    # A page that moves on by itself rather than a redirect: the browser came here from the provider's site, and
    # the SameSite=Strict session cookie is only sent on a request this site starts.
    response = state.templates.TemplateResponse(request, "logged_in.html",
                                                {"staff": None, "name": name, "next": pending.next_path})
    set_cookie(response, request, SESSION_COOKIE, token, max_age=state.web.session_absolute_minutes * 60)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, "", max_age=0)
    response.delete_cookie(BROWSER_COOKIE, path=START_PATH)
    return response
