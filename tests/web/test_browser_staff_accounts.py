"""Log-in pauses and staff administration in a real browser (Debian's chromium driven by Playwright) against
`mailbot web` running as its own process behind a trusted proxy ([web] trusted_proxies = 127.0.0.1; each browser
context says where it is with X-Forwarded-For, as a TLS proxy in front would): a member who mistypes is told until
when log-ins from their address are paused; an administrator elsewhere sees the pause, lifts it, resets the
member's password to a one-time one, and the member must choose a new one; disabling ends their session."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from store.staff import add_staff
from tests.support.web_server import SCREENSHOTS, chromium, new_page, seeded_store, serving
from tests.web.seed import NOW, STAFF_NAME, STAFF_PASSWORD, seed

ADMIN, ADMIN_PASSWORD = "Alex Admin", "administrator's long password"
MEMBER, MEMBER_PASSWORD = "Nia Member", "a member's long password"
MEMBER_ADDRESS, ADMIN_ADDRESS = "198.51.100.20", "198.51.100.30"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("web-staff")

    def staff(session: Session) -> None:
        add_staff(session, ADMIN, ADMIN_PASSWORD, now=NOW, by="test", admin=True)
        add_staff(session, MEMBER, MEMBER_PASSWORD, now=NOW, by="test")

    store_url = seeded_store(folder, sqlite_template, seed, staff)
    with serving(folder, store_url, 'trusted_proxies = ["127.0.0.1"]\n') as url:
        yield url


@pytest.fixture
def browser(server: str) -> Iterator[object]:
    with chromium() as found:
        yield found


def open_page(browser: object, server: str, address: str) -> object:
    """A page whose requests say (through the trusted proxy's header) that they come from ADDRESS."""
    return new_page(browser, server, extra_http_headers={"X-Forwarded-For": address})  # type: ignore[arg-type]


def submit_login(page: object, name: str, password: str) -> None:
    page.goto("/login")  # type: ignore[attr-defined]
    page.get_by_label("Your staff name").fill(name)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Log in").click()  # type: ignore[attr-defined]


def test_a_paused_member_is_told_until_when_and_an_administrator_unlocks_resets_and_disables(
        browser: object, server: str) -> None:
    from playwright.sync_api import expect

    member = open_page(browser, server, MEMBER_ADDRESS)
    for _ in range(5):
        submit_login(member, STAFF_NAME, "a mistyped password")
        expect(member.get_by_role("alert")).to_contain_text("The name or password is not right")  # type: ignore
    started = datetime.now(UTC)
    submit_login(member, STAFF_NAME, STAFF_PASSWORD)
    alert = member.get_by_role("alert")  # type: ignore[attr-defined]
    expect(alert).to_contain_text("Log-ins from your network address are paused until")
    found = re.search(r"paused until (\d\d:\d\d:\d\d) UTC on (\d+ \w+ \d{4})", alert.inner_text())
    assert found, alert.inner_text()
    until = datetime.strptime(f"{found.group(2)} {found.group(1)}", "%d %b %Y %H:%M:%S").replace(tzinfo=UTC)
    assert timedelta(seconds=20) <= until - started <= timedelta(seconds=40)  # the first pause: 30 seconds
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    member.screenshot(path=str(SCREENSHOTS / "login-paused.png"), full_page=True)  # type: ignore[attr-defined]

    admin = open_page(browser, server, ADMIN_ADDRESS)
    submit_login(admin, ADMIN, ADMIN_PASSWORD)
    admin.get_by_role("link", name="Staff accounts").click()  # type: ignore[attr-defined]
    row = admin.locator("#staff-accounts tr", has_text=STAFF_NAME)  # type: ignore[attr-defined]
    expect(row).to_contain_text(f"Log-ins paused from {MEMBER_ADDRESS} until")
    admin.screenshot(path=str(SCREENSHOTS / "staff-accounts.png"), full_page=True)  # type: ignore[attr-defined]
    admin.get_by_role("button", name=f"Unlock {STAFF_NAME}").click()  # type: ignore[attr-defined]
    expect(admin.get_by_role("status")).to_contain_text(  # type: ignore[attr-defined]
        f"Log-in pauses for {STAFF_NAME} lifted from {MEMBER_ADDRESS}")
    submit_login(member, STAFF_NAME, STAFF_PASSWORD)
    expect(member.get_by_role("heading", name="Cases waiting for review")).to_be_visible()  # type: ignore

    admin.get_by_role("button", name=f"Reset the password of {STAFF_NAME}").click()  # type: ignore[attr-defined]
    one_time = admin.locator(".mailbot-one-time").inner_text().strip()  # type: ignore[attr-defined]
    assert len(one_time) >= 16
    member.goto("/")  # type: ignore[attr-defined]
    expect(member.get_by_role("heading", name="Log in to review cases")).to_be_visible()  # type: ignore
    submit_login(member, STAFF_NAME, one_time)
    expect(member.get_by_role("heading", name="Choose a new password")).to_be_visible()  # type: ignore
    member.goto("/outbox")  # type: ignore[attr-defined]
    expect(member.get_by_role("heading", name="Choose a new password")).to_be_visible()  # type: ignore
    member.get_by_label("Your current (or one-time) password").fill(one_time)  # type: ignore[attr-defined]
    member.get_by_label("New password (at least 12 characters)").fill("my own new long password")  # type: ignore
    member.get_by_label("New password again").fill("my own new long password")  # type: ignore[attr-defined]
    member.get_by_role("button", name="Change my password").click()  # type: ignore[attr-defined]
    expect(member.get_by_role("heading", name="Cases waiting for review")).to_be_visible()  # type: ignore

    admin.goto("/staff")  # type: ignore[attr-defined]
    admin.get_by_role("button", name=f"Disable {STAFF_NAME}").click()  # type: ignore[attr-defined]
    expect(admin.get_by_role("status")).to_contain_text(f"{STAFF_NAME} is disabled")  # type: ignore
    member.goto("/")  # type: ignore[attr-defined]
    expect(member.get_by_role("heading", name="Log in to review cases")).to_be_visible()  # type: ignore
    submit_login(member, STAFF_NAME, "my own new long password")
    expect(member.get_by_role("alert")).to_contain_text("This staff account is disabled")  # type: ignore


def test_a_member_who_is_not_an_administrator_sees_no_staff_accounts_and_is_refused(
        browser: object, server: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, server, "198.51.100.40")
    submit_login(page, ADMIN, ADMIN_PASSWORD)  # an administrator sees the link ...
    expect(page.get_by_role("link", name="Staff accounts")).to_be_visible()  # type: ignore[attr-defined]
    page.context.clear_cookies()  # type: ignore[attr-defined]
    submit_login(page, MEMBER, MEMBER_PASSWORD)  # ... a member who is not one does not,
    expect(page.get_by_role("heading", name="Cases waiting for review")).to_be_visible()  # type: ignore
    expect(page.get_by_role("link", name="Staff accounts")).to_have_count(0)  # type: ignore[attr-defined]
    response = page.goto("/staff")  # type: ignore[attr-defined]  # and the page itself refuses them
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Only staff administrators may do this")).to_be_visible()  # type: ignore


def test_a_strangers_failures_from_elsewhere_do_not_stop_the_member_logging_in(browser: object, server: str) -> None:
    from playwright.sync_api import expect

    stranger = open_page(browser, server, "198.51.100.99")
    for i in range(7):
        submit_login(stranger, MEMBER, f"a stranger's guess {i}")
    expect(stranger.get_by_role("alert")).to_contain_text("paused until")  # type: ignore[attr-defined]
    submit_login(stranger, MEMBER, MEMBER_PASSWORD)  # even the right password, from there
    expect(stranger.get_by_role("alert")).to_contain_text("Your password was not checked")  # type: ignore
    member = open_page(browser, server, "198.51.100.50")
    submit_login(member, MEMBER, MEMBER_PASSWORD)
    expect(member.get_by_role("heading", name="Cases waiting for review")).to_be_visible()  # type: ignore
