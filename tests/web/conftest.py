"""Fixtures for the web tests: a seeded SQLite store, the app on a settable clock, a logged-in client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from starlette.testclient import TestClient

from mailbot.app import App
from mailbot.config import parse_config
from mailbot.review.web.app import create_app
from store.db import transaction
from tests.web.seed import NOW, STAFF_NAME, STAFF_PASSWORD, Seeded, seed


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class WebWorld:
    app: App
    clock: Clock
    seeded: Seeded
    client: TestClient


def make_app(store_url: str, **web: object) -> App:
    return App(parse_config({"store": {"url": store_url}, "web": dict(web)}, environ={}))


def make_world(store_url: str) -> Iterator[WebWorld]:
    """The seeded store at STORE_URL behind the app, with a client not yet logged in."""
    app = make_app(store_url)
    with transaction(app.sessions) as session:
        seeded = seed(session)
    clock = Clock(NOW + timedelta(days=1))
    with TestClient(create_app(app, clock=clock), base_url="http://testserver", follow_redirects=False) as client:
        yield WebWorld(app, clock, seeded, client)
    app.engine.dispose()


@pytest.fixture
def world(sqlite_url: str) -> Iterator[WebWorld]:
    yield from make_world(sqlite_url)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def log_in(client: TestClient, name: str = STAFF_NAME, password: str = STAFF_PASSWORD) -> TestClient:
    page = client.get("/login")
    response = client.post("/login", data={"name": name, "password": password, "csrf_token": csrf_of(page.text),
                                           "next": "/"})
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def staff_client(world: WebWorld) -> TestClient:
    return log_in(world.client)
