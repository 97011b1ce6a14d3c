"""The web page lets no one in without a staff login, refuses forged form posts, and shows whatever a sender wrote
as text: script and HTML in a subject, body, display name or attachment filename never become markup."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from mailbot.review.web.app import create_app
from mailbot.review.web.security import SESSION_COOKIE
from store.db import transaction
from store.models import AuditEvent, Case, OutboxMessage, StaffSession
from store.staff import add_staff, disable_staff, token_hash
from tests.web.conftest import WebWorld, csrf_of, log_in
from tests.web.seed import STAFF_NAME, STAFF_PASSWORD

PUBLIC = {"/login", "/login/oidc", "/login/oidc/callback"}  # the NHS log-in: see test_oidc_login.py
PARAMS = {"reference": "OE-2026-000101", "index": "0", "message_id": "1", "code": "A81001", "staff_id": "1"}


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PARAMS[m.group(1)], path)


def test_every_route_without_a_session_goes_to_the_login_page(world: WebWorld) -> None:
    checked = 0
    for route in world.client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Mount):
            continue  # static files: the stylesheet and icons, nothing from the store
        assert isinstance(route, Route)
        if route.path in PUBLIC:
            continue
        assert getattr(route.endpoint, "staff_only", False), f"{route.path} is not wrapped in staff_only"
        for method in route.methods or ():
            if method == "HEAD":
                continue
            response = world.client.request(method, concrete(route.path), data={"csrf_token": "x"})
            assert response.status_code == 303, (method, route.path, response.status_code)
            assert response.headers["location"].startswith("/login?next="), route.path
            checked += 1
    # every page and action was tried (the staff accounts pages, resending a confirmation, sending a message through
    # again, reopening a closed case, assigning, releasing, asking, warning, the next case, the search and the
    # mailbox at a glance included)
    assert checked == 34


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(world: WebWorld,
                                                                      staff_client: TestClient) -> None:
    ref = world.seeded.rejectable
    for data in ({"text": "no token"}, {"text": "wrong token", "csrf_token": "forged"}):
        for action in ("close", "note", "reject/confirm"):
            response = staff_client.post(f"/cases/{ref}/{action}", data=data)
            assert response.status_code == 403, action
            assert "out of date" in response.text
    with world.app.sessions() as session:
        case = session.scalar(select(Case).where(Case.reference == ref))
        assert case is not None and case.needs_review and case.outcome == "flagged"
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case.id)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.case_id == case.id)) == 0


def test_the_login_form_needs_its_token_too(world: WebWorld) -> None:
    response = world.client.post("/login", data={"name": STAFF_NAME, "password": STAFF_PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


def test_script_and_html_from_a_message_appear_as_text(world: WebWorld, staff_client: TestClient) -> None:
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;"
    queue = staff_client.get("/").text
    page = staff_client.get(f"/cases/{world.seeded.hostile}").text
    for html in (queue, page):
        assert "<script" not in html.lower()
        assert "<b>bold" not in html
    assert f"Hello {escaped}" in queue  # subject
    assert f"Hello {escaped}" in page
    assert f"Body text {escaped}" in page  # the plain text part, never the HTML part rendered
    headers = page[page.index('class="nhsuk-table mailbot-headers"'):page.index('id="message-text"')]
    from_row = next(row for row in headers.split("<tr") if ">From</th>" in row)
    # display name (a quoted-string in the header, so its inner quotes may go)
    assert "&lt;script&gt;alert(" in from_row and "&lt;b&gt;bold&lt;/b&gt;" in from_row and "mallory@" in from_row
    assert "Download &lt;img src=x onerror=alert(1)&gt;&lt;svg onload=alert(2)&gt;.pdf" in page  # file name
    assert "<img src=x" not in page and "<svg" not in page


def test_an_attachment_is_always_a_download_with_a_harmless_name(world: WebWorld, staff_client: TestClient) -> None:
    response = staff_client.get(f"/cases/{world.seeded.hostile}/attachments/0")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "<" not in disposition and '"' not in disposition.split("=", 1)[1].strip('"')
    assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_forbid_scripts_framing_and_caching(staff_client: TestClient) -> None:
    response = staff_client.get("/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"


def test_session_cookie_is_httponly_strict_and_the_token_is_stored_only_as_a_hash(world: WebWorld) -> None:
    page = world.client.get("/login")
    response = world.client.post("/login", data={"name": STAFF_NAME, "password": STAFF_PASSWORD,
                                                 "csrf_token": csrf_of(page.text), "next": "/"})
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http in "auto" mode
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    with world.app.sessions() as session:
        stored = session.scalars(select(StaffSession.token_hash)).all()
    assert stored == [token_hash(token)] and token not in stored


def test_cookies_are_secure_over_https(world: WebWorld) -> None:
    with TestClient(create_app(world.app, clock=world.clock), base_url="https://testserver",
                    follow_redirects=False) as client:
        page = client.get("/login")
        assert "Secure" in page.headers["set-cookie"]
        response = client.post("/login", data={"name": STAFF_NAME, "password": STAFF_PASSWORD,
                                               "csrf_token": csrf_of(page.text)})
        assert response.status_code == 303
        assert all("Secure" in h for h in response.headers.get_list("set-cookie"))


def test_a_disabled_member_of_staff_cannot_log_in_and_loses_their_session(world: WebWorld) -> None:
    with transaction(world.app.sessions) as session:
        add_staff(session, "Pat Leaver", "another long password", now=world.clock(), by="test")
    client = log_in(world.client, "Pat Leaver", "another long password")
    assert client.get("/").status_code == 200
    with transaction(world.app.sessions) as session:
        disable_staff(session, "Pat Leaver", now=world.clock(), by="test")
    assert client.get("/").status_code == 303  # the live session ended at once
    page = client.get("/login")
    response = client.post("/login", data={"name": "Pat Leaver", "password": "another long password",
                                           "csrf_token": csrf_of(page.text)})
    assert response.status_code == 403  # told, since only the owner of the right password gets this far
    assert "This staff account is disabled" in response.text and SESSION_COOKIE not in response.cookies
    page = client.get("/login")
    response = client.post("/login", data={"name": "Pat Leaver", "password": "a wrong password",
                                           "csrf_token": csrf_of(page.text)})
    assert response.status_code == 401 and "name or password is not right" in response.text


def _try(client: TestClient, password: str) -> int:
    page = client.get("/login")
    return client.post("/login", data={"name": STAFF_NAME, "password": password,
                                       "csrf_token": csrf_of(page.text)}).status_code


def test_repeated_failures_pause_the_address_even_against_the_right_password(world: WebWorld) -> None:
    for _ in range(world.app.config.web.lockout_attempts):
        assert _try(world.client, "wrong password") == 401
    assert _try(world.client, STAFF_PASSWORD) == 429  # paused, the password not even checked
    world.clock.advance(seconds=world.app.config.web.lockout_first_seconds + 1)
    assert _try(world.client, STAFF_PASSWORD) == 303
    with world.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "staff.locked")) == 1


def test_a_few_failures_then_success_reset_the_count(world: WebWorld) -> None:
    for _ in range(world.app.config.web.lockout_attempts - 1):
        assert _try(world.client, "wrong password") == 401
    assert _try(world.client, STAFF_PASSWORD) == 303
    for _ in range(world.app.config.web.lockout_attempts - 1):
        assert _try(world.client, "wrong password") == 401
    assert _try(world.client, STAFF_PASSWORD) == 303


@pytest.mark.parametrize("minutes", ["idle", "absolute"])
def test_sessions_expire_when_idle_and_after_a_fixed_time(world: WebWorld, staff_client: TestClient,
                                                          minutes: str) -> None:
    web = world.app.config.web
    if minutes == "idle":
        for _ in range(3):  # activity keeps it alive well past one idle period
            world.clock.advance(minutes=web.session_idle_minutes - 1)
            assert staff_client.get("/").status_code == 200
        world.clock.advance(minutes=web.session_idle_minutes + 1)
    else:
        step = timedelta(minutes=web.session_idle_minutes - 1)
        for _ in range(web.session_absolute_minutes // (web.session_idle_minutes - 1)):
            world.clock.now += step
            assert staff_client.get("/register").status_code == 200
        world.clock.now += step
    assert staff_client.get("/").status_code == 303


def test_logout_ends_the_session_for_good(world: WebWorld, staff_client: TestClient) -> None:
    token = staff_client.cookies[SESSION_COOKIE]
    csrf = csrf_of(staff_client.get("/").text)
    assert staff_client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    staff_client.cookies.set(SESSION_COOKIE, token)  # a copy of the old cookie is worth nothing
    assert staff_client.get("/").status_code == 303


def test_after_login_only_a_path_on_this_site_is_followed(world: WebWorld) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        page = world.client.get("/login")
        response = world.client.post("/login", data={"name": STAFF_NAME, "password": STAFF_PASSWORD,
                                                      "csrf_token": csrf_of(page.text), "next": target})
        assert response.headers["location"] == "/"


def test_every_form_on_every_page_carries_the_csrf_token(world: WebWorld, staff_client: TestClient) -> None:
    ref = world.seeded.approvable
    csrf = csrf_of(staff_client.get("/").text)
    paths = ("/", f"/cases/{ref}", "/outbox", "/register?q=a", "/register/A81001")
    pages = [staff_client.get(path).text for path in paths]
    pages.append(staff_client.get(f"/cases/{ref}/approve").text)
    pages.append(staff_client.get(f"/cases/{world.seeded.rejectable}/reject", params={"text": "x"}).text)
    posts = [form for html in pages for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", html, re.S)]
    assert len(posts) >= 10
    assert all(f'name="csrf_token" value="{csrf}"' in form for form in posts)
