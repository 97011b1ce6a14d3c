"""What the browser tests share: `mailbot web` as its own process over a seeded copy of the SQLite template, and
Debian's chromium (driven by Playwright) to look at it."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from store.db import make_engine, sessions, transaction
from tests.support.cli import ROOT, write_config
from tests.support.listening import answering, free_port
from tests.support.servers import missing_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path(os.environ.get("MAILBOT_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "test-output" / "web"
NHSUK_ASSETS = ROOT / "var" / "web"  # the NHS.UK styles scripts/test.sh fetches
START_SECONDS = 60  # a loaded 2-core machine starts the app slowly


def seeded_store(folder: Path, sqlite_template: Path, *seeders: Callable[[Session], object]) -> str:
    """A copy of the migrated template in FOLDER with each seeder run in a transaction of its own; its URL."""
    shutil.copy(sqlite_template, folder / "store.db")
    store_url = f"sqlite:///{folder / 'store.db'}"
    engine = make_engine(store_url)
    for seeder in seeders:
        with transaction(sessions(engine)) as session:
            seeder(session)
    engine.dispose()
    return store_url


@contextmanager
def serving(folder: Path, store_url: str, settings: str = "", *, assets_dir: Path = NHSUK_ASSETS,
            port: int | None = None, env: Mapping[str, str] | None = None) -> Iterator[str]:
    """`mailbot web` over STORE_URL on PORT (a free one unless given), run from FOLDER; its URL until the end.

    SETTINGS is TOML that follows `[web] assets_dir`: more [web] keys first, then other tables. Its output goes to
    FOLDER/web.log, which a failure to start shows."""
    config = write_config(folder, store_url, f'[web]\nassets_dir = "{assets_dir}"\n{settings}')
    address = f"127.0.0.1:{port or free_port()}"
    url = f"http://{address}"
    command = [sys.executable, "-m", "mailbot", "--config", str(config), "web", "--listen", address]
    with answering("mailbot web", command, f"{url}/login", folder / "web.log", cwd=folder, seconds=START_SECONDS,
                   env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}):
        yield url


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium through Playwright, closed at the end (missing, it fails or skips as a server does)."""
    if not CHROMIUM.exists():
        missing_server(f"Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Browser, url: str, *, width: int = 1280, height: int = 900, timeout_ms: int = 10000,
             **context: Any) -> Page:
    """A page in a browser context of its own (its own cookies) on URL; CONTEXT are more context options."""
    page = browser.new_context(base_url=url, viewport={"width": width, "height": height}, **context).new_page()
    page.set_default_timeout(timeout_ms)
    return page


def log_in(page: Page, name: str, password: str) -> None:
    """Log in with a staff name and password from the log-in form, and land on the queue."""
    page.goto("/")
    assert "/login" in page.url
    page.get_by_label("Your staff name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
