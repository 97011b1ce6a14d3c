"""A permission request email (SPEC 10) to plain fields, tolerating the ways people actually write them.

The published template is read first (`Organisation code:`, `User:`, `Applications:`, `Signatory role:`, labels in
any case and wording); where the template was not used, free wording is read conservatively: one organisation code,
one user address other than the sender's, and the catalogue's application names where the text names them.
Spelling slips are left as written: the checks suggest the nearest catalogue name, they never assume it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.labelled_lines import read_labelled_lines

LABELS = {
    "org_code": ("organisation code", "organization code", "org code", "ods code", "practice code",
                 "organisation", "organization", "practice", "ods"),
    "user": ("user", "username", "user name", "user email", "users email", "email of user", "for user",
             "open exeter username", "user to change", "name of user", "staff member"),
    "applications": ("applications", "application", "permissions", "permission", "access", "access to",
                     "applications required", "applications requested", "requested applications"),
    "signatory_role": ("signatory role", "role", "my role", "your role", "role of signatory"),
}
ODS_CODE = re.compile(r"\b([A-Z][A-Z0-9]{2,5}|[A-Z]\d{5})\b")
GP_CODE = re.compile(r"\b([A-Za-z]\d{5})\b")
# The look-behind starts a match only where an address can start, so a long run of letters costs one pass, not
# one pass per letter.
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
SPLIT_APPS = re.compile(r"\s*(?:;|,|\n|\band\b|&)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class PermissionEmail:
    org_code: str
    user: str
    applications: tuple[str, ...]
    signatory_role: str
    from_template: bool


def _first(values: list[str] | None) -> str:
    return " ".join(values[0].split()) if values else ""


def _org_code(values: list[str] | None, text: str) -> str:
    for value in values or []:
        match = ODS_CODE.search(value.upper().replace(" ", ""))
        if match:
            return match.group(1)
    codes = {m.upper() for m in GP_CODE.findall(text)}
    return codes.pop() if len(codes) == 1 else ""


def _user(values: list[str] | None, text: str, exclude: set[str]) -> str:
    value = _first(values)
    if value:
        email = EMAIL.search(value)
        return email.group(0).lower() if email else value.split()[0]
    others = {e.lower() for e in EMAIL.findall(text)} - exclude
    return others.pop() if len(others) == 1 else ""


def _catalogue_pattern(name: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in name.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


def _listed(value: str, catalogue: tuple[str, ...]) -> list[str]:
    """The applications in one listed VALUE, in the order written: catalogue names first found whole, in any case
    and spelt as the catalogue spells them (so "call and recall" is not split at its "and"), then the rest split
    at separators and kept as written (the check names them as unknown, with suggestions)."""
    found: list[tuple[int, str]] = []
    rest = value
    for name in sorted(catalogue, key=len, reverse=True):
        pattern = _catalogue_pattern(name)
        for match in pattern.finditer(rest):
            found.append((match.start(), name))
        rest = pattern.sub(lambda m: ";" + " " * (len(m.group(0)) - 1), rest)  # keep the positions
    position = 0
    for item in SPLIT_APPS.split(rest):
        at = rest.find(item, position) if item else position
        position = max(position, at + len(item))
        cleaned = " ".join(item.split()).strip(" .")
        if cleaned:
            found.append((at, cleaned))
    return [name for _, name in sorted(found)]


def _applications(values: list[str] | None, text: str, catalogue: tuple[str, ...]) -> tuple[str, ...]:
    if values:
        return tuple(dict.fromkeys(a for v in values for a in _listed(v, catalogue)))
    lowered = " ".join(text.lower().split())
    return tuple(name for name in catalogue if name.lower() in lowered)


def parse_permission_email(text: str, *, sender: str = "", mailbox: str = "",
                           catalogue: tuple[str, ...] = ()) -> PermissionEmail:
    """The fields of a permission request in TEXT (the new text of the message, quoted replies removed)."""
    found = read_labelled_lines(text, LABELS)
    exclude = {a.lower() for a in (sender, mailbox) if a}
    return PermissionEmail(
        org_code=_org_code(found.get("org_code"), text),
        user=_user(found.get("user"), text, exclude),
        applications=_applications(found.get("applications"), text, catalogue),
        signatory_role=_first(found.get("signatory_role")),
        from_template=bool(found.get("applications")) and ("org_code" in found or "user" in found),
    )
