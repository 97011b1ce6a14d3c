"""Shared by the NHS log-in tests: a real OpenID provider (oidc-provider, started once a session), the web app
configured to use it, and a person logging in at the provider's own pages (plain HTTP, as a browser would)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey
from sqlalchemy import select
from starlette.testclient import TestClient

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.config import parse_config
from mailbot.review.web.app import create_app
from store.db import transaction
from store.models import AuditEvent
from store.staff import add_staff
from store.staff_nhs import link_nhs_email
from tests.support.listening import free_port
from tests.support.oidc_server import RunningProvider, oidc_provider
from tests.web.seed import STAFF_NAME, STAFF_PASSWORD

CLIENT_SECRET = "test-client-secret-" + "x" * 24
TEST_CALLBACK = "http://testserver/login/oidc/callback"
SAM_EMAIL = "sam.reviewer@nhs.net"
# Account ids at the provider (its `sub`) and their claims.
ACCOUNTS: dict[str, dict[str, Any]] = {
    "sam": {"email": SAM_EMAIL, "email_verified": True, "name": "Sam Reviewer"},
    "sam-impostor": {"email": SAM_EMAIL, "email_verified": True, "name": "Not Sam"},
    "outsider": {"email": "someone@gmail.com", "email_verified": True},
    "unverified": {"email": "pat.unverified@nhs.net", "email_verified": False},
    "stranger": {"email": "stranger@nhs.net", "email_verified": True},
}


@dataclass
class ProviderSetup:
    provider: RunningProvider
    private_key_pem: Path
    browser_web_port: int  # the port the browser test's `mailbot web` must use (its callback is registered)


@pytest.fixture(scope="session")
def nhs_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderSetup]:
    folder = tmp_path_factory.mktemp("oidc")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = folder / "client-key.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    public = RSAKey.import_key(pem.read_bytes()).as_dict(private=False)
    public.update(kid="mailbot-test-1", use="sig", alg="RS256")
    web_port = free_port()
    callbacks = [TEST_CALLBACK, f"http://127.0.0.1:{web_port}/login/oidc/callback"]
    clients = [
        {"client_id": "mailbot", "client_secret": CLIENT_SECRET, "redirect_uris": callbacks,
         "token_endpoint_auth_method": "client_secret_basic"},
        {"client_id": "mailbot-jwt", "redirect_uris": callbacks, "token_endpoint_auth_method": "private_key_jwt",
         "token_endpoint_auth_signing_alg": "RS256", "jwks": {"keys": [public]}},
    ]
    # "localhost", so that in the browser test the provider is another site than the app at 127.0.0.1.
    with oidc_provider(folder, clients=clients, accounts=ACCOUNTS, host="localhost") as provider:
        yield ProviderSetup(provider, pem, web_port)


@dataclass
class ShiftedClock:
    """The real time (the provider's tokens carry it), shifted by `offset` for the expiry tests."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return utcnow() + self.offset


@dataclass
class OidcWorld:
    app: App
    clock: ShiftedClock
    client: TestClient
    setup: ProviderSetup

    def audit(self, action: str) -> list[AuditEvent]:
        with self.app.sessions() as session:
            return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                        .order_by(AuditEvent.id)))


def oidc_config(setup: ProviderSetup, **overrides: Any) -> dict[str, Any]:
    return {"enabled": True, "issuer": setup.provider.issuer, "client_id": "mailbot",
            "client_secret": CLIENT_SECRET, "client_auth": "client_secret_basic", "redirect_url": TEST_CALLBACK,
            **overrides}


def make_oidc_world(store_url: str, setup: ProviderSetup, **overrides: Any) -> Iterator[OidcWorld]:
    app = App(parse_config({"store": {"url": store_url}, "oidc": oidc_config(setup, **overrides)}, environ={}))
    clock = ShiftedClock()
    with transaction(app.sessions) as session:
        add_staff(session, STAFF_NAME, STAFF_PASSWORD, now=clock(), by="test")
        link_nhs_email(session, STAFF_NAME, SAM_EMAIL, now=clock(), by="test")
    with TestClient(create_app(app, clock=clock), base_url="http://testserver", follow_redirects=False) as client:
        yield OidcWorld(app, clock, client, setup)
    app.engine.dispose()


def start(client: TestClient, next_path: str = "") -> str:
    """Click "Log in with your NHS account": the provider's authorization URL the app sends the browser to."""
    response = client.get("/login/oidc" + (f"?next={next_path}" if next_path else ""))
    assert response.status_code == 303, response.text
    return response.headers["location"]


def log_in_at_provider(authorization_url: str, account: str, *, callback: str = TEST_CALLBACK) -> str:
    """A person at the provider's own log-in page: the callback URL the provider sends the browser back to."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        url = authorization_url
        for _ in range(10):
            if url.startswith(callback):
                return url
            response = browser.get(url)
            if response.status_code in (302, 303):
                url = urljoin(url, response.headers["location"])
                continue
            form = re.search(r'<form[^>]*action="([^"]+)"[^>]*method="post"', response.text)
            assert response.status_code == 200 and form, response.text[:2000]
            response = browser.post(urljoin(url, html.unescape(form.group(1))),
                                    data={"prompt": "login", "login": account, "password": "any password"})
            assert response.status_code in (302, 303), response.text[:2000]
            url = urljoin(url, response.headers["location"])
    raise AssertionError(f"the provider never sent the browser back to {callback}")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
