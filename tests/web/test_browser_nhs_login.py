"""In a real browser (Debian's chromium, Playwright) against `mailbot web` as its own process, without the NHS.UK
styles: a member of staff logs in with their NHS account through the provider's own log-in pages (the provider
at localhost, the app at 127.0.0.1: two sites, so the SameSite cookies are tried as they will be in service),
someone whose NHS account is not linked is refused; and a failed check does not look like a passed one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.staff_nhs import link_nhs_email
from tests.support.web_server import SCREENSHOTS, chromium, new_page, seeded_store, serving
from tests.web.oidc_world import SAM_EMAIL, ProviderSetup, nhs_provider, oidc_config  # noqa: F401
from tests.web.seed import NOW, STAFF_NAME, STAFF_PASSWORD, seed


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
           nhs_provider: ProviderSetup) -> Iterator[str]:  # noqa: F811
    """`mailbot web` with NHS log-in on, on the port whose callback the provider has registered; plain look."""
    folder = tmp_path_factory.mktemp("web-nhs")
    store_url = seeded_store(folder, sqlite_template, seed,
                             lambda session: link_nhs_email(session, STAFF_NAME, SAM_EMAIL, now=NOW, by="test"))
    port = nhs_provider.browser_web_port
    settings = oidc_config(nhs_provider, redirect_url=f"http://127.0.0.1:{port}/login/oidc/callback")
    oidc = "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
    with serving(folder, store_url, f"[oidc]\n{oidc}", assets_dir=folder / "no-nhsuk", port=port) as url:
        yield url


@pytest.fixture
def page(server: str) -> Iterator[object]:
    with chromium() as browser:
        yield new_page(browser, server, timeout_ms=15000)


def _nhs_log_in(page: object, account: str) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto("/outbox")
    assert "/login" in page.url
    page.get_by_role("link", name="Log in with your NHS account").click()
    page.wait_for_url("http://localhost:*/**")  # the provider's own log-in page
    page.locator("input[name=login]").fill(account)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()


def test_a_member_of_staff_logs_in_with_their_nhs_account_in_chromium(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    _nhs_log_in(page, "sam")
    page.wait_for_url("**/outbox")  # back where they were going, logged in
    expect(page.get_by_role("heading", name="Outbox")).to_be_visible()
    expect(page.get_by_role("button", name=f"Log out {STAFF_NAME}")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "nhs-login-done.png"), full_page=True)


def test_an_nhs_account_not_linked_to_staff_is_refused_in_chromium(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    _nhs_log_in(page, "stranger")
    expect(page.get_by_role("alert")).to_contain_text("(stranger@nhs.net) is not linked to a staff account")
    assert "/login/oidc/callback" in page.url
    page.goto("/")
    assert "/login" in page.url  # not logged in
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "nhs-login-refused.png"), full_page=True)


TAG_LOOK = """
() => [...document.querySelectorAll('#checks .nhsuk-tag')].map(t => {
  const s = getComputedStyle(t), b = getComputedStyle(t, '::before');
  return {text: t.innerText.trim(), mark: b.content, border: s.borderTopStyle + ' ' + s.borderTopWidth,
          weight: s.fontWeight};
})
"""


def test_without_nhs_styles_a_failed_check_looks_unlike_a_passed_one(page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto("/login")
    assert page.evaluate("() => document.body.className") == "plain"
    page.get_by_label("Your staff name").fill(STAFF_NAME)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url("**/")
    page.goto("/cases/OE-2026-000101")
    failed, passed = page.evaluate(TAG_LOOK)
    assert failed["text"].lower().endswith("failed") and passed["text"].lower().endswith("passed")
    assert failed["mark"] != passed["mark"] and "none" not in (failed["mark"], passed["mark"])
    assert failed["border"] != passed["border"] and failed["weight"] != passed["weight"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#checks").screenshot(path=str(SCREENSHOTS / "plain-checks.png"))
