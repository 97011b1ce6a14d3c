"""Checks against the organisation's record: known, and at most two active Primary Users after the change."""

from __future__ import annotations

from rules.check import Verdict, check, failed, passed, skipped
from rules.checks.form import form_of
from rules.context import CheckContext
from rules.register import OrgRecord, UserRecord
from rules.requests import PrimaryUserRequest

MAX_PRIMARY_USERS = 2


def requested_org_code(ctx: CheckContext) -> str:
    return getattr(ctx.request, "org_code", "") or ""


@check("org.known", "The organisation code is in the register.")
def known(ctx: CheckContext) -> Verdict:
    code = requested_org_code(ctx)
    if not code:
        return skipped("No organisation code was given.")
    if ctx.register.org is None:
        return failed("org.unknown", f"No organisation with code {code} in the register.", org_code=code)
    return passed(f"{ctx.register.org.code}: {ctx.register.org.name}.")


def replaced_user(org: OrgRecord, form: PrimaryUserRequest) -> UserRecord | None:
    """The active Primary User the form asks to replace, if it asks and they are one."""
    if form.pu_request != "replacement" or not form.pu_replaces:
        return None
    user = org.user(form.pu_replaces)
    return user if user is not None and user.active and user.primary else None


@check("form.replacement", "A Primary User named for replacement is an active Primary User there.")
def replacement_known(ctx: CheckContext) -> Verdict:
    form, org = form_of(ctx), ctx.register.org
    if form is None or org is None:
        return skipped("No form, or the organisation is not known.")
    if form.pu_request != "replacement" or not form.pu_replaces:
        return passed("Not a replacement.")
    if replaced_user(org, form) is None:
        return failed("user.unknown", f"{form.pu_replaces}, named for replacement, is not an active Primary User "
                                      f"of {org.code}.", user=form.pu_replaces)
    return passed()


@check("nominee.already_primary", "The nominee is not already a Primary User.")
def not_already_primary(ctx: CheckContext) -> Verdict:
    form, org = form_of(ctx), ctx.register.org
    if form is None or org is None:
        return skipped("No form, or the organisation is not known.")
    user = org.user(form.pu_email)
    if user is not None and user.active and user.primary:
        return failed("user.already_primary", f"{user.username} ({user.email}) is already a Primary User of "
                                              f"{org.code}; nothing needs to change.")
    return passed()


@check("org.primary_user_limit", "At most two active Primary Users after the change.")
def primary_user_limit(ctx: CheckContext) -> Verdict:
    form, org = form_of(ctx), ctx.register.org
    if form is None or org is None:
        return skipped("No form, or the organisation is not known.")
    current = org.active_primary_users
    nominee = org.user(form.pu_email)
    if nominee is not None and nominee in current:
        return passed("The nominee is already one of them.")
    replaced = replaced_user(org, form)
    after = len(current) + 1 - (1 if replaced is not None else 0)
    if after > MAX_PRIMARY_USERS:
        names = ", ".join(f"{u.full_name} ({u.email})" for u in current)
        return failed("org.primary_user_limit", f"{org.code} already has {len(current)} active Primary Users "
                                                f"({names}) and the form names none to replace.",
                      current=[u.email for u in current])
    return passed(f"{after} active Primary User(s) after the change.")
