"""Checks on the person who authorised the request: allowed role, not the nominee, on record, proven (SPEC 5, 6
and 17)."""

from __future__ import annotations

from parsers.vocabulary.roles import ROLE_LABELS, OrgType, RequestType, Role, allowed_roles, parse_role
from rules.check import Verdict, check, failed, passed, skipped
from rules.checks.form import form_of
from rules.context import CheckContext
from rules.requests import PermissionRequest
from rules.signatory_proof import signatory_on_record_for, why_not_on_record


def _labels(roles: tuple[Role, ...]) -> list[str]:
    return [ROLE_LABELS[r] for r in roles]


def _form_org_type(ctx: CheckContext) -> OrgType | None:
    if ctx.register.org is not None:
        return ctx.register.org.type
    form = form_of(ctx)
    if form is not None and form.form_type in {t.value for t in OrgType}:
        return OrgType(form.form_type)
    return None


@check("signatory.role", "The signatory's role may authorise this request for this type of organisation.")
def form_role_allowed(ctx: CheckContext) -> Verdict:
    form, org_type = form_of(ctx), _form_org_type(ctx)
    if form is None or org_type is None or not form.sig_role:
        return skipped("No form, no role, or the organisation's type is not known.")
    allowed = allowed_roles(RequestType.PRIMARY_USER, org_type)
    role = parse_role(form.sig_role)
    if role not in allowed:
        where = "a GP practice" if org_type == OrgType.GP_PRACTICE else "this type of organisation"
        return failed("signatory.role_not_allowed", f"{form.sig_role!r} may not authorise a Primary User for {where}.",
                      role=form.sig_role, allowed=_labels(allowed), request=RequestType.PRIMARY_USER.value)
    return passed(f"{ROLE_LABELS[role]} may authorise it.")


def _same_person(a_email: str, a_name: str, b_email: str, b_name: str) -> bool:
    if a_email and b_email:
        return a_email.strip().lower() == b_email.strip().lower()
    return bool(a_name) and " ".join(a_name.lower().split()) == " ".join(b_name.lower().split())


@check("signatory.not_nominee", "The signatory is not the person being appointed.")
def not_self_authorised(ctx: CheckContext) -> Verdict:
    form = form_of(ctx)
    if form is None:
        return skipped("No form.")
    if _same_person(form.sig_email, form.sig_full_name, form.pu_email, form.pu_full_name):
        return failed("signatory.self_authorised", f"{form.sig_full_name or form.sig_email} signed their own "
                                                   "appointment.")
    return passed()


@check("signatory.verified", "The signatory is on record in that role for that organisation, with an email address.")
def form_signatory_verified(ctx: CheckContext) -> Verdict:
    form, org = form_of(ctx), ctx.register.org
    if form is None or org is None:
        return skipped("No form, or the organisation is not known.")
    role = parse_role(form.sig_role)
    if role is None or role not in allowed_roles(RequestType.PRIMARY_USER, org.type):
        return skipped("The role is not one that may sign.")
    found = signatory_on_record_for(ctx)
    if found is not None:
        if role == Role.EXISTING_PRIMARY_CONTACT:
            return passed(f"{found.full_name} is an active Primary User of {org.code}.")
        return passed(f"{found.full_name} is on record as {ROLE_LABELS[role]} of {org.code}.")
    return failed("signatory.unverified", why_not_on_record(form, org, role, ROLE_LABELS[role]),
                  signatory={"full_name": form.sig_full_name, "email": form.sig_email, "role": role.value})


@check("signatory.proven", "The signatory sent the message from their address on record, or confirmed it from there.")
def form_signatory_proven(ctx: CheckContext) -> Verdict:
    form, org = form_of(ctx), ctx.register.org
    if form is None or org is None:
        return skipped("No form, or the organisation is not known.")
    if ctx.sender.ambiguous or not ctx.sender.authenticated:
        return skipped("The sender is not authenticated: a person decides.")
    nominee = org.user(form.pu_email)
    if nominee is not None and nominee.active and nominee.primary:
        return skipped("The nominee is already a Primary User: nothing would change.")
    found = signatory_on_record_for(ctx)
    if found is None:
        return skipped("The signatory is not on record with an email address.")
    sender = (ctx.sender.address or "").lower()
    if sender == found.email:
        return passed(f"Sent by {found.full_name} from their address on record, {found.email}.")
    answer = ctx.signatory_confirmation
    if answer is not None and answer.address.lower() == found.email:
        if answer.answer == "yes":
            return passed(f"{found.full_name} confirmed it from their address on record, {found.email}.")
        if answer.answer == "no":
            return failed("signatory.declined", f"{found.full_name} answered from {found.email} that they did not "
                                                f"authorise it ({answer.why}).", address=found.email)
    return failed("signatory.confirmation_requested",
                  f"Sent by {sender}, not by {found.full_name}: they are asked to confirm it at their address on "
                  f"record, {found.email}.",
                  address=found.email, full_name=found.full_name, role=found.role.value)


@check("signatory.on_record", "The sender is on record as a signatory of the organisation with an allowed role.")
def permission_signatory(ctx: CheckContext) -> Verdict:
    request, org = ctx.request, ctx.register.org
    if not isinstance(request, PermissionRequest) or org is None or ctx.sender.address is None:
        return skipped("No request, or the organisation is not known.")
    sender = ctx.sender.address.lower()
    allowed = allowed_roles(RequestType.ADDITIONAL_PERMISSIONS, org.type)
    roles = {s.role for s in org.signatories if s.email == sender}
    # The role the sender writes on the template's role line is a claim: the register decides who may sign, but a
    # claim it does not bear out is not waved through (a job title in the signature block is no such claim). A
    # role that may not sign is the sender's to put right (the reply lists those that may); an allowed role the
    # register does not hold for them means the register or the request is wrong, and staff see which (SPEC 3:
    # "the role is allowed but the person is not on record in that role").
    written = request.signatory_role.strip() if request.signatory_role_source == "label" else ""
    claimed = parse_role(written) if written else None
    if written and claimed not in allowed:
        return failed("signatory.role_not_allowed", f"The request is signed as {written!r}, which may not "
                                                    "authorise extra permissions.",
                      role=written, allowed=_labels(allowed), request=RequestType.ADDITIONAL_PERMISSIONS.value)
    if roles & set(allowed):
        if claimed is not None and claimed not in roles:
            held = ", ".join(ROLE_LABELS[r] for r in allowed if r in roles)
            return failed("signatory.unverified", f"{sender} signs as {ROLE_LABELS[claimed]}, but is on record "
                                                  f"for {org.code} as {held}: check which is right.",
                          signatory={"email": sender, "role": claimed.value})
        role = claimed or next(r for r in allowed if r in roles)
        return passed(f"{sender} is on record as {ROLE_LABELS[role]} of {org.code}.")
    user = org.user(sender)
    if roles or (user is not None and user.active and user.primary):
        held = ", ".join(ROLE_LABELS[r] for r in sorted(roles)) or "Primary User"
        return failed("signatory.role_not_allowed", f"{sender} is on record for {org.code} only as {held}, which "
                                                    "may not authorise extra permissions.",
                      role=held, allowed=_labels(allowed), request=RequestType.ADDITIONAL_PERMISSIONS.value)
    return failed("signatory.unverified", f"{sender} is not on record as a signatory of {org.code}.",
                  signatory={"email": sender, "role": (r.value if (r := parse_role(request.signatory_role)) else "")})


@check("signatory.answer", "The signatory's answer to our confirmation request says yes or no.")
def confirmation_answer(ctx: CheckContext) -> Verdict:
    answer = ctx.signatory_confirmation
    if answer is None:
        return failed("request.unclear", "There is no answer to read.")
    if answer.answer == "yes":
        return passed(f"{answer.address} confirmed ({answer.why}).")
    if answer.answer == "no":
        return failed("signatory.declined", f"{answer.address} answered no ({answer.why}).")
    return failed("request.unclear", f"{answer.address} answered, but not clearly yes or no ({answer.why}).")
