"""Checks on who sent the message (SPEC 4); the verdict itself comes from rules.sender."""

from __future__ import annotations

from parsers.domains import normalise_domain
from parsers.vocabulary.outcomes import Outcome
from rules.check import Verdict, check, failed, passed, skipped
from rules.context import CheckContext
from rules.dkim_checks import SignedBy


@check("sender.unambiguous", "Exactly one From header holding exactly one address.")
def unambiguous(ctx: CheckContext) -> Verdict:
    if ctx.sender.ambiguous:
        return failed("sender.ambiguous", "; ".join(ctx.sender.problems) or "The sender cannot be told for certain.")
    return passed(f"From {ctx.sender.address}.")


@check("sender.authenticated", "A DKIM signature aligned with the From domain, or a trusted Authentication-Results.")
def authenticated(ctx: CheckContext) -> Verdict:
    if ctx.sender.ambiguous:
        return skipped("The sender is ambiguous.")
    if not ctx.sender.authenticated:
        detail = "; ".join(ctx.sender.problems) or "no aligned signature and no trusted result"
        return failed("sender.unauthenticated", f"Not authenticated: {detail}.")
    return passed(f"Authenticated by {ctx.sender.method}.")


@check("sender.nhs", "The From address is in one of the NHS domains.")
def nhs_address(ctx: CheckContext) -> Verdict:
    if ctx.sender.ambiguous:
        return skipped("The sender is ambiguous.")
    if not ctx.sender.nhs:
        # A signed form from elsewhere may still be genuine: a person looks at it (the permission chain rejects).
        return failed("sender.not_nhs", f"{ctx.sender.address} is not in an NHS domain "
                                        f"({', '.join(sorted(ctx.policy.nhs_domains))}).", outcome=Outcome.FLAGGED)
    return passed()


@check("sender.openexeter", "The notice comes from Open Exeter's system address.")
def from_openexeter(ctx: CheckContext) -> Verdict:
    if ctx.sender.ambiguous:
        return skipped("The sender is ambiguous.")
    if (ctx.sender.address or "").lower() != ctx.policy.system_address.lower():
        return failed("sender.unauthenticated", f"A new-user notice from {ctx.sender.address}, not from "
                                                f"{ctx.policy.system_address}.")
    return passed()


def system_domain(ctx: CheckContext) -> str | None:
    return normalise_domain(ctx.policy.system_address.rpartition("@")[2])


def vouching_signatures(ctx: CheckContext) -> tuple[SignedBy, ...]:
    """Every signature that vouches for the sender."""
    return tuple(ctx.sender.passing)


def system_signatures(ctx: CheckContext) -> tuple[SignedBy, ...]:
    """The signatures that count for an Open Exeter notice: only those by the system address's own domain (strict
    alignment, SPEC 7)."""
    return tuple(s for s in ctx.sender.passing if s.domain == system_domain(ctx))


@check("sender.openexeter_signature", "The notice is signed by the system address's own domain (strict alignment).")
def system_signature(ctx: CheckContext) -> Verdict:
    if ctx.sender.ambiguous or not ctx.sender.authenticated:
        return skipped("No signature vouches for the sender.")
    if system_signatures(ctx):
        return passed(f"Signed by {system_domain(ctx)} itself.")
    signers = ", ".join(sorted({s.domain for s in ctx.sender.passing})) or "no signature the message names"
    return failed("sender.unauthenticated", f"The notice is vouched for by {signers}, not by {system_domain(ctx)} "
                                            "itself: a sub-domain's signature does not count for the system "
                                            "address (strict alignment).")
