"""Authentication-Results: only the topmost header, only from a trusted authserv-id, only an aligned pass."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from rules.sender import AuthPolicy, SenderVerdict, authenticate_sender
from tests.support.dkim_signing import KeyRing, message, rsa_key, sign, signature_b

TRUSTED = "mx.pcse.nhs.net"
POLICY = AuthPolicy(nhs_domains=("nhs.net",), trusted_authserv_ids=(TRUSTED,))


def judge(*results: str, from_header: str = "Jane Smith <jane.smith@nhs.net>",
          policy: AuthPolicy = POLICY) -> SenderVerdict:
    head = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    raw = head.encode() + message(from_header)
    return authenticate_sender(SimpleNamespace(raw=raw), policy, KeyRing(), now=datetime.now(UTC))


@pytest.mark.parametrize("result", [
    f"{TRUSTED}; dmarc=pass (p=reject) header.from=nhs.net",
    f"{TRUSTED}; dmarc=pass header.from=NHS.NET",
    f"{TRUSTED}; spf=fail smtp.mailfrom=x.com; dkim=pass header.d=nhs.net header.s=s1",
    f"{TRUSTED}; dkim=pass header.i=@mail.nhs.net",
    f"{TRUSTED.upper()} 1; dkim=pass (2048-bit key) header.d=nhs.net",
    f"{TRUSTED};\r\n dkim=fail header.d=nhs.net;\r\n dmarc=pass header.from=nhs.net",
])
def test_trusted_pass_authenticates(result: str) -> None:
    verdict = judge(result)
    assert verdict.authenticated and verdict.method == "authentication-results" and verdict.nhs


@pytest.mark.parametrize(("results", "problem"), [
    ((f"{TRUSTED}; dmarc=fail header.from=nhs.net",), "reports neither dmarc=pass nor an aligned dkim=pass"),
    ((f"{TRUSTED}; dmarc=pass",), "reports neither"),
    ((f"{TRUSTED}; dmarc=pass header.from=example.com",), "reports neither"),
    ((f"{TRUSTED}; dkim=pass header.d=example.com",), "reports neither"),
    ((f"{TRUSTED}; spf=pass smtp.mailfrom=nhs.net",), "reports neither"),
    ((f"{TRUSTED}; none",), "reports neither"),
    # A sender's own header, with an authserv-id it made up:
    (("mx.evil.example; dmarc=pass header.from=nhs.net",), "from 'mx.evil.example', which is not trusted"),
    # A trusted id forged by the sender below an untrusted topmost header counts for nothing:
    (("mx.relay.example; none", f"{TRUSTED}; dmarc=pass header.from=nhs.net"), "which is not trusted"),
    # Only the topmost trusted header counts, not a pass the sender wrote below it:
    ((f"{TRUSTED}; dmarc=fail header.from=nhs.net", f"{TRUSTED}; dmarc=pass header.from=nhs.net"),
     "reports neither"),
    (("; ; ;",), "cannot be read"),
])
def test_untrusted_or_failing_results_do_not_authenticate(results: tuple[str, ...], problem: str) -> None:
    verdict = judge(*results)
    assert not verdict.authenticated and not verdict.temporary_failure
    assert any(problem in p for p in verdict.problems), verdict.problems


def test_no_trusted_ids_configured_means_results_are_ignored() -> None:
    verdict = judge(f"{TRUSTED}; dmarc=pass header.from=nhs.net", policy=AuthPolicy(nhs_domains=("nhs.net",)))
    assert not verdict.authenticated


def test_results_for_another_domain_do_not_vouch_for_a_lookalike_from() -> None:
    verdict = judge(f"{TRUSTED}; dmarc=pass header.from=nhs.net", from_header="Jane <jane@nhs-net.com>")
    assert not verdict.authenticated and not verdict.nhs


def test_results_never_rescue_an_ambiguous_sender() -> None:
    verdict = judge(f"{TRUSTED}; dmarc=pass header.from=nhs.net", from_header="a@nhs.net, b@nhs.net")
    assert verdict.ambiguous and not verdict.authenticated


def test_policy_from_config_section() -> None:
    from mailbot.config import AuthSection

    policy = AuthPolicy.from_config(AuthSection(nhs_domains=["nhs.net", "nhs.uk"], trusted_authserv_ids=[TRUSTED]))
    assert policy == AuthPolicy(nhs_domains=("nhs.net", "nhs.uk"), trusted_authserv_ids=(TRUSTED,))


def _signed_then_reported(*results: str, headers: tuple[str, ...] = ("from", "to", "subject", "date",
                                                                     "message-id")) -> tuple[bytes, str]:
    """A message signed by nhs.net (a real signature, whose key we do not hold: as after a gateway that re-encoded
    the body) below our trusted server's Authentication-Results; RESULTS may use {b} for the signature's b=."""
    signed = sign(message(), rsa_key(), headers=headers)
    b_value = signature_b(signed)
    head = "".join(f"Authentication-Results: {r.format(b=b_value[:12])}\r\n" for r in results)
    return head.encode() + signed, b_value


def test_a_trusted_pass_names_the_signature_whose_h_and_b_count() -> None:
    raw, b_value = _signed_then_reported(f"{TRUSTED}; dkim=pass header.d=nhs.net header.b={{b}}")
    verdict = authenticate_sender(SimpleNamespace(raw=raw), POLICY, KeyRing(), now=datetime.now(UTC))
    assert verdict.method == "authentication-results"
    assert verdict.signature is not None and verdict.signature.b == b_value
    assert verdict.signature.covers("message-id", "date")


def test_a_dmarc_pass_names_the_one_aligned_signature() -> None:
    raw, b_value = _signed_then_reported(f"{TRUSTED}; dmarc=pass header.from=nhs.net",
                                         headers=("from", "to", "subject"))
    verdict = authenticate_sender(SimpleNamespace(raw=raw), POLICY, KeyRing(), now=datetime.now(UTC))
    assert verdict.authenticated and verdict.signature is not None and verdict.signature.b == b_value
    assert not verdict.signature.covers("message-id", "date")


def test_a_look_alike_signature_added_by_the_sender_leaves_no_signature_named() -> None:
    raw, b_value = _signed_then_reported(f"{TRUSTED}; dkim=pass header.d=nhs.net header.b={{b}}",
                                         headers=("from", "to", "subject"))
    top, rest = raw.split(b"DKIM-Signature:", 1)
    fake = (f"DKIM-Signature: v=1; a=rsa-sha256; d=nhs.net; s=s1; c=relaxed/relaxed; "
            f"h=from:to:subject:date:message-id; bh=x; b={b_value[:12]}forged\r\n")
    verdict = authenticate_sender(SimpleNamespace(raw=top + fake.encode() + b"DKIM-Signature:" + rest), POLICY,
                                  KeyRing(), now=datetime.now(UTC))
    assert verdict.authenticated and verdict.passing == ()
    assert any("which signature counts cannot be told" in p for p in verdict.problems)


def test_a_trusted_pass_with_no_dkim_signature_names_none() -> None:
    verdict = judge(f"{TRUSTED}; dmarc=pass header.from=nhs.net")
    assert verdict.authenticated and verdict.passing == () and verdict.signature is None
