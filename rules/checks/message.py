"""Checks on the message as a whole: seen before, automatic, too large, stale, too many replies today."""

from __future__ import annotations

from datetime import timedelta

from rules.check import Verdict, check, failed, passed, skipped
from rules.context import CheckContext


@check("message.first_sighting", "The message has not been handled before.")
def not_duplicate(ctx: CheckContext) -> Verdict:
    if ctx.message.duplicate_of:
        return failed("message.duplicate", f"The same message was handled before, as {ctx.message.duplicate_of}.")
    return passed()


# The classifier tells automatic mail (auto-replies, bounces, lists, bulk) by its headers, and its kind is then
# `automatic`: that kind's chain records the failure (and stops), every other kind's records the pass.
@check("message.human", "The message is not automatic mail (auto-reply, bounce, list or bulk mail).")
def not_automatic(ctx: CheckContext) -> Verdict:
    return passed()


@check("message.human", "The message is not automatic mail (auto-reply, bounce, list or bulk mail).")
def automatic(ctx: CheckContext) -> Verdict:
    return failed("message.automatic", "Automatic mail: " + ("; ".join(ctx.message.notes) or "by its headers."))


@check("message.size", "The message is within the size limit.")
def within_size(ctx: CheckContext) -> Verdict:
    limit = ctx.policy.max_message_bytes
    if ctx.message.size > limit:
        return failed("message.too_large", f"The message is {ctx.message.size:,} bytes; the limit is {limit:,}.")
    return passed()


@check("message.date", "The Date header is recent and not in the future.")
def recent(ctx: CheckContext) -> Verdict:
    date = ctx.message.date
    if date is None:
        return passed("The message has no readable Date header; its arrival time is used.")
    if date < ctx.now - timedelta(days=ctx.policy.max_age_days):
        return failed("message.stale",
                      f"Dated {date:%d/%m/%Y %H:%M} UTC, more than {ctx.policy.max_age_days} days ago.")
    if date > ctx.now + timedelta(days=1):
        return failed("message.stale", f"Dated {date:%d/%m/%Y %H:%M} UTC, more than a day in the future.")
    return passed()


@check("reply.rate", "This address has not had too many automatic replies today.")
def reply_rate(ctx: CheckContext) -> Verdict:
    if ctx.sender.ambiguous or not ctx.sender.authenticated:
        return skipped("No reply goes to this sender anyway.")
    sent, limit = ctx.message.replies_to_sender_today, ctx.policy.replies_per_sender_per_day
    if sent >= limit:
        return failed("reply.rate_limited", f"{sent} automatic replies went to {ctx.sender.address} today; "
                                            f"the limit is {limit}.")
    return passed()
