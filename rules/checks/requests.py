"""Checks that the message says enough to act on: a complete permission request or notice, a known case."""

from __future__ import annotations

from rules.check import Verdict, check, failed, passed, skipped
from rules.context import CheckContext
from rules.requests import NewUserNotice, PermissionRequest


@check("permission.complete", "The request names an organisation, a user and at least one application.")
def permission_complete(ctx: CheckContext) -> Verdict:
    request = ctx.request
    if not isinstance(request, PermissionRequest):
        return failed("request.unclear", "The message could not be read as a permission request.")
    missing = [label for label, value in (("organisation code", request.org_code), ("user", request.user),
                                          ("applications", request.applications)) if not value]
    if missing:
        why = (" Not understood: " + "; ".join(request.not_understood) + ".") if request.not_understood else ""
        return failed("request.unclear", "The request does not say for sure: " + ", ".join(missing) + "." + why,
                      missing=missing, not_understood=list(request.not_understood))
    return passed()


@check("notice.complete", "The notice names the organisation, the new user, their address and the creator.")
def notice_complete(ctx: CheckContext) -> Verdict:
    notice = ctx.request
    if not isinstance(notice, NewUserNotice):
        return failed("request.unclear", "The message could not be read as an Open Exeter new-user notice.")
    missing = [label for label, value in (("Organisation", notice.org_code), ("Username", notice.username),
                                          ("Email", notice.email), ("Created by", notice.created_by)) if not value]
    if missing:
        return failed("request.unclear", "The notice lacks: " + ", ".join(missing) + ".", missing=missing)
    return passed()


@check("notice.creator", "The creator is an active Primary User of the organisation.")
def creator_is_primary(ctx: CheckContext) -> Verdict:
    notice, org = ctx.request, ctx.register.org
    if not isinstance(notice, NewUserNotice) or org is None or not notice.created_by:
        return skipped("No notice, no creator, or the organisation is not known.")
    if "@" not in notice.created_by:
        return failed("notification.creator_not_primary", f"{notice.created_by!r} is not an email address: the "
                                                          "creator is matched by email address only.")
    creator = org.user_by_email(notice.created_by)
    if creator is None or not (creator.active and creator.primary):
        return failed("notification.creator_not_primary", f"{notice.created_by} is not an active Primary User "
                                                          f"of {org.code}.")
    return passed(f"Created by {creator.full_name}, a Primary User.")


@check("request.understood", "What the message asks for can be told.")
def understood(ctx: CheckContext) -> Verdict:
    if ctx.message.encrypted:
        return failed("request.unclear", "The message is encrypted (S/MIME), so the mailbot cannot read it: open it "
                                         "in the mailbox (with its certificate) or ask the sender to send it again "
                                         "without encryption.", encrypted=True)
    return failed("request.unclear", "The message is not a form, a permission request, a notice or a question "
                                     "the guides answer.")


@check("follow_up.case", "The case the follow-up names exists.")
def follow_up_case(ctx: CheckContext) -> Verdict:
    if not ctx.follow_up_of:
        return skipped("No case named.")
    if not ctx.follow_up_case_found:
        return failed("request.unclear", f"The message names case {ctx.follow_up_of}, which does not exist.")
    if not ctx.follow_up_from:
        # Anyone can quote a reference: only the case's own people (authenticated) put it back in the queue.
        return passed(f"Names case {ctx.follow_up_of}, but is not an authenticated message from its sender, "
                      "signatory or nominee: kept as a case of its own, linked to it.")
    return passed(f"Added to case {ctx.follow_up_of} (from its {ctx.follow_up_from}).")
