"""The mailbox at a glance in a real browser (Debian's chromium through Playwright) against `mailbot web` as its own
process over the known store: reached from the navigation, its charts drawn, and not one Content-Security-Policy
violation (the charts are inline SVG with presentation attributes, never a style attribute or a script)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from store.db import make_engine, sessions, transaction
from store.staff import add_staff
from tests.insight import known_store as known
from tests.support.cli import ROOT, write_config
from tests.support.servers import missing_server
from tests.web.test_browser import CHROMIUM, SCREENSHOTS, free_port

NAME, PASSWORD = "Sam Reviewer", "a long password 1234"
# Records every CSP violation the page reports (an init script is the browser driver's, not the page's: the CSP
# does not apply to it).
WATCH_CSP = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("insight-web")
    shutil.copy(sqlite_template, folder / "store.db")
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    with transaction(sessions(engine)) as session:
        known.seed_insight(session)
        add_staff(session, NAME, PASSWORD, now=known.NOW, by="test")
    engine.dispose()
    config = write_config(folder, f"sqlite:///{folder / 'store.db'}",
                          f'[web]\nassets_dir = "{ROOT / "var" / "web"}"\n')
    port = free_port()
    log = (folder / "web.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "mailbot", "--config", str(config), "web", "--listen",
                                f"127.0.0.1:{port}"], cwd=folder, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONPATH": str(ROOT), "MAILBOT_CLOCK": known.NOW.isoformat()})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/login", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("mailbot web did not start:\n" + (folder / "web.log").read_text())
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_the_page_in_chromium_with_no_csp_violation(server: str) -> None:
    if not CHROMIUM.exists():
        missing_server(f"Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context(base_url=server, viewport={"width": 1100, "height": 900})
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.set_default_timeout(10000)
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        missing: list[str] = []
        page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
        page.goto("/")
        page.get_by_label("Your staff name").fill(NAME)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/")
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
        context.close()
        browser.close()
