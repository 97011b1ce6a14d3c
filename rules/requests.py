"""What each kind of message asks for, as plain data the checks read.

The shell builds these from the parsers' output (a form reading, a permission email, an Open Exeter notice); a
member of staff may correct fields on review, which builds a new request with `with_corrections`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Self

from parsers.notice import NoticeFields
from parsers.request_reader import RequestReading


@dataclass(frozen=True)
class Correctable:
    def with_corrections(self, corrections: dict[str, str]) -> Self:
        """A copy with named fields replaced; an unknown field name raises KeyError naming it."""
        names = set(self.correctable())
        values: dict[str, Any] = {}
        for key, value in corrections.items():
            if key not in names:
                raise KeyError(key)
            # List fields (applications) are written the way people write them: separated by ";".
            is_list = isinstance(getattr(self, key), tuple)
            values[key] = tuple(v.strip() for v in value.split(";") if v.strip()) if is_list else value.strip()
        return replace(self, **values)

    def as_fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def as_record(self) -> dict[str, Any]:
        """The request as a case keeps it (`fields.request`, JSON: lists for tuples); from_record reads it back."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.as_fields().items()}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Self:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    @classmethod
    def correctable(cls) -> tuple[str, ...]:
        """The fields a member of staff may correct on review, in their order."""
        return tuple(f.name for f in fields(cls) if f.metadata.get("correctable", True))


def _fixed() -> Any:
    return field(default="", metadata={"correctable": False})


# A form not read at intake (an unauthenticated or non-NHS sender, or too many forms): read when staff open it.
NOT_READ = "not_read"


@dataclass(frozen=True)
class PrimaryUserRequest(Correctable):
    """One Primary User request form, as read (SPEC 9 field names)."""

    form_type: str = ""  # gp_practice / other / "" when it could not be told
    org_name: str = ""
    org_code: str = ""
    pu_full_name: str = ""
    pu_job_title: str = ""
    pu_email: str = ""
    pu_phone: str = ""
    pu_request: str = ""  # new / additional / replacement
    pu_replaces: str = ""
    sig_full_name: str = ""
    sig_role: str = ""
    sig_email: str = ""
    sig_date: str = ""
    sig_typed: str = ""
    # How the form was read: not fields a person fills in, so not correctable.
    # read / unreadable / not_a_form / missing / not_read (left for staff to open) / word_document (a Word or ODF
    # file sent instead of the PDF)
    reading: str = field(default="missing", metadata={"correctable": False})
    signature: str = field(default="unsigned", metadata={"correctable": False})  # signed / unsigned / altered / unsure
    signature_how: str = _fixed()
    attachment: str = _fixed()  # file name of the form in the message
    attachment_index: int = field(default=-1, metadata={"correctable": False})  # in the message's attachments
    problems: tuple[str, ...] = field(default=(), metadata={"correctable": False})
    # How each field was read and where the signature box was found (FormReading.how_read): for staff to see.
    how_read: dict[str, Any] = field(default_factory=dict, metadata={"correctable": False})


REQUIRED_FORM_FIELDS: tuple[str, ...] = (
    "org_name", "org_code", "pu_full_name", "pu_job_title", "pu_email", "pu_request",
    "sig_full_name", "sig_role", "sig_date",
)


@dataclass(frozen=True)
class PermissionRequest(Correctable):
    """An email asking for applications for an existing user (SPEC 10)."""

    org_code: str = ""
    user: str = ""  # email or Open Exeter username
    applications: tuple[str, ...] = ()
    signatory_role: str = ""  # as written; the register decides
    # Where the role was read: "label" (the template's "Signatory role:" line, a claim the register must bear out),
    # or where else ("signature block", "text": a job title in passing, which the register overrides).
    signatory_role_source: str = field(default="label", metadata={"correctable": False})
    # The parts the reader was not sure of, and why (plain English): they are left empty above, never guessed.
    not_understood: tuple[str, ...] = field(default=(), metadata={"correctable": False})


@dataclass(frozen=True)
class NewUserNotice(Correctable):
    """Open Exeter's notice that a Primary User created a user (SPEC 11)."""

    org_code: str = ""
    username: str = ""
    full_name: str = ""
    email: str = ""
    created_by: str = ""  # the creator's email
    applications: tuple[str, ...] = ()


Request = PrimaryUserRequest | PermissionRequest | NewUserNotice


def permission_request(reading: RequestReading) -> PermissionRequest:
    """The request the checks judge: only the parts the reader is sure of; the others stay empty, with what was
    seen, so the case goes to staff as `request.unclear`. Never a guessed part: an application name with a slip is
    carried as written, so the checks reject it as unknown and the reply suggests the catalogue name."""
    apps = reading.applications
    return PermissionRequest(org_code=reading.org.value if reading.org.acted_on else "",
                             user=reading.user.value if reading.user.acted_on else "",
                             applications=apps.items if apps.acted_on else (),
                             signatory_role=reading.role.value,
                             signatory_role_source="label" if reading.role.source.startswith("label") else (
                                 reading.role.source or "none"),
                             not_understood=reading.not_understood())


def notice_request(n: NoticeFields) -> NewUserNotice:
    """The request an Open Exeter notice (parsers.notice) makes."""
    return NewUserNotice(org_code=n.org_code, username=n.username, full_name=n.full_name, email=n.email,
                         created_by=n.created_by, applications=n.applications)
