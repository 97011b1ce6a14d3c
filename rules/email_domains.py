"""Is an address in one of a set of domains: exact, after lower-casing and IDNA normalising, never by suffix."""

from __future__ import annotations

import idna


def normalise_domain(domain: str) -> str | None:
    """The domain as ASCII (A-labels), lower-case, without a trailing dot; None when it is not a valid domain."""
    domain = domain.strip().rstrip(".").lower()
    if not domain:
        return None
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None


def domain_of(address: str) -> str | None:
    if address.count("@") != 1:
        return None
    local, domain = address.rsplit("@", 1)
    return normalise_domain(domain) if local else None


def in_domains(address: str, domains: frozenset[str] | set[str]) -> bool:
    domain = domain_of(address)
    return domain is not None and domain in {normalise_domain(d) for d in domains}
