"""The register CSV files of SPEC 15, bytes to checked records.

Everything that can be told from the file alone is checked here (columns, empty values, roles, statuses, yes/no,
email syntax, duplicates within the file); what needs the store (does that organisation exist, does that username
belong to another one) is checked by the importer. Every problem is reported as `FILE:LINE: problem`, all of them,
so a person can fix the file in one go.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from parsers.vocabulary.org_status import OrgStatus
from parsers.vocabulary.roles import ROLE_LABELS, OrgType, Role

USER_STATUSES = ("active", "pending", "disabled")
YES = frozenset({"yes", "y", "true"})
NO = frozenset({"no", "n", "false"})
# Deliberately plain: one @, a local part without spaces, a dotted domain of letters, digits and hyphens.
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")
USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{1,120}$")
# A telephone number as people write it: digits with spaces, dashes, brackets, a leading + and an "ext".
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,30}(?: ?(?:ext\.?|x) ?[0-9]{1,6})?$", re.IGNORECASE)
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class OrganisationRow:
    line: int
    code: str
    name: str
    type: OrgType
    status: OrgStatus | None = None  # None when the file has no status column (the register keeps what it has)


@dataclass(frozen=True)
class UserRow:
    line: int
    org_code: str
    username: str
    full_name: str
    email: str
    status: str
    primary: bool
    applications: tuple[str, ...]
    phone: str | None = None  # None when the file has no phone column (the register keeps what it has)


@dataclass(frozen=True)
class SignatoryRow:
    line: int
    org_code: str
    full_name: str
    email: str  # "" when the register does not know it
    role: Role
    phone: str | None = None  # None when the file has no phone column; "" when the register does not know it


@dataclass(frozen=True)
class ApplicationRow:
    line: int
    name: str


Row = OrganisationRow | UserRow | SignatoryRow | ApplicationRow


class CsvProblems(Exception):
    """The file cannot be imported; `problems` holds one `FILE:LINE: problem` line per fault."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _RowError(Exception):
    pass


def normalise_email(value: str) -> str:
    return value.strip().lower()


def _email(value: str, column: str, *, required: bool = True) -> str:
    value = normalise_email(value)
    if not value and not required:
        return ""
    if not EMAIL.match(value):
        raise _RowError(f"{column} {value!r} is not a valid email address" if value else f"{column} is empty")
    return value


def _text(value: str, column: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise _RowError(f"{column} is empty")
    return value


def _ods(value: str, column: str = "code") -> str:
    value = value.strip().upper()
    if not ODS_CODE.match(value):
        raise _RowError(f"{column} {value!r} is not an ODS code (3 to 10 letters and digits)" if value
                        else f"{column} is empty")
    return value


def _yes_no(value: str, column: str) -> bool:
    v = value.strip().lower()
    if v in YES:
        return True
    if v in NO:
        return False
    raise _RowError(f"{column} must be yes or no, got {value!r}")


def _role(value: str) -> Role:
    v = value.strip()
    for role, label in ROLE_LABELS.items():
        if v.lower() in (role.value, label.lower()):
            return role
    allowed = ", ".join(r.value for r in Role)
    raise _RowError(f"unknown role {value!r} (one of: {allowed})")


def _phone(r: dict[str, str]) -> str | None:
    """The optional phone column: None when the file has none, "" when empty, else a checked number."""
    if "phone" not in r:
        return None
    value = " ".join(r["phone"].split())
    if value and not PHONE.match(value):
        raise _RowError(f"phone {value!r} is not a telephone number (digits, spaces, + ( ) -)")
    return value


def _organisation(line: int, r: dict[str, str]) -> OrganisationRow:
    kind = r["type"].strip().lower()
    if kind not in {t.value for t in OrgType}:
        raise _RowError(f"type must be gp_practice or other, got {r['type']!r}")
    return OrganisationRow(line, _ods(r["code"]), _text(r["name"], "name"), OrgType(kind), _org_status(r))


def _org_status(r: dict[str, str]) -> OrgStatus | None:
    """The optional status column: None when the file has none; an empty cell means active."""
    if "status" not in r:
        return None
    value = r["status"].strip().lower() or OrgStatus.ACTIVE.value
    if value not in {s.value for s in OrgStatus}:
        raise _RowError(f"status must be one of {', '.join(s.value for s in OrgStatus)}, got {r['status']!r}")
    return OrgStatus(value)


def _user(line: int, r: dict[str, str]) -> UserRow:
    username = r["username"].strip()
    if not USERNAME.match(username):
        raise _RowError(f"username {username!r} is empty or has characters a username cannot have"
                        if username else "username is empty")
    status = r["status"].strip().lower()
    if status not in USER_STATUSES:
        raise _RowError(f"status must be one of {', '.join(USER_STATUSES)}, got {r['status']!r}")
    apps = tuple(dict.fromkeys(" ".join(a.split()) for a in r["applications"].split(";") if a.strip()))
    return UserRow(line, _ods(r["org_code"], "org_code"), username, _text(r["full_name"], "full_name"),
                   _email(r["email"], "email"), status, _yes_no(r["primary"], "primary"), apps, _phone(r))


def _signatory(line: int, r: dict[str, str]) -> SignatoryRow:
    return SignatoryRow(line, _ods(r["org_code"], "org_code"), _text(r["full_name"], "full_name"),
                        _email(r["email"], "email", required=False), _role(r["role"]), _phone(r))


def _application(line: int, r: dict[str, str]) -> ApplicationRow:
    return ApplicationRow(line, _text(r["name"], "name"))


@dataclass(frozen=True)
class _Kind:
    columns: tuple[str, ...]
    build: Callable[[int, dict[str, str]], Any]
    unique: Callable[[Any], tuple[str, str] | None]  # (what, key) that must not repeat within the file
    optional: tuple[str, ...] = ()  # columns a file may leave out (added after SPEC 15 fixed the others)


KINDS: dict[str, _Kind] = {
    "organisations": _Kind(("code", "name", "type"), _organisation, lambda r: ("organisation code", r.code),
                           ("status",)),
    "users": _Kind(("org_code", "username", "full_name", "email", "status", "primary", "applications"), _user,
                   lambda r: ("username", r.username.lower()), ("phone",)),
    "signatories": _Kind(("org_code", "full_name", "email", "role"), _signatory,
                         lambda r: ("signatory", f"{r.org_code}/{r.role}/{r.email or r.full_name.lower()}"),
                         ("phone",)),
    "applications": _Kind(("name",), _application, lambda r: ("application", r.name.lower())),
}


def _decode(data: bytes, filename: str) -> str:
    try:
        return data.decode("utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvProblems([f"{filename}:{line}: not UTF-8 text (save the file as CSV UTF-8)"]) from exc


def csv_records(text: str, filename: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record of TEXT with the line it starts on (a quoted field may span lines); malformed CSV is a
    CsvProblems naming that line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvProblems([f"{filename}:{start}: malformed CSV: {exc}"]) from exc
        yield start, row
        start = reader.line_num + 1


def parse_register_csv(kind: str, data: bytes, filename: str) -> list[Any]:
    """The checked rows of a register file of KIND; raises CsvProblems listing every fault found."""
    spec = KINDS[kind]
    text = _decode(data, filename)
    problems: list[str] = []
    rows: list[Any] = []
    seen: dict[tuple[str, str], int] = {}
    header: list[str] | None = None
    for line, record in csv_records(text, filename):
        if not any(cell.strip() for cell in record):
            continue  # blank lines are allowed anywhere
        if header is None:
            header = [c.strip().lower() for c in record]
            while header and not header[-1]:
                header.pop()  # spreadsheets add empty trailing columns
            missing = [c for c in spec.columns if c not in header]
            extra = [c for c in header if c not in spec.columns + spec.optional]
            if missing or extra or len(set(header)) != len(header):
                expected = ",".join(spec.columns) + "".join(f" (and optionally {c})" for c in spec.optional)
                detail = (f"missing column {', '.join(missing)}" if missing
                          else f"unexpected column {', '.join(extra)}" if extra else "a column is repeated")
                raise CsvProblems([f"{filename}:{line}: {detail}; the header must be {expected}"])
            continue
        cells = record + [""] * (len(header) - len(record))
        if any(c.strip() for c in cells[len(header):]):
            problems.append(f"{filename}:{line}: {len(record)} values, but the header has {len(header)} columns")
            continue
        try:
            row = spec.build(line, dict(zip(header, cells, strict=False)))
        except _RowError as exc:
            problems.append(f"{filename}:{line}: {exc}")
            continue
        key = spec.unique(row)
        if key in seen:
            problems.append(f"{filename}:{line}: duplicate {key[0]} {key[1]!r} (first on line {seen[key]})")
            continue
        if key is not None:
            seen[key] = line
        rows.append(row)
        if len(problems) >= MAX_PROBLEMS:
            break
    if header is None:
        problems.append(f"{filename}:1: the file is empty; the header must be {','.join(spec.columns)}")
    if problems:
        raise CsvProblems(problems[:MAX_PROBLEMS])
    return rows
