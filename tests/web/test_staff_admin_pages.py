"""Staff administrators on the web, on SQLite and PostgreSQL: they unlock (lift log-in pauses), reset (a one-time
password shown once, stored as argon2, that only lets its owner choose a new one) and disable and enable other
accounts, each audited with who and when; anyone else gets 403, and every form needs the session's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from mailbot.review.web.app import create_app
from store import staff as staff_store
from store.db import transaction
from store.models import AuditEvent, StaffMember, StaffSession
from store.staff import add_staff
from tests.web.conftest import WebWorld, csrf_of, log_in, make_world
from tests.web.seed import STAFF_NAME, STAFF_PASSWORD

ADMIN, ADMIN_PASSWORD = "Alex Admin", "administrator's long password"
ACTIONS = ("unlock", "reset", "disable", "enable")


@pytest.fixture
def world(store_url: str) -> Iterator[WebWorld]:
    for world in make_world(store_url):
        with transaction(world.app.sessions) as session:
            add_staff(session, ADMIN, ADMIN_PASSWORD, now=world.clock(), by="test", admin=True)
        yield world


def client_from(world: WebWorld, address: str) -> TestClient:
    return TestClient(create_app(world.app, clock=world.clock), base_url="http://testserver",
                      follow_redirects=False, client=(address, 40000))


def member_id(world: WebWorld, name: str = STAFF_NAME) -> int:
    with world.app.sessions() as session:
        return int(session.scalar(select(StaffMember.id).where(StaffMember.name == name)))


def audit_of(world: WebWorld, action: str) -> list[AuditEvent]:
    with world.app.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def try_login(client: TestClient, name: str, password: str) -> int:
    page = client.get("/login")
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": csrf_of(page.text)}).status_code


def test_a_member_who_is_not_an_administrator_is_refused_every_staff_accounts_page(world: WebWorld) -> None:
    client = log_in(world.client)
    csrf = csrf_of(client.get("/").text)
    assert "Staff accounts" not in client.get("/").text
    assert client.get("/staff").status_code == 403
    target = member_id(world, ADMIN)
    for action in ACTIONS:
        response = client.post(f"/staff/{target}/{action}", data={"csrf_token": csrf})
        assert response.status_code == 403, action
        assert "Only staff administrators may do this" in response.text
    with world.app.sessions() as session:
        admin = session.scalars(select(StaffMember).where(StaffMember.name == ADMIN)).one()
        assert not admin.disabled and not admin.must_change_password
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action.in_(["staff.unlocked", "staff.password_reset",
                                                            "staff.disabled", "staff.enabled"]))) == 0


def test_staff_account_actions_need_the_sessions_csrf_token(world: WebWorld) -> None:
    admin = log_in(world.client, ADMIN, ADMIN_PASSWORD)
    for action in ACTIONS:
        for data in ({}, {"csrf_token": "forged"}):
            assert admin.post(f"/staff/{member_id(world)}/{action}", data=data).status_code == 403
    assert audit_of(world, "staff.disabled") == [] and audit_of(world, "staff.password_reset") == []


def test_an_administrator_lifts_a_members_pause_and_it_is_audited(world: WebWorld) -> None:
    member = client_from(world, "203.0.113.9")
    for _ in range(world.app.config.web.lockout_attempts):
        assert try_login(member, STAFF_NAME, "mistyped password") == 401
    assert try_login(member, STAFF_NAME, STAFF_PASSWORD) == 429
    admin = log_in(client_from(world, "192.0.2.1"), ADMIN, ADMIN_PASSWORD)
    page = admin.get("/staff")
    assert page.status_code == 200
    assert re.search(r"Log-ins paused from 203\.0\.113\.9 until \d+ \w+ \d{4} \d\d:\d\d UTC", page.text)
    world.clock.advance(seconds=5)
    done = admin.post(f"/staff/{member_id(world)}/unlock", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 200 and f"Log-in pauses for {STAFF_NAME} lifted from 203.0.113.9" in done.text
    assert "Log-ins paused from" not in done.text
    assert try_login(member, STAFF_NAME, STAFF_PASSWORD) == 303
    [event] = audit_of(world, "staff.unlocked")
    assert (event.actor, event.at, event.detail) == (ADMIN, world.clock.now,
                                                     {"staff": STAFF_NAME, "lifted": ["203.0.113.9"]})


def test_a_reset_shows_a_one_time_password_once_stores_only_its_hash_and_forces_a_new_one(world: WebWorld) -> None:
    member = log_in(client_from(world, "203.0.113.9"))
    admin = log_in(client_from(world, "192.0.2.1"), ADMIN, ADMIN_PASSWORD)
    page = admin.post(f"/staff/{member_id(world)}/reset", data={"csrf_token": csrf_of(admin.get("/staff").text)})
    found = re.search(r'<code class="mailbot-one-time">([^<]+)</code>', page.text)
    assert page.status_code == 200 and found
    one_time = found.group(1)
    assert len(one_time) >= 16 and page.headers["cache-control"] == "no-store"
    assert one_time not in admin.get("/staff").text  # shown once
    with world.app.sessions() as session:
        stored = session.scalars(select(StaffMember).where(StaffMember.name == STAFF_NAME)).one()
        assert stored.password_hash.startswith("$argon2id$") and one_time not in stored.password_hash
        assert stored.must_change_password
        assert session.scalar(select(func.count()).select_from(StaffSession)
                              .where(StaffSession.staff_id == stored.id)) == 0
    [event] = audit_of(world, "staff.password_reset")
    assert event.actor == ADMIN and event.detail["staff"] == STAFF_NAME and one_time not in str(event.detail)
    assert member.get("/").status_code == 303  # their session ended
    assert try_login(member, STAFF_NAME, STAFF_PASSWORD) == 401  # the old password is gone
    member.get("/login")
    response = member.post("/login", data={"name": STAFF_NAME, "password": one_time,
                                           "csrf_token": csrf_of(member.get("/login").text)})
    assert response.headers["location"] == "/account/password"
    for path in ("/", "/outbox", f"/cases/{world.seeded.approvable}"):
        assert member.get(path).headers["location"] == "/account/password"  # nothing else until it is changed
    form = member.get("/account/password")
    assert "Your password was reset by a staff administrator" in form.text
    refused = member.post("/account/password", data={"csrf_token": csrf_of(form.text), "current": one_time,
                                                     "new": one_time, "again": one_time})
    assert refused.status_code == 400 and "must differ" in refused.text
    changed = member.post("/account/password", data={"csrf_token": csrf_of(form.text), "current": one_time,
                                                     "new": "my own new long password",
                                                     "again": "my own new long password"})
    assert changed.status_code == 303 and member.get("/").status_code == 200
    assert try_login(client_from(world, "203.0.113.10"), STAFF_NAME, "my own new long password") == 303
    assert [e.actor for e in audit_of(world, "staff.password_changed")] == [STAFF_NAME]


def test_disable_and_enable_on_the_web_end_sessions_and_are_audited(world: WebWorld) -> None:
    member = log_in(client_from(world, "203.0.113.9"))
    admin = log_in(client_from(world, "192.0.2.1"), ADMIN, ADMIN_PASSWORD)
    csrf = csrf_of(admin.get("/staff").text)
    done = admin.post(f"/staff/{member_id(world)}/disable", data={"csrf_token": csrf})
    assert done.status_code == 200 and f"{STAFF_NAME} is disabled" in done.text
    assert member.get("/").status_code == 303
    assert try_login(member, STAFF_NAME, STAFF_PASSWORD) == 403
    world.clock.advance(minutes=3)
    assert admin.post(f"/staff/{member_id(world)}/enable", data={"csrf_token": csrf}).status_code == 200
    assert try_login(member, STAFF_NAME, STAFF_PASSWORD) == 303
    [disabled], [enabled] = audit_of(world, "staff.disabled"), audit_of(world, "staff.enabled")
    assert (disabled.actor, disabled.detail["staff"]) == (ADMIN, STAFF_NAME)
    assert (enabled.actor, enabled.detail["staff"], enabled.at) == (ADMIN, STAFF_NAME, world.clock.now)
    refused = admin.post(f"/staff/{member_id(world, ADMIN)}/disable", data={"csrf_token": csrf})
    assert refused.status_code == 400 and "cannot disable your own account" in refused.text


def test_guessing_the_current_password_on_the_password_page_is_paused_like_a_log_in(world: WebWorld) -> None:
    member = log_in(client_from(world, "203.0.113.9"))
    form = member.get("/account/password")
    before = staff_store.VERIFICATIONS
    statuses = [member.post("/account/password", data={
        "csrf_token": csrf_of(form.text), "current": f"guess {i}", "new": "a new long password here",
        "again": "a new long password here"}).status_code for i in range(8)]
    assert statuses == [400] * 5 + [429] * 3
    assert staff_store.VERIFICATIONS - before == 5
    assert "paused until" in member.post("/account/password", data={
        "csrf_token": csrf_of(form.text), "current": STAFF_PASSWORD, "new": "a new long password here",
        "again": "a new long password here"}).text
    world.clock.advance(seconds=31)
    assert member.post("/account/password", data={
        "csrf_token": csrf_of(form.text), "current": STAFF_PASSWORD, "new": "a new long password here",
        "again": "a new long password here"}).status_code == 303
