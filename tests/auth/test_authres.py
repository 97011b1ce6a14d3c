"""Authentication-Results: only the topmost header, only from a trusted authserv-id, only an aligned pass."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rules.sender import AuthPolicy, SenderVerdict, authenticate_sender
from tests.support.dkim_signing import KeyRing, message

TRUSTED = "mx.pcse.nhs.net"
POLICY = AuthPolicy(nhs_domains=("nhs.net",), trusted_authserv_ids=(TRUSTED,))


def judge(*results: str, from_header: str = "Jane Smith <jane.smith@nhs.net>",
          policy: AuthPolicy = POLICY) -> SenderVerdict:
    head = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    raw = head.encode() + message(from_header)
    return authenticate_sender(SimpleNamespace(raw=raw), policy, KeyRing())


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
