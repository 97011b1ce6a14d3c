"""Who signed a form, as our own records know them (SPEC 17): the only address that can prove that person.

A form's signatory name, role and address are typed by whoever sent it. The person is the signatory *on record*
only when the register holds them in that role for that organisation with an email address (for an Existing
Primary Contact: an active Primary User of it), and the form names that address. Where the form gives no address,
an authenticated sender who is on record in that role under the name the form gives is that person. A name alone
never matches: anyone can type one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.vocabulary.roles import Role, parse_role
from rules.context import CheckContext
from rules.register import OrgRecord
from rules.requests import PrimaryUserRequest

TITLES = frozenset({"dr", "doctor", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame"})


@dataclass(frozen=True)
class SignatoryOnRecord:
    full_name: str
    email: str  # the address on record: lower-case, never empty
    role: Role


def same_name(a: str, b: str) -> bool:
    """Names compared as people write them: case, spacing, punctuation and titles ("Dr") do not count."""
    def words(name: str) -> list[str]:
        return [w for w in re.sub(r"[^\w\s'-]", " ", name.lower()).split() if w not in TITLES]
    return bool(words(a)) and words(a) == words(b)


def _candidates(org: OrgRecord, role: Role) -> list[SignatoryOnRecord]:
    if role == Role.EXISTING_PRIMARY_CONTACT:
        return [SignatoryOnRecord(u.full_name, u.email.lower(), role) for u in org.active_primary_users if u.email]
    return [SignatoryOnRecord(s.full_name, s.email.lower(), role) for s in org.signatories
            if s.role == role and s.email]


def form_signatory_on_record(form: PrimaryUserRequest, org: OrgRecord,
                             authenticated_sender: str | None) -> SignatoryOnRecord | None:
    """The signatory FORM names, as the register holds them with an address; None when not on record with one."""
    role = parse_role(form.sig_role)
    if role is None:
        return None
    candidates = _candidates(org, role)
    claimed = form.sig_email.strip().lower()
    if claimed:
        return next((c for c in candidates if c.email == claimed), None)
    sender = (authenticated_sender or "").strip().lower()
    if sender and form.sig_full_name:
        return next((c for c in candidates if c.email == sender and same_name(c.full_name, form.sig_full_name)),
                    None)
    return None


def signatory_on_record_for(ctx: CheckContext) -> SignatoryOnRecord | None:
    """The signatory on record of the form a context holds (the sender counts only when authenticated)."""
    form, org = ctx.request, ctx.register.org
    if not isinstance(form, PrimaryUserRequest) or org is None:
        return None
    sender = ctx.sender.address if ctx.sender.authenticated and not ctx.sender.ambiguous else None
    return form_signatory_on_record(form, org, sender)


def why_not_on_record(form: PrimaryUserRequest, org: OrgRecord, role: Role, role_label: str) -> str:
    """Why the form's signatory is not on record with an address, in words for staff."""
    who = form.sig_full_name or form.sig_email or "The signatory"
    if role == Role.EXISTING_PRIMARY_CONTACT:
        return f"{form.sig_email or form.sig_full_name} is not an active Primary User of {org.code}."
    by_name = [s for s in org.signatories if s.role == role and same_name(s.full_name, form.sig_full_name)]
    if any(not s.email for s in by_name):
        return (f"{who} is on record as {role_label} of {org.code} with no email address: a name alone proves "
                "nothing, so verify them by phone.")
    if by_name:
        return (f"{who} is on record as {role_label} of {org.code} at another address than the form gives "
                f"({form.sig_email or 'none'}): a name alone proves nothing.")
    return f"{who} ({form.sig_email or 'no email'}) is not on record as {role_label} of {org.code}."
