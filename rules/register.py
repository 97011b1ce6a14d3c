"""The register as the checks see it: a plain, read-only snapshot the shell loads from the store."""

from __future__ import annotations

from dataclasses import dataclass, field

from parsers.vocabulary.org_status import OrgStatus
from parsers.vocabulary.roles import OrgType, Role


@dataclass(frozen=True)
class UserRecord:
    username: str
    full_name: str
    email: str
    status: str  # active / pending / disabled
    primary: bool
    applications: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class SignatoryRecord:
    full_name: str
    email: str  # "" when not known
    role: Role


@dataclass(frozen=True)
class OrgRecord:
    code: str
    name: str
    type: OrgType
    users: tuple[UserRecord, ...] = ()
    signatories: tuple[SignatoryRecord, ...] = ()
    status: OrgStatus = OrgStatus.ACTIVE

    @property
    def active_primary_users(self) -> tuple[UserRecord, ...]:
        return tuple(u for u in self.users if u.active and u.primary)

    def user(self, email_or_username: str) -> UserRecord | None:
        """The user with this email address or username (either is accepted, as people write both)."""
        key = email_or_username.strip().lower()
        if not key:
            return None
        for u in self.users:
            if u.email == key or u.username.lower() == key:
                return u
        return None

    def user_by_email(self, email: str) -> UserRecord | None:
        """The user whose address on record is EMAIL (never by username: a username is not an address)."""
        key = email.strip().lower()
        return next((u for u in self.users if key and u.email == key), None)


@dataclass(frozen=True)
class RegisterView:
    """What the checks may know of the register for one request."""

    org: OrgRecord | None
    catalogue: tuple[str, ...] = field(default=())
    # Users of OTHER organisations holding a username or address the request names (a notice's new user).
    elsewhere: tuple[UserRecord, ...] = field(default=())
