"""A DKIM signature's t= and x= judged as at the moment the message is judged (`now`), never the clock (SPEC 4 says
nothing of them; rules.dkim_times keeps dkimpy's rules and its 10-hour leeway). Real signatures, dated on purpose,
made with test keys; each case sets `now` where the wall clock would say the opposite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from rules.dkim_times import SKEW_SECONDS, SignatureTimeError, check_times
from rules.sender import AuthPolicy, SenderVerdict, authenticate_sender
from tests.support.dkim_signing import KeyRing, SigningKey, ed25519_key, message, sign_dated

WALL = datetime.now(UTC)
SKEW = timedelta(seconds=SKEW_SECONDS)
IN_2040 = datetime(2040, 1, 1, 9, 0, tzinfo=UTC)


def judge(raw: bytes, policy: AuthPolicy, ring: KeyRing, now: datetime) -> SenderVerdict:
    return authenticate_sender(SimpleNamespace(raw=raw), policy, ring, now=now)


def refused(verdict: SenderVerdict, words: str) -> None:
    assert not verdict.authenticated and not verdict.temporary_failure, verdict
    assert any(words in p for p in verdict.problems), verdict.problems


def test_a_signature_whose_x_has_passed_at_now_does_not_count_though_the_clock_says_it_has_not(
        policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    raw = sign_dated(message(), good_key, signed_at=WALL - timedelta(hours=1), expires_at=WALL + timedelta(days=30))
    assert judge(raw, policy, ring, now=WALL).authenticated
    later = judge(raw, policy, ring, now=WALL + timedelta(days=60))
    refused(later, "it expired on")
    assert (WALL + timedelta(days=30)).strftime("%d/%m/%Y") in later.problems[0]


def test_a_signature_expired_by_the_clock_counts_when_judged_as_at_a_moment_before_its_x(
        policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    """A replay of mail received last month: its x= has passed by the wall clock, not at the moment replayed."""
    raw = sign_dated(message(), good_key, signed_at=WALL - timedelta(days=40), expires_at=WALL - timedelta(days=20))
    assert judge(raw, policy, ring, now=WALL - timedelta(days=30)).authenticated
    refused(judge(raw, policy, ring, now=WALL), "it expired on")


def test_x_is_given_ten_hours_of_leeway_as_dkimpy_gives_it(policy: AuthPolicy, ring: KeyRing,
                                                          good_key: SigningKey) -> None:
    expires = WALL + timedelta(days=5)
    raw = sign_dated(message(), good_key, signed_at=WALL, expires_at=expires)
    assert judge(raw, policy, ring, now=expires + SKEW - timedelta(minutes=1)).authenticated
    refused(judge(raw, policy, ring, now=expires + SKEW + timedelta(minutes=1)), "it expired on")


def test_a_signature_dated_after_now_beyond_the_leeway_does_not_count(policy: AuthPolicy, ring: KeyRing,
                                                                      good_key: SigningKey) -> None:
    """t= is the wall clock's present, in the future of the moment judged: "from the future" whatever the clock."""
    raw = sign_dated(message(), good_key, signed_at=WALL)
    refused(judge(raw, policy, ring, now=WALL - SKEW - timedelta(minutes=1)), "a signature from the future")
    assert judge(raw, policy, ring, now=WALL - SKEW + timedelta(minutes=1)).authenticated


def test_a_signature_dated_in_2040_counts_when_judged_in_2040(policy: AuthPolicy, ring: KeyRing) -> None:
    """The clock says 2040 is the future; the moment judged says it is now (ed25519 too)."""
    raw = sign_dated(message(), ed25519_key(), selector="ed", signed_at=IN_2040 - timedelta(hours=1),
                     expires_at=IN_2040 + timedelta(days=30))
    assert judge(raw, policy, ring, now=IN_2040).authenticated
    refused(judge(raw, policy, ring, now=WALL), "a signature from the future")


def test_a_signed_message_judged_in_2040_is_judged_as_it_was_when_it_came(policy: AuthPolicy, ring: KeyRing,
                                                                           good_key: SigningKey) -> None:
    """A golden-style replay far ahead: with no x=, a signature does not go stale; with one, it has expired."""
    plain = sign_dated(message(), good_key, signed_at=WALL)
    assert judge(plain, policy, ring, now=WALL) == judge(plain, policy, ring, now=IN_2040)
    expiring = sign_dated(message(), good_key, signed_at=WALL, expires_at=WALL + timedelta(days=30))
    refused(judge(expiring, policy, ring, now=IN_2040), "it expired on")


def test_an_x_before_its_own_t_does_not_count(policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    raw = sign_dated(message(), good_key, signed_at=WALL - timedelta(hours=1), expires_at=WALL - timedelta(hours=2))
    refused(judge(raw, policy, ring, now=WALL - timedelta(hours=3)), "is before its signing time")


def test_a_signature_out_of_its_time_costs_no_key_look_up(policy: AuthPolicy, ring: KeyRing,
                                                          good_key: SigningKey) -> None:
    raw = sign_dated(message(), good_key, signed_at=WALL, expires_at=WALL + timedelta(days=1))
    refused(judge(raw, policy, ring, now=IN_2040), "it expired on")
    assert ring.looked_up == []


@pytest.mark.parametrize(("t", "x", "words"), [
    ("12a", None, "its t= is not a number"),
    ("", None, "its t= is not a number"),
    ("100", "-5", "its x= is not a number"),
    ("9" * 5000, None, "far in the future"),  # no int() of thousands of digits, no overflow
])
def test_time_tags_that_are_not_numbers_of_seconds_do_not_count(t: str, x: str | None, words: str) -> None:
    with pytest.raises(SignatureTimeError, match=words):
        check_times(t, x, WALL)


def test_a_huge_x_is_only_far_in_the_future() -> None:
    check_times("100", "9" * 5000, WALL)
