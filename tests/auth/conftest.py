"""Keys and a key ring shared by the sender-authentication tests."""

from __future__ import annotations

import pytest

from rules.sender import AuthPolicy
from tests.support.dkim_signing import KeyRing, SigningKey, ed25519_key, rsa_key


@pytest.fixture(scope="session")
def good_key() -> SigningKey:
    return rsa_key(2048)


@pytest.fixture
def ring(good_key: SigningKey) -> KeyRing:
    """nhs.net publishes an RSA 2048 key at s1, an ed25519 key at ed, and a 512-bit key at weak; the attacker's
    domains (example.com, nhs-net.com, nhs.net.example.com) publish good keys of their own (RSA at s1, ed25519 at
    ed)."""
    return (KeyRing().publish(good_key, "nhs.net", "s1").publish(ed25519_key(), "nhs.net", "ed")
            .publish(rsa_key(512), "nhs.net", "weak").publish(rsa_key(1024, 1), "example.com", "s1")
            .publish(rsa_key(1024, 1), "nhs-net.com", "s1").publish(rsa_key(1024, 1), "nhs.net.example.com", "s1")
            .publish(ed25519_key(1), "example.com", "ed").publish(ed25519_key(1), "nhs-net.com", "ed")
            .publish(ed25519_key(1), "nhs.net.example.com", "ed"))


@pytest.fixture
def policy() -> AuthPolicy:
    return AuthPolicy(nhs_domains=("nhs.net",), trusted_authserv_ids=("mx.pcse.nhs.net",))
