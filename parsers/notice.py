"""Open Exeter's new-user notice (SPEC 11) to plain fields."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.labelled_lines import read_labelled_lines

SUBJECT = "Open Exeter: new user created"
LABELS = {
    "org_code": ("organisation", "organization", "organisation code"),
    "username": ("username", "user name"),
    "full_name": ("name", "full name"),
    "email": ("email", "e-mail", "email address"),
    "created_by": ("created by",),
    "applications": ("applications",),
}
# The look-behind starts a match only where an address can start, so a long run of letters costs one pass, not
# one pass per letter.
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@dataclass(frozen=True)
class NoticeFields:
    org_code: str
    username: str
    full_name: str
    email: str
    created_by: str
    applications: tuple[str, ...]


def _one(found: dict[str, list[str]], name: str) -> str:
    values = found.get(name)
    return " ".join(values[0].split()) if values else ""


def _email(value: str) -> str:
    match = EMAIL.search(value)
    return match.group(0).lower() if match else value.strip().lower()


def parse_notice(text: str) -> NoticeFields:
    found = read_labelled_lines(text, LABELS)
    apps = [a.strip() for v in found.get("applications", []) for a in re.split(r"[;,\n]", v)]
    return NoticeFields(
        org_code=_one(found, "org_code").split(" ")[0].upper() if _one(found, "org_code") else "",
        username=_one(found, "username"),
        full_name=_one(found, "full_name"),
        email=_email(_one(found, "email")) if _one(found, "email") else "",
        created_by=_email(_one(found, "created_by")) if _one(found, "created_by") else "",
        applications=tuple(dict.fromkeys(a for a in apps if a)),
    )


def looks_like_notice(subject: str, text: str) -> bool:
    """The subject and body lines Open Exeter's notices carry."""
    found = read_labelled_lines(text, LABELS)
    return subject.strip().lower() == SUBJECT.lower() or {"username", "created_by"} <= set(found)
