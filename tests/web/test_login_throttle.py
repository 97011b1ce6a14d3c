"""Web log-in throttling, over real HTTP from several loopback addresses, on SQLite and PostgreSQL: failures pause
the address they come from with a pause that doubles, never a member of staff elsewhere; a paused attempt costs no
argon2 verify (counted by store.staff.VERIFICATIONS, the one place passwords are verified); the paused page says
until when; X-Forwarded-For counts only from a trusted proxy."""

from __future__ import annotations

import html
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from store import staff as staff_store
from store.models import AuditEvent
from tests.web.http_world import HttpWorld, error_text, http_world, try_login
from tests.web.seed import STAFF_NAME, STAFF_PASSWORD

STRANGER, MEMBER, OTHER = "127.0.0.2", "127.0.0.3", "127.0.0.4"


@pytest.fixture
def world(store_url: str) -> Iterator[HttpWorld]:
    with http_world(store_url) as world:
        yield world


def test_a_strangers_failures_from_one_address_do_not_stop_the_member_from_another(world: HttpWorld) -> None:
    with world.client(STRANGER) as stranger, world.client(MEMBER) as member:
        statuses = [try_login(stranger, STAFF_NAME, f"guess number {i}").status_code for i in range(20)]
        assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
        assert try_login(stranger, STAFF_NAME, STAFF_PASSWORD).status_code == 429  # even the right one, there
        world.clock.advance(seconds=5)
        response = try_login(member, STAFF_NAME, STAFF_PASSWORD)
        assert response.status_code == 303, error_text(response)
        assert member.get("/").status_code == 200


def test_each_failure_after_the_free_ones_doubles_the_pause_up_to_the_longest(store_url: str) -> None:
    with http_world(store_url, lockout_attempts=3, lockout_first_seconds=30, lockout_minutes=4) as world, \
            world.client(STRANGER) as client:
        for _ in range(2):
            assert try_login(client, STAFF_NAME, "wrong password").status_code == 401
        pauses = []
        for _ in range(6):
            assert try_login(client, STAFF_NAME, "wrong password").status_code == 401  # heard, and wrong
            refused = try_login(client, STAFF_NAME, "wrong password")
            assert refused.status_code == 429
            pauses.append(int(refused.headers["retry-after"]))
            world.clock.advance(seconds=pauses[-1] - 1)
            assert try_login(client, STAFF_NAME, STAFF_PASSWORD).status_code == 429  # not yet, even if right
            world.clock.advance(seconds=1)
        assert pauses == [30, 60, 120, 240, 240, 240]
        assert try_login(client, STAFF_NAME, STAFF_PASSWORD).status_code == 303  # the pause over, all forgotten
        assert try_login(client, STAFF_NAME, "wrong password").status_code == 401


def test_no_password_is_verified_while_an_address_is_paused(world: HttpWorld) -> None:
    with world.client(STRANGER) as client:
        before = staff_store.VERIFICATIONS
        for _ in range(5):
            assert try_login(client, STAFF_NAME, "wrong password").status_code == 401
        assert staff_store.VERIFICATIONS - before == 5
        for i in range(40):
            assert try_login(client, STAFF_NAME if i % 2 else f"nobody {i}", "wrong").status_code == 429
        assert staff_store.VERIFICATIONS - before == 5  # forty attempts refused, not one argon2 verify
        world.clock.advance(seconds=31)
        assert try_login(client, STAFF_NAME, STAFF_PASSWORD).status_code == 303
        assert staff_store.VERIFICATIONS - before == 6


def test_unknown_names_cost_one_verify_each_and_are_paused_like_known_ones(world: HttpWorld) -> None:
    with world.client(STRANGER) as stranger, world.client(OTHER) as other:
        before = staff_store.VERIFICATIONS
        for i in range(5):
            assert try_login(stranger, f"no such person {i}", "wrong password").status_code == 401
            assert try_login(other, STAFF_NAME, "wrong password").status_code == 401
        assert staff_store.VERIFICATIONS - before == 10
        unknown = try_login(stranger, "no such person", "wrong password")
        known = try_login(other, STAFF_NAME, "wrong password")
        assert unknown.status_code == known.status_code == 429
        assert error_text(unknown) == error_text(known)  # nothing says which name is real
        assert unknown.headers["retry-after"] == known.headers["retry-after"]
        assert staff_store.VERIFICATIONS - before == 10


def test_a_paused_address_is_told_in_words_until_when(world: HttpWorld) -> None:
    with world.client(STRANGER) as client:
        for _ in range(5):
            response = try_login(client, STAFF_NAME, "wrong password")
            assert "name or password is not right" in error_text(response)
        until = world.clock.now + timedelta(seconds=30)
        words = html.unescape(error_text(try_login(client, STAFF_NAME, STAFF_PASSWORD)))
    assert f"paused until {until:%H:%M:%S} UTC on {until:%-d %b %Y} (in 30 seconds)" in words
    assert "Your password was not checked" in words and "staff administrator" in words
    assert "name or password is not right" not in words


def test_parallel_attempts_from_one_address_cannot_get_past_the_free_ones(world: HttpWorld) -> None:
    before = staff_store.VERIFICATIONS

    def attempt(i: int) -> int:
        with world.client(STRANGER) as client:
            return try_login(client, STAFF_NAME, f"parallel guess {i}").status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(attempt, range(24)))
    assert statuses.count(401) == 5 and statuses.count(429) == 19
    assert staff_store.VERIFICATIONS - before == 5


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(store_url: str) -> None:
    with http_world(store_url, trusted_proxies=[OTHER]) as world:
        with world.client(STRANGER) as liar:  # not a proxy of ours: its headers change nothing
            statuses = []
            for i in range(6):
                liar.headers["x-forwarded-for"] = f"198.51.100.{i + 1}"
                statuses.append(try_login(liar, STAFF_NAME, "wrong password").status_code)
            assert statuses == [401] * 5 + [429]
        with world.client(OTHER, **{"x-forwarded-for": "198.51.100.7"}) as proxied:
            for _ in range(5):
                assert try_login(proxied, STAFF_NAME, "wrong password").status_code == 401
            assert try_login(proxied, STAFF_NAME, STAFF_PASSWORD).status_code == 429
        # The same proxy for someone else: a forged hop to the left of the real client is not believed either.
        with world.client(OTHER, **{"x-forwarded-for": "198.51.100.7, 198.51.100.8"}) as member:
            assert try_login(member, STAFF_NAME, STAFF_PASSWORD).status_code == 303
        with world.app.sessions() as session:
            login = session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.login")).one()
            locked = session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.locked")).all()
        assert login.detail["client"] == "198.51.100.8"
        assert sorted(e.detail["client"] for e in locked) == ["127.0.0.2", "198.51.100.7"]
