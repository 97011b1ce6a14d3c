"""Who sent a message, and can we believe it (SPEC 4): the one From address, whether it is an NHS address, and
whether a DKIM signature or a trusted Authentication-Results header vouches for its domain.

Reads only the raw bytes of the message (`msg.raw`): the checks need the header block exactly as the DKIM verifier
hashes it, with encoded words, duplicates and route syntax still visible. DNS is injected as KEY_LOOKUP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rules.authres_check import trusted_results_pass
from rules.dkim_checks import (
    KeyLookup,
    KeyLookupTemporaryError,
    SignatureCheck,
    SignatureResult,
    check_signatures,
)
from rules.domains import in_domains
from rules.from_address import single_from_address
from rules.raw_headers import split_message

__all__ = ["AuthPolicy", "KeyLookup", "KeyLookupTemporaryError", "SenderVerdict", "SignatureCheck",
           "authenticate_sender"]


@dataclass(frozen=True)
class AuthPolicy:
    nhs_domains: tuple[str, ...]
    trusted_authserv_ids: tuple[str, ...] = ()
    min_key_bits: int = 1024

    @classmethod
    def from_config(cls, auth: Any) -> AuthPolicy:
        """The policy of a config's [auth] section (attributes nhs_domains and trusted_authserv_ids)."""
        return cls(nhs_domains=tuple(auth.nhs_domains), trusted_authserv_ids=tuple(auth.trusted_authserv_ids))


@dataclass(frozen=True)
class SenderVerdict:
    address: str | None  # the single From address, domain normalised; None when ambiguous
    domain: str | None
    ambiguous: bool
    nhs: bool  # domain exactly one of policy.nhs_domains
    authenticated: bool  # a DKIM signature passing all our rules, or a trusted Authentication-Results pass
    temporary_failure: bool  # a key look-up failed for now and nothing else authenticated: try again later
    method: str | None  # "dkim" | "authentication-results" | None
    problems: tuple[str, ...]  # plain English, for staff
    signatures: tuple[SignatureCheck, ...]


def authenticate_sender(msg: Any, policy: AuthPolicy, key_lookup: KeyLookup) -> SenderVerdict:
    """The sender verdict for MSG (anything with `raw` bytes). Never raises: what cannot be judged is ambiguous or
    unauthenticated, never authenticated."""
    try:
        return _authenticate(msg, policy, key_lookup)
    except Exception as exc:  # noqa: BLE001 - a bug here must flag the message, not lose it or let it through
        return _ambiguous((f"the sender could not be checked ({exc.__class__.__name__})",))


def _authenticate(msg: Any, policy: AuthPolicy, key_lookup: KeyLookup) -> SenderVerdict:
    raw = getattr(msg, "raw", None)
    if not isinstance(raw, bytes | bytearray):
        return _ambiguous(("the raw message is not available",))
    raw = bytes(raw)
    headers = split_message(raw)
    sender = single_from_address(headers)
    if sender.address is None or sender.domain is None:
        return _ambiguous(sender.problems)
    domain = sender.domain
    problems: list[str] = []
    results: list[SignatureResult] = []
    if headers.count("DKIM-Signature"):
        results = check_signatures(raw, headers, domain, key_lookup, policy.min_key_bits)
    else:
        problems.append("the message has no DKIM signature")
    method = "dkim" if any(r.check.passed for r in results) else None
    if method is None:
        problems.extend(_describe(r.check) for r in results)
        by_results = trusted_results_pass(headers, domain, policy.trusted_authserv_ids)
        if by_results.passed:
            method = "authentication-results"
        elif by_results.problem:
            problems.append(by_results.problem)
    temporary = method is None and any(r.temporary for r in results)
    return SenderVerdict(
        address=sender.address, domain=domain, ambiguous=False, nhs=in_domains(domain, policy.nhs_domains),
        authenticated=method is not None, temporary_failure=temporary, method=method,
        problems=tuple(problems), signatures=tuple(r.check for r in results))


def _describe(check: SignatureCheck) -> str:
    return f"DKIM signature by {check.domain} (selector {check.selector}): {check.problem}"


def _ambiguous(problems: tuple[str, ...]) -> SenderVerdict:
    return SenderVerdict(address=None, domain=None, ambiguous=True, nhs=False, authenticated=False,
                         temporary_failure=False, method=None, problems=problems or ("the sender is ambiguous",),
                         signatures=())
