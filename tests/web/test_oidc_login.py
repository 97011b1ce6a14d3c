"""Staff log in with their NHS account through a real OpenID provider (oidc-provider, started by the suite): the
code flow with PKCE, the state and nonce checked, and every refusal a person can meet, through the provider's own
pages. Tokens the provider cannot be made to get wrong are in test_oidc_tokens.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from mailbot.review.web.security import SESSION_COOKIE
from store.db import transaction
from store.models import AuditEvent, OidcLogin, StaffMember, StaffSession
from store.staff import disable_staff
from tests.support.cli import Result, mailbot, write_config
from tests.web.conftest import csrf_of
from tests.web.oidc_world import (
    CLIENT_SECRET,
    SAM_EMAIL,
    OidcWorld,
    ProviderSetup,
    log_in_at_provider,
    make_oidc_world,
    nhs_provider,  # noqa: F401 - the session's provider
    oidc_config,
    path_of,
    query_of,
    start,
)
from tests.web.seed import STAFF_NAME


@pytest.fixture
def world(sqlite_url: str, nhs_provider: ProviderSetup) -> Iterator[OidcWorld]:  # noqa: F811
    yield from make_oidc_world(sqlite_url, nhs_provider)


def finish(world: OidcWorld, account: str, next_path: str = "") -> tuple[int, str]:
    callback = log_in_at_provider(start(world.client, next_path), account)
    response = world.client.get(path_of(callback))
    return response.status_code, response.text


def test_the_log_in_page_offers_the_nhs_account_beside_the_password(world: OidcWorld) -> None:
    page = world.client.get("/login?next=/outbox").text
    assert 'href="/login/oidc?next=/outbox"' in page and "Log in with your NHS account" in page
    assert 'name="password"' in page  # local accounts stay, for when the NHS log-in is down


def test_a_member_of_staff_logs_in_with_their_nhs_account_code_flow_with_pkce(world: OidcWorld) -> None:
    authorization = start(world.client, "/outbox")
    asked = query_of(authorization)
    assert authorization.startswith(world.setup.provider.issuer + "/auth?")
    assert asked["response_type"] == "code" and asked["code_challenge_method"] == "S256"
    assert len(asked["code_challenge"]) == 43 and len(asked["state"]) >= 20 and len(asked["nonce"]) >= 20
    callback = log_in_at_provider(authorization, "sam")
    response = world.client.get(path_of(callback))
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="0; url=/outbox">' in response.text
    assert world.client.get("/outbox").status_code == 200  # logged in
    (event,) = world.audit("staff.login")
    assert event.actor == STAFF_NAME and event.detail["via"] == "nhs" and event.detail["email"] == SAM_EMAIL
    assert event.detail["first_nhs_login"] is True
    with world.app.sessions() as session:
        member = session.scalar(select(StaffMember).where(StaffMember.name == STAFF_NAME))
        assert member is not None and (member.oidc_issuer, member.oidc_subject) == (world.setup.provider.issuer,
                                                                                      "sam")
    # Nothing the provider sent (code, state, nonce, tokens) is in the audit trail.
    everything = json.dumps([e.detail for e in world.audit("staff.login")])
    assert query_of(callback)["code"] not in everything and asked["state"] not in everything
    assert asked["nonce"] not in everything


def test_the_session_is_the_same_kind_as_after_a_password(world: OidcWorld) -> None:
    status, _ = finish(world, "sam")
    assert status == 200
    cookie = world.client.cookies[SESSION_COOKIE]
    with world.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StaffSession)) == 1
    page = world.client.get("/")
    assert page.status_code == 200
    assert world.client.post("/logout", data={"csrf_token": csrf_of(page.text)}).status_code == 303
    world.client.cookies.set(SESSION_COOKIE, cookie)
    assert world.client.get("/").status_code == 303  # logged out for good
    # And idle expiry applies as to any session.
    finish(world, "sam")
    world.clock.offset += timedelta(minutes=world.app.config.web.session_idle_minutes + 1)
    assert world.client.get("/").status_code == 303


def test_a_second_nhs_log_in_uses_the_recorded_subject(world: OidcWorld) -> None:
    assert finish(world, "sam")[0] == 200
    world.client.cookies.clear()
    assert finish(world, "sam")[0] == 200
    assert [e.detail["first_nhs_login"] for e in world.audit("staff.login")] == [True, False]


def test_private_key_jwt_client_authentication_as_nhs_cis2_asks(sqlite_url: str,
                                                                nhs_provider: ProviderSetup) -> None:  # noqa: F811
    for world in make_oidc_world(sqlite_url, nhs_provider, client_id="mailbot-jwt", client_secret="",
                                 client_auth="private_key_jwt", private_key_file=str(nhs_provider.private_key_pem),
                                 private_key_id="mailbot-test-1"):
        status, _ = finish(world, "sam")
        assert status == 200 and world.client.get("/").status_code == 200


def test_a_replayed_callback_is_refused(world: OidcWorld) -> None:
    callback = log_in_at_provider(start(world.client), "sam")
    assert world.client.get(path_of(callback)).status_code == 200
    world.client.cookies.pop(SESSION_COOKIE)
    replay = world.client.get(path_of(callback))
    assert replay.status_code == 400 and "already used" in replay.text
    assert SESSION_COOKIE not in world.client.cookies
    (refused,) = world.audit("staff.nhs_login_refused")
    assert refused.detail["reason"] == "state" and refused.detail["detail"] == "state replayed"


def test_a_callback_without_state_or_with_a_state_never_issued_is_refused_and_not_audited(world: OidcWorld) -> None:
    callback = log_in_at_provider(start(world.client), "sam")
    code = query_of(callback)["code"]
    for path in (f"/login/oidc/callback?code={code}", f"/login/oidc/callback?code={code}&state=made-up"):
        response = world.client.get(path)
        assert response.status_code == 400 and SESSION_COOKIE not in world.client.cookies
    assert world.audit("staff.nhs_login_refused") == []  # junk fills the log, never the append-only audit trail
    assert world.audit("staff.login") == []


def test_a_callback_in_another_browser_is_refused(world: OidcWorld) -> None:
    """Log-in CSRF: someone sends a staff member the callback of a log-in they started themselves."""
    callback = log_in_at_provider(start(world.client), "stranger")
    world.client.cookies.clear()  # another browser: no binding cookie
    response = world.client.get(path_of(callback))
    assert response.status_code == 400 and SESSION_COOKIE not in world.client.cookies
    assert world.audit("staff.nhs_login_refused")[0].detail["detail"] == "state other_browser"


def test_a_log_in_left_too_long_at_the_provider_is_refused(world: OidcWorld) -> None:
    authorization = start(world.client)
    world.clock.offset += timedelta(minutes=11)
    response = world.client.get(path_of(log_in_at_provider(authorization, "sam")))
    assert response.status_code == 400
    assert world.audit("staff.nhs_login_refused")[0].detail["detail"] == "state expired"


def test_an_id_token_whose_nonce_is_not_the_one_sent_is_refused(world: OidcWorld) -> None:
    authorization = start(world.client)
    with transaction(world.app.sessions) as session:  # as if the provider had answered another request
        session.execute(update(OidcLogin).values(nonce="a-nonce-this-log-in-never-sent"))
    response = world.client.get(path_of(log_in_at_provider(authorization, "sam")))
    assert response.status_code == 400 and SESSION_COOKIE not in world.client.cookies
    assert "'nonce'" in world.audit("staff.nhs_login_refused")[0].detail["detail"]


def test_a_code_from_another_log_in_is_refused_by_pkce(world: OidcWorld) -> None:
    """Code injection: the code of one log-in delivered with the state of another (same browser) is worthless,
    because the provider checks it against the PKCE challenge of the log-in it was issued for."""
    first = start(world.client)
    second = start(world.client)
    code = query_of(log_in_at_provider(first, "sam"))["code"]
    response = world.client.get(f"/login/oidc/callback?code={code}&state={query_of(second)['state']}")
    assert response.status_code == 400 and SESSION_COOKIE not in world.client.cookies
    assert "invalid_grant" in world.audit("staff.nhs_login_refused")[0].detail["detail"]


@pytest.mark.parametrize(("shift", "claim"), [(timedelta(hours=2), "exp"), (timedelta(hours=-2), "iat")])
def test_an_expired_or_not_yet_valid_id_token_is_refused(world: OidcWorld, shift: timedelta, claim: str) -> None:
    """The provider's ID tokens last an hour: two hours on our clock they have expired; two hours back, they were
    issued in the future."""
    world.clock.offset = shift
    status, _ = finish(world, "sam")
    assert status == 400 and SESSION_COOKIE not in world.client.cookies
    assert f"'{claim}'" in world.audit("staff.nhs_login_refused")[0].detail["detail"]


@pytest.mark.parametrize(("account", "words", "reason"), [
    ("outsider", "Only NHS accounts with an address at @nhs.net", "email_domain"),
    ("unverified", "email address is not verified", "email_unverified"),
    ("stranger", "(stranger@nhs.net) is not linked to a staff account here", "unknown"),
])
def test_people_who_are_not_staff_here_are_refused(world: OidcWorld, account: str, words: str, reason: str) -> None:
    with world.app.sessions() as session:
        staff_before = session.scalar(select(func.count()).select_from(StaffMember))
    status, page = finish(world, account)
    assert status == 403 and words in page and SESSION_COOKIE not in world.client.cookies
    (refused,) = world.audit("staff.nhs_login_refused")
    assert refused.detail["reason"] == reason and refused.actor == "mailbot"
    with world.app.sessions() as session:  # an NHS log-in never makes a staff account
        assert session.scalar(select(func.count()).select_from(StaffMember)) == staff_before


def test_the_linked_address_used_by_another_nhs_account_later_is_refused(world: OidcWorld) -> None:
    assert finish(world, "sam")[0] == 200
    world.client.cookies.clear()
    status, page = finish(world, "sam-impostor")  # same email, another subject at the provider
    assert status == 403 and "first used with a different NHS account" in page
    assert world.audit("staff.nhs_login_refused")[0].detail["staff"] == STAFF_NAME


def test_a_disabled_member_of_staff_cannot_log_in_with_their_nhs_account(world: OidcWorld) -> None:
    with transaction(world.app.sessions) as session:
        disable_staff(session, STAFF_NAME, now=world.clock(), by="test")
    status, page = finish(world, "sam")
    assert status == 403 and "disabled" in page and SESSION_COOKIE not in world.client.cookies


def test_cancelling_at_the_provider_brings_the_person_back_to_the_log_in_page(world: OidcWorld) -> None:
    state = query_of(start(world.client))["state"]
    response = world.client.get(f"/login/oidc/callback?error=access_denied&state={state}")
    assert response.status_code == 403 and "cancelled or refused" in response.text
    assert 'name="password"' in response.text


def test_nhs_log_in_is_not_there_unless_turned_on(world: OidcWorld) -> None:
    from starlette.testclient import TestClient

    from mailbot.review.web.app import create_app
    from tests.web.conftest import make_app

    app = make_app(str(world.app.engine.url))
    with TestClient(create_app(app), follow_redirects=False) as client:
        assert "/login/oidc" not in client.get("/login").text
        assert client.get("/login/oidc").status_code == 404
        assert client.get("/login/oidc/callback?state=x&code=y").status_code == 404
    with world.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "staff.nhs_login_refused")) == 0


def test_doctor_checks_the_nhs_log_in_provider_and_never_shows_the_secret(
        tmp_path: Path, sqlite_url: str, nhs_provider: ProviderSetup) -> None:  # noqa: F811
    def doctor(**oidc: str) -> Result:
        settings = {**oidc_config(nhs_provider), **oidc}
        lines = "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
        return mailbot("--config", write_config(tmp_path, sqlite_url, "[oidc]\n" + lines), "doctor")

    good = doctor()
    assert f"oidc: ok: NHS log-in {nhs_provider.provider.issuer}: discovery answered" in good.out
    assert CLIENT_SECRET not in good.out + good.err
    wrong = doctor(issuer=nhs_provider.provider.issuer + "/other")
    assert wrong.status == 1 and "oidc: FAILED" in wrong.out
    no_key = doctor(client_auth="private_key_jwt", private_key_file=str(tmp_path / "absent.pem"))
    assert no_key.status == 1 and "absent.pem: cannot read it" in no_key.out


def test_a_provider_that_does_not_answer_leaves_the_password_log_in(sqlite_url: str,
                                                                    nhs_provider: ProviderSetup) -> None:  # noqa: F811
    from starlette.testclient import TestClient

    from mailbot.app import App
    from mailbot.config import parse_config
    from mailbot.review.web.app import create_app
    from tests.support.listening import free_port

    settings = oidc_config(nhs_provider, issuer=f"http://127.0.0.1:{free_port()}")  # nothing listens there
    app = App(parse_config({"store": {"url": sqlite_url}, "oidc": settings}, environ={}))
    with TestClient(create_app(app), follow_redirects=False) as client:
        response = client.get("/login/oidc")
        assert response.status_code == 503 and "did not answer" in response.text
        assert 'name="password"' in response.text
    app.engine.dispose()
