"""ID tokens a real provider would never send, crafted with a test key by a provider that misbehaves on purpose
(tests/support/misbehaving_oidc.py): each is refused, and nobody is logged in."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from joserfc.jwk import OctKey, RSAKey
from starlette.testclient import TestClient

from mailbot.app import App
from mailbot.config import parse_config
from mailbot.review.web.app import create_app
from mailbot.review.web.security import SESSION_COOKIE
from store.db import transaction
from store.models import AuditEvent
from store.staff import add_staff
from store.staff_nhs import link_nhs_email
from tests.support.misbehaving_oidc import MisbehavingProvider, Misbehaviour, misbehaving_provider
from tests.web.oidc_world import SAM_EMAIL, TEST_CALLBACK, ShiftedClock, query_of, start
from tests.web.seed import STAFF_NAME, STAFF_PASSWORD

SECRET = "crafted-client-secret-" + "y" * 20


class World:
    def __init__(self, app: App, client: TestClient, provider: MisbehavingProvider) -> None:
        self.app, self.client, self.provider = app, client, provider
        self.codes = 0

    def log_in(self, claims: Callable[[str], dict[str, Any]], **behaviour: Any) -> tuple[int, str]:
        """One log-in whose token response carries an ID token with CLAIMS (made from the request's nonce)."""
        authorization = start(self.client)
        self.codes += 1
        code = f"code-{self.codes}"
        self.provider.issue_code(code, authorization)
        self.provider.behaviour = Misbehaviour(claims=claims, **behaviour)
        response = self.client.get(f"/login/oidc/callback?code={code}&state={query_of(authorization)['state']}")
        return response.status_code, response.text

    def refusal(self) -> str:
        with self.app.sessions() as session:
            events = session.query(AuditEvent).filter(AuditEvent.action == "staff.nhs_login_refused").all()
        return str(events[-1].detail["detail"]) if events else ""


@pytest.fixture(scope="module")
def provider() -> Iterator[MisbehavingProvider]:
    with misbehaving_provider("mailbot", SECRET) as running:
        yield running


@pytest.fixture
def world(sqlite_url: str, provider: MisbehavingProvider) -> Iterator[World]:
    provider.behaviour, provider.codes = None, {}
    app = App(parse_config({"store": {"url": sqlite_url}, "oidc": {
        "enabled": True, "issuer": provider.issuer, "client_id": "mailbot", "client_secret": SECRET,
        "redirect_url": TEST_CALLBACK}}, environ={}))
    with transaction(app.sessions) as session:
        add_staff(session, STAFF_NAME, STAFF_PASSWORD, now=ShiftedClock()(), by="test")
        link_nhs_email(session, STAFF_NAME, SAM_EMAIL, now=ShiftedClock()(), by="test")
    with TestClient(create_app(app, clock=ShiftedClock()), base_url="http://testserver",
                    follow_redirects=False) as client:
        yield World(app, client, provider)
    app.engine.dispose()


def test_a_well_made_token_from_the_same_provider_logs_in(world: World) -> None:
    """The control: the harness itself refuses nothing that is right."""
    status, _ = world.log_in(lambda nonce: world.provider.standard_claims(nonce))
    assert status == 200 and world.client.get("/").status_code == 200


NOW = int(time.time())


@pytest.mark.parametrize(("changes", "refused_on"), [
    ({"iss": "https://login.microsoftonline.com/another-tenant/v2.0"}, "'iss'"),
    ({"aud": "another-client"}, "'aud'"),
    # Authlib's own parse_id_token lets this one through: it checks aud only when told to, and azp names us.
    ({"aud": ["another-client"], "azp": "mailbot"}, "'aud'"),
    ({"aud": ["mailbot", "another-client"], "azp": "another-client"}, "'azp'"),
    ({"exp": NOW - 3600, "iat": NOW - 7200}, "'exp'"),
    ({"nbf": NOW + 3600}, "'nbf'"),
    ({"iat": NOW + 3600, "exp": NOW + 7200}, "'iat'"),
    ({"exp": None}, "'exp'"),
    ({"sub": None}, "'sub'"),
    ({"nonce": None}, "'nonce'"),
])
def test_an_id_token_with_a_wrong_claim_is_refused(world: World, changes: dict[str, Any], refused_on: str) -> None:
    status, page = world.log_in(lambda nonce: world.provider.standard_claims(nonce, **changes))
    assert status == 400 and "could not be checked" in page
    assert SESSION_COOKIE not in world.client.cookies
    assert refused_on in world.refusal()


def test_an_id_token_replayed_from_an_earlier_log_in_is_refused_for_its_nonce(world: World) -> None:
    used: list[str] = []

    def remember(nonce: str) -> dict[str, Any]:
        used.append(nonce)
        return world.provider.standard_claims(nonce)

    assert world.log_in(remember)[0] == 200
    world.client.cookies.clear()
    status, _ = world.log_in(lambda nonce: world.provider.standard_claims(used[0]))
    assert status == 400 and SESSION_COOKIE not in world.client.cookies
    assert "'nonce'" in world.refusal()


@pytest.mark.parametrize("how", ["another key, same kid", "another key, unknown kid", "alg none",
                                 "HS256 with the client secret"])
def test_an_id_token_not_signed_by_the_providers_published_key_is_refused(world: World, how: str) -> None:
    behaviour: dict[str, Any] = {
        "another key, same kid": {"signing_key": RSAKey.generate_key(2048, private=True)},
        "another key, unknown kid": {"signing_key": RSAKey.generate_key(2048, private=True),
                                     "header": {"alg": "RS256", "kid": "rotated"}},
        "alg none": {"header": {"alg": "none"}},
        "HS256 with the client secret": {"signing_key": OctKey.import_key(SECRET), "header": {"alg": "HS256"}},
    }[how]
    status, _ = world.log_in(lambda nonce: world.provider.standard_claims(nonce), **behaviour)
    assert status == 400 and SESSION_COOKIE not in world.client.cookies
    assert world.refusal().startswith("ID token ")


def test_user_info_about_someone_else_is_refused(world: World) -> None:
    """The email is not in the ID token, and the user info answers for another subject."""
    status, _ = world.log_in(lambda nonce: world.provider.standard_claims(nonce, email=None, email_verified=None),
                             userinfo={"sub": "mallory", "email": SAM_EMAIL, "email_verified": True})
    assert status == 400 and "another subject" in world.refusal()


def test_the_email_from_user_info_is_used_when_the_id_token_has_none(world: World) -> None:
    status, _ = world.log_in(lambda nonce: world.provider.standard_claims(nonce, email=None, email_verified=None),
                             userinfo={"sub": "sam", "email": SAM_EMAIL.upper(), "email_verified": True})
    assert status == 200


def test_an_outside_email_in_the_id_token_itself_is_refused(world: World) -> None:
    status, page = world.log_in(lambda nonce: world.provider.standard_claims(nonce, email="sam@nhs.net.evil.com"))
    assert status == 403 and "Only NHS accounts with an address at @nhs.net" in page
