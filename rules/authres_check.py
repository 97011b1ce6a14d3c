"""Does a trusted Authentication-Results header vouch for the From domain (SPEC 4)?

Anyone can write an Authentication-Results header into a message, with any authserv-id. Only the receiving servers
named in `[auth] trusted_authserv_ids` are believed, and only when their header is the topmost of all: our own
server adds its header last, above everything the sender wrote, so a trusted-looking header below an untrusted one
(or below nothing of ours) is the sender's and counts for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import authres

from parsers.domains import aligned, normalise_domain
from parsers.raw_headers import RawHeaders


@dataclass(frozen=True)
class ResultsVerdict:
    passed: bool
    problem: str | None  # for staff; None when there was nothing to judge
    # The DKIM signature the passing header names (SPEC 17): its header.b= (the first characters of its b= value)
    # and header.d=, from an aligned dkim=pass in the same header; None when the header names none.
    signature_b: str | None = None
    signature_d: str | None = None


def trusted_results_pass(headers: RawHeaders, from_domain: str, trusted_ids: tuple[str, ...]) -> ResultsVerdict:
    """Passed when the topmost Authentication-Results is from a trusted authserv-id and reports dmarc=pass for
    FROM_DOMAIN or a dkim=pass whose header.d (or header.i) is aligned with it."""
    fields = headers.named("Authentication-Results")
    trusted = {t.strip().lower() for t in trusted_ids if t.strip()}
    if not fields or not trusted:
        return ResultsVerdict(False, None)
    try:
        top = authres.AuthenticationResultsHeader.parse_value(fields[0].unfolded.decode("utf-8"))
        authserv_id = str(top.authserv_id).lower()
    except Exception:  # noqa: BLE001 - authres raises many types on hostile input
        return ResultsVerdict(False, "the topmost Authentication-Results header cannot be read")
    if authserv_id not in trusted:
        shown = authserv_id[:60]
        return ResultsVerdict(False, f"the topmost Authentication-Results header is from {shown!r}, which is not "
                                     "trusted (headers below it may have been written by the sender)")
    if any(_vouches(result, from_domain) for result in top.results):
        named = next((r for r in top.results if _method(r) == "dkim" and _vouches(r, from_domain)), None)
        properties = _properties(named) if named is not None else {}
        return ResultsVerdict(True, None, signature_b=properties.get(("header", "b")) or None,
                              signature_d=_signer(properties) or None)
    return ResultsVerdict(False, f"the trusted Authentication-Results from {authserv_id} reports neither "
                                 f"dmarc=pass nor an aligned dkim=pass for {from_domain}")


def _method(result: Any) -> str:
    return str(getattr(result, "method", "")).lower()


def _properties(result: Any) -> dict[tuple[str, str], str]:
    return {(str(p.type).lower(), str(p.name).lower()): str(p.value) for p in (result.properties or [])}


def _signer(properties: dict[tuple[str, str], str]) -> str:
    return (properties.get(("header", "d")) or properties.get(("header", "i"), "").rpartition("@")[2]).lower()


def _vouches(result: Any, from_domain: str) -> bool:
    method = _method(result)
    if str(getattr(result, "result", "")).lower() != "pass":
        return False
    properties = _properties(result)
    if method == "dmarc":
        header_from = properties.get(("header", "from"))
        return header_from is not None and normalise_domain(header_from) == from_domain
    if method == "dkim":
        signer = _signer(properties)
        return bool(signer) and aligned(signer, from_domain)
    return False
