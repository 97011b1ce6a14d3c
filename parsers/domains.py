"""Domain names for sender checks: one strict normal form, exact membership, and DMARC relaxed alignment.

The normal form is lower-case A-labels (IDNA 2008). Mapping look-alike characters onto ASCII (UTS 46, as browsers do)
is deliberately not applied: a From domain written in full-width letters is not a domain anyone registered, so it is
treated as invalid rather than silently becoming `nhs.net`.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import idna
from publicsuffixlist import PublicSuffixList

_DKIM_DOMAIN = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")


def normalise_domain(domain: str) -> str | None:
    """DOMAIN as lower-case A-labels without a trailing dot; None when it is not a valid IDNA 2008 domain name."""
    if len(domain) > 253:  # (lower-casing never shortens a name) too long for the cache below to keep
        return None
    return _normalised(domain)


# The same few domains come round in every message (nhs.net, the signing and From domains), and IDNA encoding
# them again cost more than the rest of the sender checks. Bounded, as senders choose the names.
@lru_cache(maxsize=1024)
def _normalised(domain: str) -> str | None:
    lowered = domain.lower()
    if not lowered or lowered.endswith(".") or len(lowered) > 253:
        return None
    try:
        encoded = idna.encode(lowered, uts46=False).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return None
    return encoded if "." in encoded else None


def is_dkim_token(value: str) -> bool:
    """True when a DKIM d= or s= value holds only letters, digits, hyphens and single dots (checked before any
    key look-up, so a signature can never steer the look-up to a name of the sender's making)."""
    return len(value) <= 253 and _DKIM_DOMAIN.fullmatch(value) is not None


def in_domains(domain: str | None, domains: tuple[str, ...] | frozenset[str]) -> bool:
    """True when DOMAIN (already normalised) is exactly one of DOMAINS (normalised here); never by suffix."""
    return domain is not None and domain in {normalise_domain(d) for d in domains}


@cache
def _public_suffixes() -> PublicSuffixList:
    # The list ships inside the package (no network); loading it once costs ~40 ms.
    return PublicSuffixList()


def organisational_domain(domain: str) -> str | None:
    """The registrable domain of DOMAIN (RFC 7489 3.2), or None when DOMAIN is itself a public suffix."""
    found = _public_suffixes().privatesuffix(domain)
    return str(found) if found else None


def aligned(signing_domain: str, from_domain: str) -> bool:
    """DMARC relaxed alignment (RFC 7489 3.1.1): both names, normalised, share an organisational domain."""
    signing = normalise_domain(signing_domain)
    author = normalise_domain(from_domain)
    if signing is None or author is None:
        return False
    if signing == author:
        return True
    org = organisational_domain(author)
    return org is not None and org == organisational_domain(signing)
