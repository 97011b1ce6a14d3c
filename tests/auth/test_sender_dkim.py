"""SPEC 4 with real DKIM signatures: the genuine message is authenticated, every forgery is not."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from rules.sender import AuthPolicy, KeyLookupTemporaryError, SenderVerdict, authenticate_sender
from tests.support.dkim_signing import KeyRing, SigningKey, ed25519_key, message, rsa_key, sign, signature_b


def judge(raw: bytes, policy: AuthPolicy, ring: KeyRing) -> SenderVerdict:
    return authenticate_sender(SimpleNamespace(raw=raw), policy, ring, now=datetime.now(UTC))


def forged(verdict: SenderVerdict, problem: str) -> None:
    """A forgery: never authenticated, never a retry, and the staff note says why."""
    assert not verdict.authenticated, verdict
    assert verdict.method is None
    assert not verdict.temporary_failure
    assert any(problem in p for p in verdict.problems), verdict.problems


def test_valid_rsa_signature_authenticates_an_nhs_sender(policy: AuthPolicy, ring: KeyRing,
                                                         good_key: SigningKey) -> None:
    verdict = judge(sign(message(), good_key), policy, ring)
    assert verdict == SenderVerdict(
        address="jane.smith@nhs.net", domain="nhs.net", ambiguous=False, nhs=True, authenticated=True,
        temporary_failure=False, method="dkim", problems=(), signatures=verdict.signatures, passing=verdict.passing)
    assert [(s.domain, s.selector, s.passed) for s in verdict.signatures] == [("nhs.net", "s1", True)]
    assert ring.looked_up == ["s1._domainkey.nhs.net"]


def test_the_verdict_names_the_signature_that_passed_with_its_h_and_b(policy: AuthPolicy, ring: KeyRing,
                                                                     good_key: SigningKey) -> None:
    raw = sign(message(), good_key, headers=("from", "to", "subject", "date", "message-id"))
    verdict = judge(raw, policy, ring)
    b_value = signature_b(raw)
    assert verdict.signature is not None and verdict.passing == (verdict.signature,)
    assert (verdict.signature.domain, verdict.signature.selector) == ("nhs.net", "s1")
    assert verdict.signature.headers == ("from", "to", "subject", "date", "message-id")
    assert verdict.signature.b == b_value and len(b_value) > 300  # the whole b= of an RSA-2048 signature
    assert verdict.signature.covers("message-id", "date")


def test_a_failed_signature_is_not_among_those_that_vouch(policy: AuthPolicy, ring: KeyRing,
                                                          good_key: SigningKey) -> None:
    tampered = sign(message(), good_key).replace(b"Please add", b"Please drop")
    verdict = judge(tampered, policy, ring)
    assert not verdict.authenticated and verdict.passing == () and verdict.signature is None


def test_valid_ed25519_signature_authenticates(policy: AuthPolicy, ring: KeyRing) -> None:
    verdict = judge(sign(message(), ed25519_key(), selector="ed"), policy, ring)
    assert verdict.authenticated and verdict.method == "dkim" and verdict.nhs


def test_simple_canonicalisation_signature_authenticates(policy: AuthPolicy, ring: KeyRing,
                                                         good_key: SigningKey) -> None:
    raw = sign(message(), good_key, canonicalize=(b"simple", b"simple"))
    assert judge(raw, policy, ring).authenticated


def test_upper_case_from_domain_is_normalised(policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    verdict = judge(sign(message("Jane <Jane.Smith@NHS.NET>"), good_key, domain="NHS.net"), policy, ring)
    assert verdict.authenticated and verdict.nhs
    assert verdict.address == "Jane.Smith@nhs.net" and verdict.domain == "nhs.net"


def test_subdomain_signature_is_relaxed_aligned(policy: AuthPolicy, good_key: SigningKey) -> None:
    ring = KeyRing().publish(good_key, "mail.nhs.net", "s1")
    verdict = judge(sign(message(), good_key, domain="mail.nhs.net"), policy, ring)
    assert verdict.authenticated


def test_body_changed_after_signing(policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    raw = sign(message(), good_key).replace(b"practice manager", b"attacker account")
    forged(judge(raw, policy, ring), "body hash mismatch")


def test_from_changed_after_signing(policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    raw = sign(message(), good_key).replace(b"jane.smith@nhs.net", b"chief.exec@nhs.net")
    forged(judge(raw, policy, ring), "does not verify")


def test_misaligned_signature_from_the_attackers_own_domain(policy: AuthPolicy, ring: KeyRing) -> None:
    raw = sign(message(), rsa_key(1024, 1), domain="example.com")
    verdict = judge(raw, policy, ring)
    forged(verdict, "not aligned with the From domain nhs.net")
    assert verdict.nhs  # the From says nhs.net; only the proof is missing
    assert ring.looked_up == []  # a signature that cannot count costs no key look-up


def test_the_good_signature_second_of_two_still_counts(policy: AuthPolicy, ring: KeyRing,
                                                        good_key: SigningKey) -> None:
    raw = sign(sign(message(), good_key), rsa_key(1024, 1), domain="example.com")
    verdict = judge(raw, policy, ring)
    assert verdict.authenticated and verdict.method == "dkim"
    assert [(s.domain, s.passed) for s in verdict.signatures] == [("example.com", False), ("nhs.net", True)]


def test_two_from_headers(policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    raw = b"From: Boss <chief.exec@nhs.net>\r\n" + sign(message(), good_key)
    verdict = judge(raw, policy, ring)
    assert verdict.ambiguous and not verdict.authenticated and verdict.address is None
    assert verdict.problems == ("there are 2 From headers, not one",)
    assert ring.looked_up == []


@pytest.mark.parametrize(("from_header", "problem"), [
    ("jane.smith@nhs.net, chief.exec@nhs.net", "more than one address"),
    ("<jane.smith@nhs.net> <evil@example.com>", "more than one address"),
    ("jane.smith@nhs.net <evil@example.com>", "text before the angle brackets in the From header looks like"),
    ('"jane.smith@nhs.net" <evil@example.com>', "quoted display name in the From header looks like an address"),
    ("=?utf-8?q?jane.smith=40nhs.net?= <evil@example.com>", "address inside an encoded word"),
    ("=?utf-8?b?amFuZS5zbWl0aEBuaHMubmV0?= <evil@example.com>", "address inside an encoded word"),
    ("<@nhs.net,@relay.nhs.net:evil@example.com>", "route syntax"),
    ("Team: jane.smith@nhs.net;", "group syntax"),
])
def test_from_tricks_are_ambiguous_even_when_signed(from_header: str, problem: str, policy: AuthPolicy,
                                                     ring: KeyRing) -> None:
    # Signed by the attacker's own domain so the signature would verify: the From itself must stop it.
    raw = sign(message(from_header), rsa_key(1024, 1), domain="example.com")
    verdict = judge(raw, policy, ring)
    assert verdict.ambiguous and not verdict.authenticated and not verdict.nhs
    assert any(problem in p for p in verdict.problems), verdict.problems


@pytest.mark.parametrize(("address", "domain"), [
    ("jane@nhs-net.com", "nhs-net.com"),
    ("jane@nhs.net.example.com", "nhs.net.example.com"),
    ("nhs.net@example.com", "example.com"),
])
def test_lookalike_domains_are_authenticated_as_themselves_but_not_nhs(address: str, domain: str,
                                                                        policy: AuthPolicy, ring: KeyRing) -> None:
    verdict = judge(sign(message(f"Jane <{address}>"), rsa_key(1024, 1), domain=domain), policy, ring)
    assert verdict.authenticated  # the domain's owner did sign it...
    assert not verdict.nhs  # ...but it is not an NHS domain
    assert verdict.domain == domain and verdict.address == address


def test_homoglyph_domain_is_not_nhs_and_not_aligned_with_nhs_net(policy: AuthPolicy, ring: KeyRing,
                                                                   good_key: SigningKey) -> None:
    cyrillic = "nhs.n\u0435t"  # Cyrillic small ie for the e
    raw = sign(message(f"Jane <jane@{cyrillic}>"), good_key, domain="nhs.net")
    verdict = judge(raw, policy, ring)
    assert not verdict.nhs
    assert verdict.domain is not None and verdict.domain.startswith("nhs.xn--")
    forged(verdict, "not aligned")


def test_fullwidth_domain_is_not_silently_mapped_to_nhs_net(policy: AuthPolicy, ring: KeyRing,
                                                            good_key: SigningKey) -> None:
    raw = sign(message("Jane <jane@\uff4e\uff48\uff53.net>"), good_key)
    verdict = judge(raw, policy, ring)
    assert verdict.ambiguous and not verdict.nhs and not verdict.authenticated


def test_length_tag_with_text_appended(policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    raw = sign(message(), good_key, length=True)
    assert judge(raw, policy, ring).authenticated  # l= covering the whole body is harmless
    forged(judge(raw + b"\r\nAlso make evil@example.com a Primary User.\r\n", policy, ring), "l= covers only part")


def test_rsa_sha1_is_refused(policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    forged(judge(sign(message(), good_key, algorithm=b"rsa-sha1"), policy, ring), "algorithm 'rsa-sha1'")
    assert ring.looked_up == []


def test_512_bit_key_is_refused(policy: AuthPolicy, ring: KeyRing) -> None:
    forged(judge(sign(message(), rsa_key(512), selector="weak"), policy, ring), "512 bits")


def test_signature_that_does_not_sign_from(policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    raw = sign(message(), good_key, headers=("from", "subject"))
    raw = raw.replace(b"h=from : subject", b"h=subject : subject", 1)  # dkimpy refuses to sign without From
    forged(judge(raw, policy, ring), "does not sign the From header")


@pytest.mark.parametrize("header", ["Subject: Make evil@example.com a Primary User",
                                    "Reply-To: evil@example.com",
                                    "To: evil@example.com",
                                    "Content-Type: text/html"])
def test_unsigned_extra_copy_of_a_signed_header(header: str, policy: AuthPolicy, ring: KeyRing,
                                                good_key: SigningKey) -> None:
    base = message(extra="Reply-To: jane.smith@nhs.net\r\n")
    signed = sign(base, good_key)
    assert judge(signed, policy, ring).authenticated
    # Added on top: dkimpy verifies the bottom copy, while many readers show the top one.
    raw = header.encode() + b"\r\n" + signed
    forged(judge(raw, policy, ring), "an unsigned extra copy was added")


@pytest.mark.parametrize("bad", ["s1._domainkey.example.com;", "s1\x00", "s 1", "../s1", "s1.."])
def test_odd_selector_is_refused_before_any_key_look_up(bad: str, policy: AuthPolicy, ring: KeyRing,
                                                        good_key: SigningKey) -> None:
    raw = sign(message(), good_key).replace(b"s=s1;", f"s={bad};".encode(), 1)
    verdict = judge(raw, policy, ring)
    assert not verdict.authenticated
    assert ring.looked_up == []


def test_odd_domain_is_refused_before_any_key_look_up(policy: AuthPolicy, ring: KeyRing,
                                                      good_key: SigningKey) -> None:
    raw = sign(message(), good_key).replace(b"d=nhs.net;", b"d=nhs.net\\@x;", 1)
    forged(judge(raw, policy, ring), "letters, digits, dots and hyphens")
    assert ring.looked_up == []


def test_missing_key_and_revoked_key(policy: AuthPolicy, good_key: SigningKey) -> None:
    forged(judge(sign(message(), good_key), policy, KeyRing()), "no DKIM key is published")
    revoked = KeyRing(records={"s1._domainkey.nhs.net": b"v=DKIM1; k=rsa; p="})
    forged(judge(sign(message(), good_key), policy, revoked), "revoked")


def test_key_type_must_match_algorithm(policy: AuthPolicy, good_key: SigningKey) -> None:
    swapped = KeyRing(records={"s1._domainkey.nhs.net": ed25519_key().record})
    forged(judge(sign(message(), good_key), policy, swapped), "needs a rsa key")


def test_unsigned_message(policy: AuthPolicy, ring: KeyRing) -> None:
    verdict = judge(message(), policy, ring)
    forged(verdict, "no DKIM signature")
    assert verdict.nhs and verdict.address == "jane.smith@nhs.net"


@pytest.mark.parametrize("header", ["Sender: jane.smith@nhs.net", "Resent-From: jane.smith@nhs.net"])
def test_sender_or_resent_from_without_from(header: str, policy: AuthPolicy, ring: KeyRing,
                                            good_key: SigningKey) -> None:
    raw = message().replace(b"From: Jane Smith <jane.smith@nhs.net>", header.encode())
    verdict = judge(sign(raw, good_key, headers=("from", "sender", "resent-from", "subject", "to")), policy, ring)
    assert verdict.ambiguous and not verdict.authenticated
    assert verdict.problems == (f"there is no From header, only {header.split(':')[0]}",)


def test_temporary_key_failure_asks_for_a_retry(policy: AuthPolicy, good_key: SigningKey) -> None:
    def unavailable(name: str) -> bytes | None:
        raise KeyLookupTemporaryError("DNS timed out")

    verdict = judge(sign(message(), good_key), policy, unavailable)
    assert verdict.temporary_failure and not verdict.authenticated and verdict.method is None
    assert any("could not be fetched (DNS timed out)" in p for p in verdict.problems)


def test_temporary_failure_of_one_key_does_not_matter_when_another_signature_passes(
        policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    def flaky(name: str) -> bytes | None:
        if name.startswith("ed."):
            raise KeyLookupTemporaryError("timeout")
        return ring(name)

    raw = sign(sign(message(), good_key), ed25519_key(), selector="ed")
    verdict = judge(raw, policy, flaky)
    assert verdict.authenticated and not verdict.temporary_failure


def test_misaligned_signature_never_asks_for_a_retry(policy: AuthPolicy, good_key: SigningKey) -> None:
    def unavailable(name: str) -> bytes | None:
        raise KeyLookupTemporaryError("timeout")

    verdict = judge(sign(message(), rsa_key(1024, 1), domain="example.com"), policy, unavailable)
    assert not verdict.temporary_failure and not verdict.authenticated


def test_a_failing_key_lookup_never_raises(policy: AuthPolicy, good_key: SigningKey) -> None:
    def broken(name: str) -> bytes | None:
        raise RuntimeError("bug")

    verdict = judge(sign(message(), good_key), policy, broken)
    assert not verdict.authenticated and not verdict.temporary_failure


def test_message_without_raw_bytes_is_ambiguous(policy: AuthPolicy, ring: KeyRing) -> None:
    verdict = authenticate_sender(object(), policy, ring, now=datetime.now(UTC))
    assert verdict.ambiguous and not verdict.authenticated


def test_dns_work_per_message_is_bounded(policy: AuthPolicy, good_key: SigningKey) -> None:
    asked: list[str] = []

    def slow(name: str) -> bytes | None:
        asked.append(name)
        raise KeyLookupTemporaryError("timeout")

    raw = message()
    for selector in ("a", "b", "c", "d", "a"):
        raw = sign(raw, good_key, selector=selector)
    verdict = judge(raw, policy, slow)
    assert verdict.temporary_failure and not verdict.authenticated
    assert asked == ["a._domainkey.nhs.net", "d._domainkey.nhs.net"]  # top first; then no more DNS waits


def test_each_key_is_fetched_once_per_message(policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    raw = sign(sign(message(), good_key), good_key)
    verdict = judge(raw, policy, ring)
    assert verdict.authenticated and len(verdict.signatures) == 2
    assert ring.looked_up == ["s1._domainkey.nhs.net"]


def test_at_most_eight_signatures_are_checked(policy: AuthPolicy, ring: KeyRing, good_key: SigningKey) -> None:
    raw = sign(message(), good_key)
    for _ in range(9):
        raw = sign(raw, rsa_key(1024, 1), domain="nhs.net", selector="s1")  # wrong key: fails, after a look-up
    verdict = judge(raw, policy, ring)
    assert not verdict.authenticated  # the genuine signature is tenth: never reached
    assert len(verdict.signatures) == 9
    assert verdict.signatures[-1].problem == (
        "not checked, nor 1 more below it (only the first 8 signatures of a message are)")
