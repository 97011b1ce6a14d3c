"""Approvals that show and bound their effect (issue 18, deliverable 1), through the web app without a browser:
the same member of staff cannot confirm their own approval, even by posting the form; a signatory is recorded only
when ticked, with how; the mails say "as corrected by PCSE"; `[review] second_person = false` approves at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from mailbot.app import App
from mailbot.config import parse_config
from mailbot.review.web.app import create_app
from store.db import transaction
from store.models import AuditEvent, Case, OutboxMessage, Signatory, User
from tests.web.conftest import Clock, WebWorld, csrf_of, log_in
from tests.web.review_helpers import SECOND_NAME, second_client
from tests.web.seed import NOW, STAFF_NAME, seed
from tests.web.seed_review import OWN_ACCOUNT, STRANGER, seed_review_cases


@pytest.fixture
def review_world(world: WebWorld) -> WebWorld:
    with transaction(world.app.sessions) as session:
        seed_review_cases(session)
    return world


def case_row(world: WebWorld, reference: str) -> Case:
    with world.app.sessions() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        session.expunge(case)
        return case


def primary_users(world: WebWorld) -> list[str]:
    with world.app.sessions() as session:
        return sorted(session.scalars(select(User.username).where(User.is_primary.is_(True),
                                                                  User.username.in_(["JSMITH1", "MSTRANGER1"]))))


TAKE_OVER = {"set.pu_request": "replacement", "set.pu_replaces": "jane.smith@nhs.net"}


def test_the_same_person_cannot_confirm_their_own_approval(review_world: WebWorld, staff_client: TestClient) -> None:
    csrf = csrf_of(staff_client.get(f"/cases/{STRANGER}").text)
    first = staff_client.post(f"/cases/{STRANGER}/approve/confirm", data={"csrf_token": csrf, **TAKE_OVER})
    assert first.status_code == 303
    assert primary_users(review_world) == ["JSMITH1"]  # nothing applied yet
    waiting = case_row(review_world, STRANGER)
    assert waiting.needs_review and waiting.fields["second_person"]["by"] == STAFF_NAME
    queue_row = staff_client.get("/").text.split(f'href="/cases/{STRANGER}"', 1)[1].split("</tr>", 1)[0]
    assert f"Approved by {STAFF_NAME}: needs a second person" in queue_row
    again = staff_client.post(f"/cases/{STRANGER}/approve/confirm", data={"csrf_token": csrf, **TAKE_OVER})
    assert again.status_code == 303
    assert "you approved OE-2026-000111 yourself" in staff_client.get(f"/cases/{STRANGER}").text
    assert primary_users(review_world) == ["JSMITH1"]
    # A second person cannot slip in other corrections under the first one's approval.
    second = second_client(review_world)
    other = second.post(f"/cases/{STRANGER}/approve/confirm",
                        data={"csrf_token": csrf_of(second.get("/").text), "set.pu_replaces": "x@nhs.net"})
    assert "confirm exactly what they approved" in second.get(other.headers["location"]).text
    assert primary_users(review_world) == ["JSMITH1"]
    done = second.post(f"/cases/{STRANGER}/approve/confirm", data={"csrf_token": csrf_of(second.get("/").text)})
    assert done.status_code == 303
    assert primary_users(review_world) == ["MSTRANGER1"]
    with review_world.app.sessions() as session:
        actions = list(session.execute(select(AuditEvent.actor, AuditEvent.action).where(
            AuditEvent.action.in_(["review.approval_awaiting_second", "review.approved"])).order_by(AuditEvent.id)))
        removed = session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "jane.smith@nhs.net"))
    assert actions == [(STAFF_NAME, "review.approval_awaiting_second"), (SECOND_NAME, "review.approved")]
    assert removed is not None and "(as corrected by PCSE)" in removed
    assert 'Request: the form said "An additional Primary User"; PCSE corrected it to "Replacing a Primary User"' \
        in removed


def test_a_signatory_is_recorded_only_when_ticked_and_says_how(review_world: WebWorld,
                                                               staff_client: TestClient) -> None:
    def paul_on_record() -> list[Signatory]:
        with review_world.app.sessions() as session:
            rows = list(session.scalars(select(Signatory).where(Signatory.email == "paul.brown2@nhs.net")))
            session.expunge_all()
            return rows

    assert "for their own account (PBROWN2)" in staff_client.get(f"/cases/{OWN_ACCOUNT}").text
    assert 'id="own-account"' not in staff_client.get(f"/cases/{STRANGER}").text
    preview = staff_client.get(f"/cases/{OWN_ACCOUNT}/approve").text
    assert "for their own account (PBROWN2)" in preview and 'id="signatory-not-added"' in preview
    csrf = csrf_of(preview)
    staff_client.post(f"/cases/{OWN_ACCOUNT}/approve/confirm", data={"csrf_token": csrf})
    second = second_client(review_world)
    second.post(f"/cases/{OWN_ACCOUNT}/approve/confirm", data={"csrf_token": csrf_of(second.get("/").text)})
    assert case_row(review_world, OWN_ACCOUNT).outcome == "approved"
    assert paul_on_record() == []  # approving over "not on record" no longer records him by itself
    # A made-up verification method is refused.
    bad = staff_client.post(f"/cases/{STRANGER}/approve/confirm",
                            data={"csrf_token": csrf, "verify": "trust_me"})
    assert "choose how the signatory was verified" in staff_client.get(bad.headers["location"]).text


def test_ticking_a_signatory_records_them_with_how_after_the_second_person(review_world: WebWorld,
                                                                          staff_client: TestClient) -> None:
    preview = staff_client.get(f"/cases/{OWN_ACCOUNT}/approve", params={
        "record_signatory": "yes", "verified_how": "phoned_record", "signatory_name": "Paul Brown"}).text
    assert "Add Paul Brown (paul.brown2@nhs.net) to the signatory register of A81001 as GP Partner" in preview
    staff_client.post(f"/cases/{OWN_ACCOUNT}/approve/confirm", data={
        "csrf_token": csrf_of(preview), "verify": "phoned_record", "signatory_name": "Paul Brown"})
    second = second_client(review_world)
    page = second.get(f"/cases/{OWN_ACCOUNT}/approve").text
    assert "Add Paul Brown (paul.brown2@nhs.net)" in page  # the second person sees the register change too
    second.post(f"/cases/{OWN_ACCOUNT}/approve/confirm", data={"csrf_token": csrf_of(page)})
    with review_world.app.sessions() as session:
        row = session.scalar(select(Signatory).where(Signatory.email == "paul.brown2@nhs.net"))
        assert row is not None and row.full_name == "Paul Brown" and row.role == "gp_partner"
        assert row.verified_how.startswith("Phoned the organisation on the number we hold on record")
        assert f"by {STAFF_NAME} and {SECOND_NAME}" in row.verified_how


@pytest.fixture
def one_person_world(sqlite_url: str) -> Iterator[WebWorld]:
    app = App(parse_config({"store": {"url": sqlite_url}, "review": {"second_person": False}}, environ={}))
    with transaction(app.sessions) as session:
        seeded = seed(session)
        seed_review_cases(session)
    with TestClient(create_app(app, clock=Clock(NOW)), base_url="http://testserver",
                    follow_redirects=False) as client:
        yield WebWorld(app, Clock(NOW), seeded, client)
    app.engine.dispose()


def test_without_the_second_person_setting_one_approval_applies(one_person_world: WebWorld) -> None:
    client = log_in(one_person_world.client)
    csrf = csrf_of(client.get(f"/cases/{STRANGER}").text)
    assert 'id="second-person-needed"' not in client.get(f"/cases/{STRANGER}/approve").text
    client.post(f"/cases/{STRANGER}/approve/confirm", data={"csrf_token": csrf, **TAKE_OVER})
    assert case_row(one_person_world, STRANGER).outcome == "approved"
