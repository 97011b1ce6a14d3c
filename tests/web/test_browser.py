"""The review web page in a real browser (Debian's chromium driven by Playwright) against `mailbot web` running as
its own process: log in, filter the queue, open a flagged case, approve it with a corrected field and find the
reply in the outbox; reject another and read the reply. Screenshots go to test-output/ for people to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from store.staff import add_staff
from tests.support import web_server
from tests.support.web_server import SCREENSHOTS, chromium, new_page, seeded_store, serving
from tests.web.review_helpers import SECOND_NAME, SECOND_PASSWORD
from tests.web.seed import NOW, STAFF_NAME, STAFF_PASSWORD, seed


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    """`mailbot web` on a free port over a seeded store; its URL."""
    folder = tmp_path_factory.mktemp("web")
    store_url = seeded_store(folder, sqlite_template, seed,  # and a second member, as approvals may need two people
                             lambda session: add_staff(session, SECOND_NAME, SECOND_PASSWORD, now=NOW, by="test"))
    with serving(folder, store_url) as url:
        yield url


@pytest.fixture
def page(server: str) -> Iterator[object]:
    with chromium() as browser:
        yield new_page(browser, server)


def log_in(page: object, name: str = STAFF_NAME, password: str = STAFF_PASSWORD) -> None:
    web_server.log_in(page, name, password)  # type: ignore[arg-type]


def test_approve_a_flagged_case_with_a_corrected_field_and_find_the_reply_in_the_outbox(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    log_in(page)
    expect(page.get_by_role("heading", name="Cases waiting for review")).to_be_visible()
    page.get_by_label("Reason").select_option("signatory.unverified")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)

    page.get_by_role("link", name="OE-2026-000101").click()
    expect(page.get_by_role("heading", name="Case OE-2026-000101")).to_be_visible()
    image = page.get_by_alt_text("Page 1 of the attached form, as the sender sent it")
    expect(image).to_be_visible()
    # The PNG really loaded (drawn by PDFium in a child process), not just an empty box.
    page.wait_for_function("() => { const i = document.querySelector('.mailbot-form-image img'); "
                           "return i.complete && i.naturalWidth > 100; }")
    page.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)

    page.get_by_label("Primary User: job title").fill("Practice Manager")
    page.get_by_role("button", name="Check and preview approval").click()
    expect(page.get_by_role("heading", name="Approve OE-2026-000101?")).to_be_visible()
    expect(page.locator("#changes")).to_contain_text("PBROWN2: made a Primary User of A81001")
    page.screenshot(path=str(SCREENSHOTS / "approve-preview.png"), full_page=True)
    # A Primary User appointed over a signatory not on record: a second member of staff confirms it.
    page.get_by_role("button", name="Approve (a second person must confirm)").click()
    expect(page.get_by_role("status")).to_contain_text("Your approval is recorded")
    page.get_by_role("button", name=f"Log out {STAFF_NAME}").click()
    log_in(page, SECOND_NAME, SECOND_PASSWORD)
    page.goto("/cases/OE-2026-000101")
    page.get_by_role("link", name="Check their approval").click()
    page.get_by_role("button", name="Confirm the approval and send").click()
    expect(page.get_by_role("status")).to_contain_text("The case was approved")
    expect(page.locator("#case-outcome")).to_contain_text(f"Approved – decided by {STAFF_NAME} and {SECOND_NAME}")

    page.get_by_role("link", name="Outbox").click()
    reply = page.get_by_role("link", name="Re: Primary User request for A81001 [OE-2026-000101]")
    expect(reply).to_be_visible()
    reply.click()
    expect(page.locator("#mail-body")).to_contain_text("has been approved")
    expect(page.locator("#mail-body")).to_contain_text("Paul Brown (paul.brown2@nhs.net) is now a Primary User")


def test_reject_a_case_and_read_the_reply(page: object) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    log_in(page)
    page.get_by_label("Kind of message").select_option("unclear")
    page.get_by_label("Organisation (ODS code)").fill("B82010")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="OE-2026-000102").click()
    page.get_by_label("Reason the sender will read").select_option("request.unclear")
    page.get_by_label("Anything to add").fill("Please tell us the user's name and the applications they need.")
    page.get_by_role("button", name="Preview the reply").click()
    preview = page.locator("#reply-preview")
    expect(preview).to_contain_text("Please tell us the user's name and the applications they need.")
    page.get_by_role("button", name="Reject and send the reply").click()
    expect(page.get_by_role("status")).to_contain_text("The case was rejected")
    page.get_by_text("reply to tom.white1@nhs.net").click()
    expect(page.locator("#case-mails")).to_contain_text("Please tell us the user's name and the applications")
    page.screenshot(path=str(SCREENSHOTS / "rejected-case.png"), full_page=True)


def test_behind_a_local_tls_proxy_the_cookies_are_secure(server: str) -> None:
    """`mailbot web` believes X-Forwarded-Proto only from the local proxy, and then marks cookies Secure."""
    plain = httpx.get(f"{server}/login")
    proxied = httpx.get(f"{server}/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in plain.headers["set-cookie"].lower()
    assert "secure" in proxied.headers["set-cookie"].lower()
    assert "server" not in plain.headers  # no version banner


def test_the_keyboard_reaches_the_log_in_form_in_reading_order(page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto("/login")  # nothing takes the focus on its own (no autofocus): the first Tab is the skip link
    order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()"))
    assert order == ["Skip to main content", "Open Exeter access – PCSE review", "name", "password", "Log in"]


CONTRAST_JS = """
() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  for (const el of document.querySelectorAll('main *, header a, header button')) {
    if (!el.offsetParent || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const fg = rgb(getComputedStyle(el).color).slice(0, 3), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) worst.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)}`);
  }
  return worst;
}
"""


def test_text_contrast_is_at_least_4_5_to_1(page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    log_in(page)
    for path in ("/", "/cases/OE-2026-000103", "/register/A81001"):
        page.goto(path)
        assert page.evaluate(CONTRAST_JS) == [], path
    # The check sees a faint grey when there is one.
    page.evaluate("() => { const p = document.createElement('p'); p.style.color = '#bbbbbb'; p.textContent = 'x'; "
                  "document.querySelector('main').appendChild(p); }")
    assert len(page.evaluate(CONTRAST_JS)) == 1
