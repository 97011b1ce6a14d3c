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

from rules.domains import aligned, normalise_domain
from rules.raw_headers import RawHeaders


@dataclass(frozen=True)
class ResultsVerdict:
    passed: bool
    problem: str | None  # for staff; None when there was nothing to judge


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
    for result in top.results:
        if _vouches(result, from_domain):
            return ResultsVerdict(True, None)
    return ResultsVerdict(False, f"the trusted Authentication-Results from {authserv_id} reports neither "
                                 f"dmarc=pass nor an aligned dkim=pass for {from_domain}")


def _vouches(result: Any, from_domain: str) -> bool:
    method = str(getattr(result, "method", "")).lower()
    if str(getattr(result, "result", "")).lower() != "pass":
        return False
    properties = {(str(p.type).lower(), str(p.name).lower()): str(p.value) for p in (result.properties or [])}
    if method == "dmarc":
        header_from = properties.get(("header", "from"))
        return header_from is not None and normalise_domain(header_from) == from_domain
    if method == "dkim":
        signer = properties.get(("header", "d")) or properties.get(("header", "i"), "").rpartition("@")[2]
        return bool(signer) and aligned(signer, from_domain)
    return False
