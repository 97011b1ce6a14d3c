"""The web app served over real HTTP by uvicorn in a thread of the test process (so a test can move its clock and
read store.staff.VERIFICATIONS), and clients that connect from chosen loopback addresses (127.0.0.2, ...)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import httpx
import uvicorn

from mailbot.app import App
from mailbot.review.web.app import create_app
from store.db import transaction
from tests.support.listening import free_port
from tests.web.conftest import Clock, make_app
from tests.web.seed import NOW, seed


@dataclass
class HttpWorld:
    app: App
    clock: Clock
    url: str

    def client(self, source: str, **headers: str) -> httpx.Client:
        """A client whose connections come from SOURCE (a 127.x.y.z address: Linux routes all of 127/8 to lo)."""
        return httpx.Client(base_url=self.url, headers=headers, follow_redirects=False, timeout=30,
                            transport=httpx.HTTPTransport(local_address=source))


@contextmanager
def http_world(store_url: str, **web: object) -> Iterator[HttpWorld]:
    app = make_app(store_url, **web)
    with transaction(app.sessions) as session:
        seed(session)
    clock = Clock(NOW + timedelta(days=1))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(app, clock=clock), host="127.0.0.1", port=port,
                                           log_level="warning", proxy_headers=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield HttpWorld(app, clock, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.engine.dispose()


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def try_login(client: httpx.Client, name: str, password: str) -> httpx.Response:
    page = client.get("/login")
    return client.post("/login", data={"name": name, "password": password, "csrf_token": csrf(page.text)})


def error_text(response: httpx.Response) -> str:
    found = re.search(r'<div class="nhsuk-error-summary__body"><p>(.*?)</p>', response.text, re.S)
    return found.group(1) if found else ""
