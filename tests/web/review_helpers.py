"""A second member of staff on the same web app, for the approvals that need two people."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from store.db import transaction
from store.staff import add_staff
from tests.web.conftest import WebWorld, log_in
from tests.web.seed import NOW

SECOND_NAME = "Kim Checker"
SECOND_PASSWORD = "another long pass phrase"


def second_client(world: WebWorld, name: str = SECOND_NAME) -> TestClient:
    """A different member of staff, logged in on their own browser (own cookies) to the same app."""
    with transaction(world.app.sessions) as session:
        add_staff(session, name, SECOND_PASSWORD, now=NOW, by="test")
    client = TestClient(world.client.app, base_url="http://testserver", follow_redirects=False)
    return log_in(client, name, SECOND_PASSWORD)


def approve_by_two(world: WebWorld, first: TestClient, reference: str, data: dict[str, str]) -> TestClient:
    """FIRST approves with DATA (csrf_token included) and a second member of staff confirms; the second's client."""
    done = first.post(f"/cases/{reference}/approve/confirm", data=data)
    assert done.status_code == 303, done.text
    second = second_client(world)
    token = re.search(r'name="csrf_token" value="([^"]+)"', second.get(f"/cases/{reference}").text)
    assert token is not None
    confirmed = second.post(f"/cases/{reference}/approve/confirm", data={"csrf_token": token.group(1)})
    assert confirmed.status_code == 303
    assert "The case was approved" in second.get(f"/cases/{reference}").text
    return second
