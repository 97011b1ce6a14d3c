"""Who sent a message, and can we believe it (SPEC 4): the one From address, whether it is an NHS address, and
whether a DKIM signature or a trusted Authentication-Results header vouches for its domain.

Reads only the raw bytes of the message (`msg.raw`): the checks need the header block exactly as the DKIM verifier
hashes it, with encoded words, duplicates and route syntax still visible. DNS is injected as KEY_LOOKUP, and the
moment the message is judged at as NOW (a signature's t= and x= are judged against it, never against the clock).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parsers.dkim_body import BodyHash
from parsers.domains import aligned, in_domains
from parsers.from_address import single_from_address
from parsers.raw_headers import RawHeaders, split_message
from rules.authres_check import ResultsVerdict, trusted_results_pass
from rules.dkim_checks import (
    KeyLookup,
    KeyLookupTemporaryError,
    SignatureCheck,
    SignatureResult,
    SignedBy,
    check_signatures,
    signature_facts,
)

__all__ = ["AuthPolicy", "KeyLookup", "KeyLookupTemporaryError", "SenderVerdict", "SignatureCheck", "SignedBy",
           "authenticate_sender"]
# What a signature must cover for a copy of the message not to pass as a new one (SPEC 17).
REPLAY_HEADERS = ("message-id", "date")


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
    # The signatures that vouch for the sender, top first: every DKIM signature that passed, or, when a trusted
    # Authentication-Results header vouches, the one DKIM-Signature it names (none when it names none).
    passing: tuple[SignedBy, ...] = ()

    @property
    def signature(self) -> SignedBy | None:
        """The signature whose h= and b= count (SPEC 17): the first passing one that covers Message-ID and Date,
        else the first passing one."""
        return next((s for s in self.passing if s.covers(*REPLAY_HEADERS)), self.passing[0] if self.passing else None)


def authenticate_sender(msg: Any, policy: AuthPolicy, key_lookup: KeyLookup,
                        body_hashes: Mapping[bool, BodyHash] | None = None, *, now: datetime,
                        headers: RawHeaders | None = None) -> SenderVerdict:
    """The sender verdict for MSG (anything with `raw` bytes) as at NOW. Never raises: what cannot be judged is
    ambiguous or unauthenticated, never authenticated. BODY_HASHES: for a message over the size limit, of which
    `raw` holds only the first part, its body's hashes taken while it went by (rules.dkim_checks.check_signatures).
    HEADERS: split_message of `raw`, when the caller has it already (used only when made of that very object)."""
    try:
        return _authenticate(msg, policy, key_lookup, body_hashes, now, headers)
    except Exception as exc:  # noqa: BLE001 - a bug here must flag the message, not lose it or let it through
        return _ambiguous((f"the sender could not be checked ({exc.__class__.__name__})",))


def _authenticate(msg: Any, policy: AuthPolicy, key_lookup: KeyLookup, body_hashes: Mapping[bool, BodyHash] | None,
                  now: datetime, split: RawHeaders | None) -> SenderVerdict:
    raw = getattr(msg, "raw", None)
    if not isinstance(raw, bytes | bytearray):
        return _ambiguous(("the raw message is not available",))
    raw = bytes(raw)
    headers = split if split is not None and split.raw is raw else split_message(raw)
    sender = single_from_address(headers)
    if sender.address is None or sender.domain is None:
        return _ambiguous(sender.problems)
    domain = sender.domain
    problems: list[str] = []
    results: list[SignatureResult] = []
    if headers.count("DKIM-Signature"):
        results = check_signatures(headers, domain, key_lookup, policy.min_key_bits, body_hashes, now=now)
    else:
        problems.append("the message has no DKIM signature")
    passing = tuple(r.check.signed for r in results if r.check.passed and r.check.signed is not None)
    method = "dkim" if passing else None
    if method is None:
        problems.extend(_describe(r.check) for r in results)
        by_results = trusted_results_pass(headers, domain, policy.trusted_authserv_ids)
        if by_results.passed:
            method = "authentication-results"
            named, problem = _named_signature(headers, domain, by_results)
            passing = (named,) if named is not None else ()
            if problem:
                problems.append(problem)
        elif by_results.problem:
            problems.append(by_results.problem)
    temporary = method is None and any(r.temporary for r in results)
    return SenderVerdict(
        address=sender.address, domain=domain, ambiguous=False, nhs=in_domains(domain, policy.nhs_domains),
        authenticated=method is not None, temporary_failure=temporary, method=method,
        problems=tuple(problems), signatures=tuple(r.check for r in results), passing=passing)


def _named_signature(headers: RawHeaders, from_domain: str,
                     results: ResultsVerdict) -> tuple[SignedBy | None, str | None]:
    """The DKIM-Signature a trusted Authentication-Results pass names: the one whose b= starts with its header.b=,
    else the one whose d= is aligned with the From domain (and equal to its header.d=, when it gives one). Exactly
    one, or none: a sender may add look-alike signatures below our server's header, and a guess could pick theirs.
    """
    found = [f for f in (signature_facts(field) for field in headers.named("DKIM-Signature")) if f is not None]
    if results.signature_d:
        found = [f for f in found if f.domain == results.signature_d]
    prefix = "".join((results.signature_b or "").split())
    if prefix:
        found = [f for f in found if f.b.startswith(prefix)]
        how = f"whose b= starts with {prefix[:12]}"
    else:
        found = [f for f in found if aligned(f.domain, from_domain)]
        how = f"aligned with {from_domain}"
    if len(found) == 1:
        return found[0], None
    count = "no" if not found else f"{len(found)}"
    return None, (f"the trusted Authentication-Results header vouches for the sender, but the message has {count} "
                  f"DKIM-Signature headers {how}, so which signature counts cannot be told")


def _describe(check: SignatureCheck) -> str:
    return f"DKIM signature by {check.domain} (selector {check.selector}): {check.problem}"


def _ambiguous(problems: tuple[str, ...]) -> SenderVerdict:
    return SenderVerdict(address=None, domain=None, ambiguous=True, nhs=False, authenticated=False,
                         temporary_failure=False, method=None, problems=problems or ("the sender is ambiguous",),
                         signatures=())
