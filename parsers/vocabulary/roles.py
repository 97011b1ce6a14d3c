"""Signatory roles and which of them may authorise what (SPEC section 5), once, as data."""

from __future__ import annotations

import re
from enum import StrEnum


class Role(StrEnum):
    LEAD_GP = "lead_gp"
    GP_PARTNER = "gp_partner"
    CALDICOTT_GUARDIAN = "caldicott_guardian"
    EXISTING_PRIMARY_CONTACT = "existing_primary_contact"
    BOARD_MEMBER = "board_member"


ROLE_LABELS: dict[Role, str] = {
    Role.LEAD_GP: "Lead GP",
    Role.GP_PARTNER: "GP Partner",
    Role.CALDICOTT_GUARDIAN: "Caldicott Guardian",
    Role.EXISTING_PRIMARY_CONTACT: "Existing Primary Contact",
    Role.BOARD_MEMBER: "Member of the Board of Directors",
}

ROLE_DESCRIPTIONS: dict[Role, str] = {
    Role.EXISTING_PRIMARY_CONTACT: "an existing Primary User within the organisation",
}


class OrgType(StrEnum):
    GP_PRACTICE = "gp_practice"
    OTHER = "other"


class RequestType(StrEnum):
    PRIMARY_USER = "primary_user"
    ADDITIONAL_PERMISSIONS = "additional_permissions"


# Who may sign what. Order is the order replies list them in.
ALLOWED_ROLES: dict[tuple[RequestType, OrgType], tuple[Role, ...]] = {
    (RequestType.PRIMARY_USER, OrgType.GP_PRACTICE): (
        Role.LEAD_GP, Role.GP_PARTNER, Role.CALDICOTT_GUARDIAN, Role.EXISTING_PRIMARY_CONTACT, Role.BOARD_MEMBER,
    ),
    (RequestType.PRIMARY_USER, OrgType.OTHER): (
        Role.CALDICOTT_GUARDIAN, Role.BOARD_MEMBER, Role.EXISTING_PRIMARY_CONTACT,
    ),
    (RequestType.ADDITIONAL_PERMISSIONS, OrgType.GP_PRACTICE): (
        Role.LEAD_GP, Role.GP_PARTNER, Role.CALDICOTT_GUARDIAN, Role.BOARD_MEMBER,
    ),
    (RequestType.ADDITIONAL_PERMISSIONS, OrgType.OTHER): (
        Role.LEAD_GP, Role.GP_PARTNER, Role.CALDICOTT_GUARDIAN, Role.BOARD_MEMBER,
    ),
}

ORGANISATION_MAINTENANCE = "Organisation Maintenance"


def allowed_roles(request: RequestType, org_type: OrgType) -> tuple[Role, ...]:
    return ALLOWED_ROLES[(request, org_type)]


_NOT_LETTERS = re.compile(r"[^a-z]")


def _squash(text: str) -> str:
    return _NOT_LETTERS.sub("", text.lower())


_BY_SQUASHED: dict[str, Role] = {}
for _role, _label in ROLE_LABELS.items():
    _BY_SQUASHED[_squash(_label)] = _role
    _BY_SQUASHED[_squash(_role.value)] = _role
# Wordings people actually write on forms and in emails.
for _alias, _role in {
    "board member": Role.BOARD_MEMBER,
    "member of the board": Role.BOARD_MEMBER,
    "board of directors": Role.BOARD_MEMBER,
    "caldicott": Role.CALDICOTT_GUARDIAN,
    "existing primary user": Role.EXISTING_PRIMARY_CONTACT,
    "primary contact": Role.EXISTING_PRIMARY_CONTACT,
    "partner": Role.GP_PARTNER,
    "lead general practitioner": Role.LEAD_GP,
}.items():
    _BY_SQUASHED[_squash(_alias)] = _role


def parse_role(text: str) -> Role | None:
    """The role a printed label, a code or a common wording names; None when it names none of them."""
    return _BY_SQUASHED.get(_squash(text or ""))
