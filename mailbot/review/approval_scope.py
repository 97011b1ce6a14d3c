"""What a staff approval does beyond the request, shown before it is done and bounded by what staff choose:

- a signatory is added to (or verified in) the register only when staff tick it, saying how they verified them
  (one of VERIFICATION_METHODS: chosen, never implied by approving);
- a request for the sender's own account is said so;
- corrected fields are shown against what the form said, and the mails then say "as corrected by PCSE";
- an approval that overrides authentication, or changes who has Organisation Maintenance, waits for a second
  member of staff (`[review] second_person`, on by default); the first approval is kept on the case
  (fields["second_person"]) until a different person confirms it, or the case is rejected or closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from mailbot.processing.stored_case import stored_request
from mailbot.review.labels import field_label, field_value_label, reason_label
from parsers.vocabulary.roles import ROLE_LABELS, Role, parse_role
from rules.requests import PermissionRequest, PrimaryUserRequest, Request
from store.models import Case, User
from store.register import organisation

# How staff may say they verified a signatory. The code is stored with the register row; the words are shown.
VERIFICATION_METHODS: dict[str, str] = {
    "phoned_record": "Phoned the organisation on the number we hold on record and spoke to the signatory",
    "phoned_published": "Phoned the organisation's published number (NHS website) and spoke to the signatory",
    "primary_user_vouched": "Phoned the organisation's current Primary User on record, who confirmed the signatory",
}

# Checks whose failure means we do not know who sent the request, or that its signatory is not proven: staff
# approving over them override authentication (SPEC 4, 17).
AUTHENTICATION_OVERRIDES = frozenset({
    "sender.unauthenticated", "sender.ambiguous", "sender.not_nhs", "message.replay_unsafe", "message.not_addressed",
    "form.altered", "signatory.unverified", "signatory.confirmation_requested", "signatory.unconfirmed",
    "signatory.declined", "notification.creator_not_primary",
})


@dataclass(frozen=True)
class SignatoryToAdd:
    """The person approving would record as a verified signatory, if staff tick it."""

    org_code: str
    full_name: str
    email: str
    role: str  # parsers.vocabulary.roles.Role value
    name_known: bool  # False: no name to go on (the sender's address only): staff must type it

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]


@dataclass(frozen=True)
class FieldCorrection:
    name: str
    label: str
    form_said: str
    corrected: str


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def corrections_against_form(case: Case, corrections: dict[str, str]) -> list[FieldCorrection]:
    """Each corrected field with what the form (or message) said, as staff and the mails show it."""
    original = stored_request(case)
    said = original.as_fields() if original is not None else {}
    out = []
    for name, value in corrections.items():
        before = _text(said.get(name, ""))
        if before.strip() != str(value).strip():
            out.append(FieldCorrection(name, field_label(name), field_value_label(name, before),
                                       field_value_label(name, str(value))))
    return out


def corrected_lines(corrected: list[FieldCorrection]) -> tuple[str, ...]:
    """The corrections as the mails list them."""
    return tuple(f"{c.label}: the form said \"{c.form_said or '(empty)'}\"; PCSE corrected it to "
                 f"\"{c.corrected or '(empty)'}\"" for c in corrected)


def signatory_to_add(session: Session, case: Case, request: Request, overridden: list[str]) -> SignatoryToAdd | None:
    """Who approving over `signatory.unverified` could record in the signatory register, or None."""
    if "signatory.unverified" not in overridden:
        return None
    org = organisation(session, request.org_code) if request.org_code else None
    if org is None:
        return None
    if isinstance(request, PrimaryUserRequest):
        name, email, role = request.sig_full_name.strip(), request.sig_email.strip().lower(), parse_role(
            request.sig_role)
        known = bool(name)
    elif isinstance(request, PermissionRequest):
        # The signatory is the sender; their name is what the register holds for that address, if anything.
        # Their address is never taken as their name.
        email, role = (case.sender or "").strip().lower(), parse_role(request.signatory_role)
        user = next((u for u in org.users if u.email == email), None)
        name, known = (user.full_name, True) if user is not None else ("", False)
    else:
        return None
    if role is None or role == Role.EXISTING_PRIMARY_CONTACT or not email:
        return None  # an existing Primary Contact is verified by the user register, not the signatory register
    return SignatoryToAdd(org.code, name, email, role.value, known)


def own_account(session: Session, case: Case, request: Request) -> str | None:
    """A sentence when the request is for the sender's own account; None otherwise."""
    sender = (case.sender or "").strip().lower()
    if not sender:
        return None
    if isinstance(request, PrimaryUserRequest) and request.pu_email.strip().lower() == sender:
        return f"The sender ({sender}) is asking for themselves to become a Primary User."
    if isinstance(request, PermissionRequest):
        org = organisation(session, request.org_code) if request.org_code else None
        key = request.user.strip().lower()
        user: User | None = next((u for u in org.users if u.email == key or u.username.lower() == key),
                                 None) if org else None
        if (user is not None and user.email == sender) or key == sender:
            return (f"The sender ({sender}) is asking for applications for their own account"
                    + (f" ({user.username})." if user is not None else "."))
    return None


def second_person_why(overridden: list[str], maintenance_change: bool) -> list[str]:
    """Why this approval needs a second member of staff, in words (empty: it does not)."""
    why = [f"It overrides a check on who sent or signed it: {reason_label(code)}." for code in overridden
           if code in AUTHENTICATION_OVERRIDES]
    if maintenance_change:
        why.append("It changes who has Organisation Maintenance (who can create and change the organisation's "
                   "accounts).")
    return why


def awaiting_second(case: Case) -> dict[str, Any] | None:
    """The first approval waiting for a second person's confirmation, if there is one."""
    found = (case.fields or {}).get("second_person")
    return found if isinstance(found, dict) else None


def record_awaiting(case: Case, *, by: str, now: datetime, corrections: dict[str, str], verify: str | None,
                    signatory_name: str, why: list[str]) -> dict[str, Any]:
    waiting = {"by": by, "at": now.isoformat(), "corrections": dict(corrections), "verify": verify,
               "signatory_name": signatory_name, "why": why}
    case.fields = {**(case.fields or {}), "second_person": waiting}
    return waiting


def clear_awaiting(case: Case) -> dict[str, Any] | None:
    found = awaiting_second(case)
    if found is not None:
        case.fields = {k: v for k, v in (case.fields or {}).items() if k != "second_person"}
    return found
