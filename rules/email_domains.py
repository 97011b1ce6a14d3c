"""Is an account holder's address in one of a set of domains (SPEC 5 and 8: secure domains for new users and
temporary passwords). The same strict normal form as the sender checks (parsers.domains), so the NHS-sender and
secure-address checks can never disagree about what a domain is; exact, never by suffix."""

from __future__ import annotations

from parsers import domains
from parsers.from_address import is_dot_atom


def domain_of(address: str) -> str | None:
    """The normalised domain of ADDRESS when it is one plain address (local@domain, the local part a dot-atom);
    else None. A form field can hold anything: "evil,sam@nhs.net" ends in @nhs.net but is two recipients."""
    if address.count("@") != 1:
        return None
    local, domain = address.strip().rsplit("@", 1)
    return domains.normalise_domain(domain) if is_dot_atom(local) else None


def in_domains(address: str, allowed: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
    return domains.in_domains(domain_of(address), frozenset(allowed))
