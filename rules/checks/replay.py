"""Checks for a message that would change accounts (SPEC 17): it says when it was sent, a copy of it cannot pass as
a new message, and it was sent to this mailbox.

A signature that does not cover Message-ID and Date still verifies when a copy is sent again under a new
Message-ID or with no Date, so it cannot tell a request from a replay of it. A signed message sent to someone else
can be passed on to us by whoever received it; only the sender's choice of recipients says it was meant for us.
"""

from __future__ import annotations

from collections.abc import Callable

from parsers.recipients import RECIPIENT_FIELDS
from rules.check import Check, Verdict, check, failed, passed, skipped
from rules.checks.sender import system_signatures, vouching_signatures
from rules.context import CheckContext
from rules.dkim_checks import SignedBy
from rules.sender import REPLAY_HEADERS


@check("message.dated", "The message says when it was sent (a Date header).")
def dated(ctx: CheckContext) -> Verdict:
    if ctx.message.date is None:
        return failed("message.stale", "The message has no readable Date header: a request that changes accounts "
                                       "must say when it was sent.")
    return passed()


def counting_signature(ctx: CheckContext, which: Callable[[CheckContext], tuple[SignedBy, ...]] = vouching_signatures
                       ) -> SignedBy | None:
    """The signature whose h= counts, of those WHICH gives: the first that covers Message-ID and Date, else the
    first."""
    found = which(ctx)
    return next((s for s in found if s.covers(*REPLAY_HEADERS)), found[0] if found else None)


def signature_checks(which: Callable[[CheckContext], tuple[SignedBy, ...]]) -> tuple[Check, Check]:
    """The checks that rest on the signature vouching for the sender (replay safety and the recipients it covers),
    where WHICH gives the message's signatures that count (the chain's choice: any aligned one, or for an
    Open Exeter notice only the system domain's own)."""

    @check("message.replay_safe", "The signature that vouches for the sender covers Message-ID and Date.")
    def replay_safe(ctx: CheckContext) -> Verdict:
        if ctx.sender.ambiguous or not ctx.sender.authenticated:
            return skipped("No signature vouches for the sender.")
        signature = counting_signature(ctx, which)
        if signature is None and ctx.sender.passing:
            return skipped("No signature by the system address's own domain (see the strict alignment check).")
        if signature is None:
            return failed("message.replay_unsafe", "Authentication rests on a trusted Authentication-Results header "
                                                   "that names no single DKIM-Signature of the message, so a copy "
                                                   "cannot be told from the original.")
        missing = [name for name in REPLAY_HEADERS if not signature.covers(name)]
        if missing:
            names = " and ".join("Message-ID" if n == "message-id" else n.capitalize() for n in missing)
            return failed("message.replay_unsafe", f"The signature by {signature.domain} does not cover {names}: a "
                                                   "copy sent again could pass as a new message.",
                          signed=list(signature.headers))
        return passed(f"Signed by {signature.domain}, covering Message-ID and Date.")

    def counted_recipients(ctx: CheckContext) -> tuple[str, ...]:
        """The To and Cc addresses that count: where the signature covers To or Cc, only the fields it covers (a
        recipient can add an unsigned Cc); where it covers neither (Microsoft 365 signs neither), all of them."""
        signature = counting_signature(ctx, which)
        signed = {f for f in RECIPIENT_FIELDS if signature is not None and signature.covers(f)}
        return tuple(address for field, address in ctx.message.recipients if not signed or field in signed)

    @check("message.addressed", "The message was sent to this mailbox (its address in To or Cc).")
    def addressed(ctx: CheckContext) -> Verdict:
        ours = ctx.policy.mailbox_addresses
        counted = counted_recipients(ctx)
        if ours & set(counted):
            return passed()
        shown = ", ".join(counted[:5]) + (" ..." if len(counted) > 5 else "") if counted else "nobody"
        return failed("message.not_addressed", f"Sent to {shown}, not to this mailbox ({', '.join(sorted(ours))}): "
                                               "a signed message passed on by one of its recipients is not a request "
                                               "to PCSE.", recipients=list(counted[:20]))

    return replay_safe, addressed


replay_safe, addressed = signature_checks(vouching_signatures)
notice_replay_safe, notice_addressed = signature_checks(system_signatures)


@check("message.names_case_signed", "The header that names the case this answers is one the signature covers.")
def names_case_signed(ctx: CheckContext) -> Verdict:
    # A signature that covers neither the subject nor In-Reply-To/References still verifies when they are added or
    # changed: a signed "Yes" the signatory sent about something else could be pointed at any waiting case.
    if ctx.sender.ambiguous or not ctx.sender.authenticated:
        return skipped("No signature vouches for the sender.")
    signature = counting_signature(ctx)
    if signature is None:
        return skipped("No single signature counts (see the replay check).")
    named_by = ctx.follow_up_named_by
    if any(signature.covers(header) for header in named_by):
        return passed(f"The case is named in {', '.join(h for h in named_by if signature.covers(h))}, which "
                      f"{signature.domain}'s signature covers.")
    shown = ", ".join(named_by) or "no header"
    return failed("message.replay_unsafe", f"The case {ctx.follow_up_of or ''} is named only in {shown}, which the "
                                           f"signature by {signature.domain} does not cover: a signed message about "
                                           "something else could have been pointed at this case.",
                  named_by=list(named_by), signed=list(signature.headers))
