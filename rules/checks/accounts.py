"""Checks on the account being created or changed: a secure address, an active user, known applications."""

from __future__ import annotations

from parsers.app_names import judge, suggestion
from parsers.vocabulary.outcomes import Outcome
from parsers.vocabulary.roles import ORGANISATION_MAINTENANCE
from rules.check import Verdict, check, failed, passed, skipped
from rules.context import CheckContext
from rules.email_domains import in_domains
from rules.requests import NewUserNotice, PermissionRequest, PrimaryUserRequest


def _account_email(ctx: CheckContext) -> str:
    if isinstance(ctx.request, PrimaryUserRequest):
        return ctx.request.pu_email
    if isinstance(ctx.request, NewUserNotice):
        return ctx.request.email
    return ""


@check("account.email_secure", "The account holder's address is in a secure domain.")
def email_secure(ctx: CheckContext) -> Verdict:
    email = _account_email(ctx)
    if not email:
        return skipped("No address given.")
    if not in_domains(email, ctx.policy.secure_domains):
        # A form's sender can give another address (the notice chain flags: Open Exeter has acted already).
        return failed("user.email_not_nhs", f"{email} is not in a secure domain "
                                            f"({', '.join(sorted(ctx.policy.secure_domains))}).",
                      outcome=Outcome.REJECTED)
    return passed()


@check("user.active", "The user to change is an active user of the organisation.")
def user_active(ctx: CheckContext) -> Verdict:
    request, org = ctx.request, ctx.register.org
    if not isinstance(request, PermissionRequest) or org is None or not request.user:
        return skipped("No request, no user named, or the organisation is not known.")
    user = org.user(request.user)
    if user is None or not user.active:
        state = "is not a user" if user is None else f"is {user.status}, not active"
        return failed("user.unknown", f"{request.user} {state} of {org.code}.", user=request.user)
    return passed(f"{user.username} ({user.full_name}) is active.")


@check("notice.user_new", "The notice's username and address belong to no existing user.")
def notice_user_new(ctx: CheckContext) -> Verdict:
    notice, org = ctx.request, ctx.register.org
    if not isinstance(notice, NewUserNotice) or org is None:
        return skipped("No notice, or the organisation is not known.")
    username, email = notice.username.strip().lower(), notice.email.strip().lower()
    clashes = [u for u in (*org.users, *ctx.register.elsewhere)
               if (username and u.username.lower() == username) or (email and u.email == email)]
    here = {id(u) for u in org.users}
    # Open Exeter may report a user PCSE already holds as pending with that very address: authorising that user is
    # what the notice is for. Anything else would change an existing user (their address, a disabled account).
    waiting = [u for u in clashes if id(u) in here and u.status == "pending" and u.username.lower() == username
               and u.email == email]
    others = [u for u in clashes if all(u is not w for w in waiting)]
    if others:
        held = "; ".join(f"{u.username} ({u.email}, {u.status}{'' if id(u) in here else ', another organisation'})"
                         for u in others)
        return failed("notification.user_exists", f"The notice names {notice.username} ({notice.email}), which "
                                                  f"already belongs to: {held}. A notice never changes an existing "
                                                  "user.", existing=[u.username for u in others])
    if waiting:
        return passed(f"{notice.username} is on record as pending with that address: the notice authorises them.")
    return passed()


@check("notice.not_organisation_maintenance", "The notice does not give Organisation Maintenance, which only the "
                                             "Primary User request form gives.")
def notice_not_organisation_maintenance(ctx: CheckContext) -> Verdict:
    # A Primary User who creates a user holding Organisation Maintenance makes a third Primary User in all but name:
    # no signatory, no proof, no two-Primary-User limit (SPEC 5). Open Exeter may allow it; PCSE staff decide.
    notice = ctx.request
    if not isinstance(notice, NewUserNotice) or not notice.applications:
        return skipped("No applications listed.")
    named = [a for a in notice.applications if _is_organisation_maintenance(a, ctx.register.catalogue)]
    if named:
        return failed("notification.primary_user_only", f"The notice gives {'; '.join(named)} to "
                                                        f"{notice.username}, which makes them a Primary User in all "
                                                        "but name.", named=named)
    return passed()


def suggestions(unknown: list[str], catalogue: tuple[str, ...]) -> dict[str, str]:
    """The nearest catalogue name for each unknown one, where one is near enough to suggest (never assumed)."""
    return {name: near for name in unknown if (near := suggestion(name, catalogue))}


@check("permission.known", "Every application named is in the catalogue.")
def applications_known(ctx: CheckContext) -> Verdict:
    # An Open Exeter notice too (its chain flags the failure): SPEC 7 is silent, but PCSE keeps the catalogue, so a
    # name nobody put there is for staff to judge (a new application, a renamed one, or no application at all),
    # never added to it because a message said so.
    request = ctx.request
    if not isinstance(request, PermissionRequest | NewUserNotice) or not request.applications:
        return skipped("No applications named.")
    known = {c.lower() for c in ctx.register.catalogue}
    unknown = [a for a in request.applications if a.lower() not in known]
    if unknown:
        return failed("permission.unknown", "Not in the catalogue: " + "; ".join(unknown) + ".",
                      unknown=unknown, suggestions=suggestions(unknown, ctx.register.catalogue),
                      valid=[c for c in ctx.register.catalogue if c != ORGANISATION_MAINTENANCE])  # form only
    return passed()


def _is_organisation_maintenance(name: str, catalogue: tuple[str, ...]) -> bool:
    """NAME is Organisation Maintenance in any case and spacing, or a slip of it by the measured margin (a slip is
    never granted anyway; saying so now spares the sender a second refusal once it is spelt right)."""
    found = judge(name, tuple(dict.fromkeys((*catalogue, ORGANISATION_MAINTENANCE))))
    return found.how in ("exact", "slip") and found.name == ORGANISATION_MAINTENANCE


@check("permission.not_organisation_maintenance", "No application named is Organisation Maintenance, which only "
                                                   "the Primary User request form gives.")
def not_organisation_maintenance(ctx: CheckContext) -> Verdict:
    # Organisation Maintenance makes its holder a Primary User in all but name: SPEC 5 gives it only with the form,
    # its signatory proof and the two-Primary-User limit. A signatory on record must not get round that by email,
    # and the rest of the request waits too, so that nothing is half done.
    request = ctx.request
    if not isinstance(request, PermissionRequest) or not request.applications:
        return skipped("No applications named.")
    named = [a for a in request.applications if _is_organisation_maintenance(a, ctx.register.catalogue)]
    if named:
        others = [a for a in request.applications if a not in named]
        also = f"; the other applications ({'; '.join(others)}) are not granted either" if others else ""
        return failed("permission.primary_user_only", f"Asks for {'; '.join(named)}, which only the Primary User "
                                                      f"request form gives{also}.", named=named, others=others)
    return passed()
