"""The NHS Organisation Data Service's standard extracts, bytes to checked organisations.

Two files of the same shape are read: `epraccur.csv` (GP practices) and `etr.csv` (NHS trusts). Both have 27
columns and no header; the ones used here are (1-based, as the ODS documentation numbers them):

  1 Organisation Code   2 Name   12 Close Date   13 Status Code (A active, C closed, D dormant, P proposed)
  26 Prescribing Setting (practices only: 4 is a GP practice; 0 other, 1 walk-in centre, 2 out of hours, ...)

The others (national grouping, health geography, address lines 1-5, postcode, open date, organisation sub-type,
commissioner, join/left provider dates, telephone, amended record indicator, provider/purchaser and the null
columns) are not the register's business and are ignored. The downloads come as `epraccur.zip` / `etr.zip`: a zip
holding the one CSV is read as that CSV.

Everything that can be told from the file alone is checked here, and every fault is reported as `FILE:LINE:
problem` (up to MAX_PROBLEMS of them), so one run names everything to fix.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from enum import StrEnum

from parsers.register_csv import ODS_CODE, CsvProblems, csv_records
from parsers.vocabulary.org_status import OrgStatus
from parsers.vocabulary.roles import OrgType

COLUMNS = 27
CODE, NAME, CLOSE_DATE, STATUS, SETTING = 0, 1, 11, 12, 25  # 0-based positions of columns 1, 2, 12, 13, 26
GP_PRACTICE_SETTING = 4
STATUS_CODES = {"A": OrgStatus.ACTIVE, "C": OrgStatus.CLOSED, "D": OrgStatus.DORMANT, "P": OrgStatus.PROPOSED}
MAX_NAME = 200  # store.models.Organisation.name
MAX_PROBLEMS = 50


class OdsKind(StrEnum):
    PRACTICES = "practices"  # epraccur.csv
    TRUSTS = "trusts"  # etr.csv


@dataclass(frozen=True)
class OdsOrganisation:
    line: int
    code: str
    name: str
    type: OrgType
    status: OrgStatus


@dataclass(frozen=True)
class OdsExtract:
    kind: OdsKind
    kind_told_by: str  # "option" or why the content says so, for the summary line
    encoding: str
    organisations: tuple[OdsOrganisation, ...]


class _RowError(Exception):
    pass


def _unzip(data: bytes, filename: str) -> bytes:
    """The one CSV inside a zip download (epraccur.zip holds epraccur.csv); the bytes themselves otherwise."""
    if not data.startswith(b"PK\x03\x04"):
        return data
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
            if len(members) != 1:
                raise CsvProblems([f"{filename}: a zip archive holding {len(members)} CSV files; an ODS download "
                                   "holds exactly one (unzip it and name the CSV)"])
            return archive.read(members[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise CsvProblems([f"{filename}: looks like a zip archive but cannot be read: {exc}"]) from exc


def decode(data: bytes, filename: str) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (with or without a byte-order mark), else Windows-1252, which
    the ODS extracts and Excel on Windows write (Latin-1 plus the curly quotes and dashes)."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvProblems([f"{filename}:{line}: byte 0x{data[exc.start]:02X} is neither UTF-8 nor Windows-1252 "
                           "text: is this an ODS extract (epraccur.csv or etr.csv)?"]) from exc


def _is_header(record: list[str]) -> bool:
    """The standard extracts have no header, but a copy saved from a spreadsheet may have gained one."""
    return record[0].strip().lower() in {"organisation code", "organisation_code", "code"}


def _setting(record: list[str]) -> str:
    return record[SETTING].strip() if len(record) > SETTING else ""


def tell_kind(records: list[tuple[int, list[str]]], filename: str) -> tuple[OdsKind, str]:
    """Practices or trusts, from the content: the practice file fills the prescribing setting (column 26) on
    every row, the trust file on none. A file that does both is not one of the two."""
    with_setting = [line for line, r in records if _setting(r)]
    if records and len(with_setting) == len(records):
        return OdsKind.PRACTICES, "column 26 (prescribing setting) filled on every row"
    if not with_setting:
        return OdsKind.TRUSTS, "column 26 (prescribing setting) empty on every row"
    without = next(line for line, r in records if not _setting(r))
    raise CsvProblems([f"{filename}:{without}: column 26 (prescribing setting) is empty here but filled on line "
                       f"{with_setting[0]}: neither a practice file (epraccur) nor a trust file (etr); say which "
                       "with --kind practices or --kind trusts"])


def _status(record: list[str], kind: OdsKind) -> OrgStatus:
    value = record[STATUS].strip().upper()
    if value in STATUS_CODES:
        return STATUS_CODES[value]
    if not value and kind is OdsKind.TRUSTS:
        # A trust row may leave the status empty; its close date (column 12) then says whether it is closed.
        return OrgStatus.CLOSED if record[CLOSE_DATE].strip() else OrgStatus.ACTIVE
    raise _RowError(f"column 13 (status) must be A, C, D or P, got {record[STATUS]!r}" if value
                    else "column 13 (status) is empty")


def _type(record: list[str], kind: OdsKind) -> OrgType:
    value = _setting(record)
    if kind is OdsKind.TRUSTS:
        if value:
            raise _RowError(f"column 26 (prescribing setting) holds {value!r}: that is a GP practice file "
                            "(epraccur), not a trust file; use --kind practices")
        return OrgType.OTHER
    if not value:
        raise _RowError("column 26 (prescribing setting) is empty; a practice file (epraccur) fills it")
    if not value.isdigit():
        raise _RowError(f"column 26 (prescribing setting) must be a number, got {value!r}")
    return OrgType.GP_PRACTICE if int(value) == GP_PRACTICE_SETTING else OrgType.OTHER


def _organisation(line: int, record: list[str], kind: OdsKind) -> OdsOrganisation:
    if len(record) < COLUMNS:
        raise _RowError(f"{len(record)} fields, but an ODS extract has {COLUMNS}")
    if any(cell.strip() for cell in record[COLUMNS:]):
        raise _RowError(f"{len(record)} fields, but an ODS extract has {COLUMNS}")
    code = record[CODE].strip().upper()
    if not ODS_CODE.match(code):
        raise _RowError(f"column 1 (organisation code) {record[CODE]!r} is not an ODS code (3 to 10 letters and "
                        "digits)" if code else "column 1 (organisation code) is empty")
    name = " ".join(record[NAME].split())
    if not name:
        raise _RowError("column 2 (name) is empty")
    if len(name) > MAX_NAME:
        raise _RowError(f"column 2 (name) is {len(name)} characters long; the register keeps at most {MAX_NAME}")
    return OdsOrganisation(line, code, name, _type(record, kind), _status(record, kind))


def parse_ods_extract(data: bytes, filename: str, kind: OdsKind | None = None) -> OdsExtract:
    """The checked organisations of an ODS extract; KIND None tells practices from trusts by the content.
    Raises CsvProblems listing every fault found (up to MAX_PROBLEMS)."""
    text, encoding = decode(_unzip(data, filename), filename)
    records = [(line, r) for line, r in csv_records(text, filename) if any(cell.strip() for cell in r)]
    if records and _is_header(records[0][1]):
        records = records[1:]
    if not records:
        raise CsvProblems([f"{filename}:1: the file has no rows; an ODS extract (epraccur.csv or etr.csv) has one "
                           "organisation a line"])
    told_by = "option"
    if kind is None:
        kind, told_by = tell_kind(records, filename)
    problems: list[str] = []
    organisations: list[OdsOrganisation] = []
    seen: dict[str, int] = {}
    for line, record in records:
        try:
            org = _organisation(line, record, kind)
        except _RowError as exc:
            problems.append(f"{filename}:{line}: {exc}")
        else:
            if org.code in seen:
                problems.append(f"{filename}:{line}: duplicate organisation code {org.code!r} (first on line "
                                f"{seen[org.code]})")
            else:
                seen[org.code] = line
                organisations.append(org)
        if len(problems) >= MAX_PROBLEMS:
            problems.append(f"{filename}: stopped after {MAX_PROBLEMS} problems")
            break
    if problems:
        raise CsvProblems(problems)
    return OdsExtract(kind, told_by, encoding, tuple(organisations))
