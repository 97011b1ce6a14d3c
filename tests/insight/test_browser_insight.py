"""The mailbox at a glance in a real browser (Debian's chromium through Playwright) against `mailbot web` as its own
process over the known store: reached from the navigation, its charts drawn, and not one Content-Security-Policy
violation (the charts are inline SVG with presentation attributes, never a style attribute or a script)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from store.staff import add_staff
from tests.insight import known_store as known
from tests.support.web_server import SCREENSHOTS, chromium, log_in, new_page, seeded_store, serving

NAME, PASSWORD = "Sam Reviewer", "a long password 1234"
# Records every CSP violation the page reports (an init script is the browser driver's, not the page's: the CSP
# does not apply to it).
WATCH_CSP = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("insight-web")

    def seed(session: Session) -> None:
        known.seed_insight(session)
        add_staff(session, NAME, PASSWORD, now=known.NOW, by="test")

    store_url = seeded_store(folder, sqlite_template, seed)
    with serving(folder, store_url, env={"MAILBOT_CLOCK": known.NOW.isoformat()}) as url:
        yield url


def test_the_page_in_chromium_with_no_csp_violation(server: str) -> None:
    from playwright.sync_api import expect

    with chromium() as browser:
        page = new_page(browser, server, width=1100)
        page.context.add_init_script(WATCH_CSP)
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        missing: list[str] = []
        page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
        log_in(page, NAME, PASSWORD)
        page.get_by_role("link", name="At a glance").click()
        page.wait_for_url("**/insight")
        expect(page.get_by_role("heading", name="The mailbox at a glance")).to_be_visible()
        for name in ("Cases per day by outcome", "Cases per day by kind of message",
                     "Cases waiting for staff, by how long they have waited", "The most frequent reasons this week"):
            chart = page.get_by_role("img", name=name)
            expect(chart).to_be_visible()
            box = chart.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 20, name
        # The stacked bars really are drawn, in the colours the legend gives, and the table opens without script.
        assert page.locator("#chart-outcome rect").count() >= 12
        page.get_by_text("Cases per day by outcome as a table").click()
        expect(page.get_by_role("table", name="Cases per day by outcome")).to_be_visible()
        page.get_by_label("Days to show").select_option("7")
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_text("The last 7 days")).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "insight.png"), full_page=True)
        violations = page.evaluate("window.__csp")
        # The one kind every page has: the NHS.UK stylesheet's @font-face asks for its web fonts at assets.nhs.uk,
        # which the CSP (default-src 'none') refuses; the text falls back to Arial. Nothing else: no style, script
        # or image of this page is refused.
        assert all(v.startswith("font-src https://assets.nhs.uk/fonts/") for v in violations), violations
        page.goto("/")
        assert sorted(set(page.evaluate("window.__csp"))) == sorted(set(violations))  # the queue's, exactly
        assert missing == [f"{server}/favicon.ico"] * len(missing), missing  # the browser's own guess, on any page
        assert not [line for line in console if line.startswith("error") and "assets.nhs.uk/fonts/" not in line
                    and "status of 404" not in line]
