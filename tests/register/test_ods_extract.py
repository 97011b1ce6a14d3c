"""Reading the ODS extracts (epraccur.csv, etr.csv) from bytes shaped exactly like the real files."""

from __future__ import annotations

import io
import zipfile

import pytest

from parsers.ods_extract import OdsKind, parse_ods_extract
from parsers.register_csv import CsvProblems
from parsers.vocabulary.org_status import OrgStatus
from parsers.vocabulary.roles import OrgType
from tests.register.ods_rows import ods_file, ods_row

# Lines as they stand in epraccur.csv: every field quoted, empty ones as "", 27 of them, CRLF, no header.
EPRACCUR = (
    b'"A81001","THE DENSHAM SURGERY","Y63","QHM","THE HEALTH CENTRE","LAWSON STREET","STOCKTON-ON-TEES",'
    b'"CLEVELAND","","TS18 1HU","19740401","","A","B","00K","20130401","","01642 672351","","","","0","","1","",'
    b'"4",""\r\n'
    b'"A81003","VICTORIA MEDICAL PRACTICE","Y63","QHM","THE HEALTH CENTRE","VICTORIA ROAD","HARTLEPOOL",'
    b'"CLEVELAND","","TS26 8DB","19740401","20170930","C","B","00D","20130401","20170930","01429 267711","","","",'
    b'"0","","1","","4",""\r\n'
    b'"A81005","SPRINGWOOD SURGERY, GUISBOROUGH","Y63","QHM","SPRINGWOOD SURGERY","RECTORY LANE","GUISBOROUGH",'
    b'"","","TS14 7DJ","19740401","","D","B","16C","20130401","","01287 619611","","","","0","","1","","4",""\r\n'
    b'"Y02635","ST. MARY\x92S WALK-IN CENTRE","Y63","QHM","1 NEW ROAD","","DARLINGTON","","","DL1 1AA","20200101",'
    b'"","P","B","16C","20200101","","","","","","0","","1","","1",""\r\n'
)

ETR = (
    b'"RA2","ROYAL SURREY COUNTY HOSPITAL NHS FOUNDATION TRUST","Y59","QXU","EGERTON ROAD","GUILDFORD","SURREY",'
    b'"","","GU2 7XX","19910401","","","","","","","01483 571122","","","","0","","","","",""\r\n'
    b'"RA3","WESTON AREA HEALTH NHS TRUST","Y58","QUY","GRANGE ROAD","UPHILL","WESTON-SUPER-MARE","","","BS23 4TQ",'
    b'"19910401","20200331","","","","","","01934 636363","","","","0","","","","",""\r\n'
    b'"RBD","DORSET COUNTY HOSPITAL NHS FOUNDATION TRUST","Y58","QVV","WILLIAMS AVENUE","DORCHESTER","DORSET","","",'
    b'"DT1 2JY","19940401","","A","","","","","01305 251150","","","","0","","","","",""\r\n'
)


def problems(data: bytes, kind: OdsKind | None = None) -> list[str]:
    with pytest.raises(CsvProblems) as caught:
        parse_ods_extract(data, "epraccur.csv", kind)
    return caught.value.problems


def test_the_practice_file_as_it_stands() -> None:
    extract = parse_ods_extract(EPRACCUR, "epraccur.csv")
    assert extract.kind is OdsKind.PRACTICES and extract.encoding == "cp1252"
    got = [(o.line, o.code, o.name, o.type, o.status) for o in extract.organisations]
    assert got == [
        (1, "A81001", "THE DENSHAM SURGERY", OrgType.GP_PRACTICE, OrgStatus.ACTIVE),
        (2, "A81003", "VICTORIA MEDICAL PRACTICE", OrgType.GP_PRACTICE, OrgStatus.CLOSED),
        (3, "A81005", "SPRINGWOOD SURGERY, GUISBOROUGH", OrgType.GP_PRACTICE, OrgStatus.DORMANT),
        # prescribing setting 1 is a walk-in centre: not a GP practice; the Windows-1252 apostrophe survives
        (4, "Y02635", "ST. MARY\u2019S WALK-IN CENTRE", OrgType.OTHER, OrgStatus.PROPOSED),
    ]


def test_the_trust_file_as_it_stands() -> None:
    """etr.csv leaves the prescribing setting empty; where it leaves the status empty too, the close date says."""
    extract = parse_ods_extract(ETR, "etr.csv")
    assert extract.kind is OdsKind.TRUSTS and extract.encoding == "utf-8"
    assert [(o.code, o.type, o.status) for o in extract.organisations] == [
        ("RA2", OrgType.OTHER, OrgStatus.ACTIVE),
        ("RA3", OrgType.OTHER, OrgStatus.CLOSED),
        ("RBD", OrgType.OTHER, OrgStatus.ACTIVE),
    ]


def test_the_zip_download_is_read_as_the_csv_inside() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("epraccur.csv", EPRACCUR)
        archive.writestr("epraccur.pdf", b"%PDF-1.4 the documentation")
    assert len(parse_ods_extract(buffer.getvalue(), "epraccur.zip").organisations) == 4


def test_utf8_with_a_byte_order_mark_blank_lines_and_lf_endings() -> None:
    text = ("\ufeff" + EPRACCUR.decode("cp1252").replace("\r\n", "\n") + "\n\n").encode("utf-8")
    extract = parse_ods_extract(text, "epraccur.csv")
    assert extract.encoding == "utf-8" and extract.organisations[3].name == "ST. MARY\u2019S WALK-IN CENTRE"


def test_a_header_added_by_a_spreadsheet_is_skipped_and_trailing_empty_columns_allowed() -> None:
    header = '"Organisation Code","Name"' + ',""' * 25 + "\r\n"
    rows = ods_file([ods_row("A81001", "THE DENSHAM SURGERY") + ["", ""]])
    extract = parse_ods_extract(header.encode() + rows, "epraccur.csv")
    assert [(o.line, o.code) for o in extract.organisations] == [(2, "A81001")]


def test_the_option_overrides_the_content_and_is_checked_against_it() -> None:
    assert parse_ods_extract(EPRACCUR, "f.csv", OdsKind.PRACTICES).kind is OdsKind.PRACTICES
    found = problems(EPRACCUR, OdsKind.TRUSTS)
    assert found[0] == ("epraccur.csv:1: column 26 (prescribing setting) holds '4': that is a GP practice file "
                        "(epraccur), not a trust file; use --kind practices")
    assert problems(ETR, OdsKind.PRACTICES)[0] == ("epraccur.csv:1: column 26 (prescribing setting) is empty; a "
                                                   "practice file (epraccur) fills it")


def test_a_file_that_is_neither_kind_asks_for_the_option() -> None:
    found = problems(EPRACCUR + ETR)
    assert found == ["epraccur.csv:5: column 26 (prescribing setting) is empty here but filled on line 1: neither a "
                     "practice file (epraccur) nor a trust file (etr); say which with --kind practices or --kind "
                     "trusts"]


def test_every_bad_line_is_named() -> None:
    rows = [
        ods_row("A81001", "GOOD SURGERY"),
        ods_row("A81002", "BAD STATUS", status="X"),
        ods_row("", "NO CODE"),
        ods_row("A81004", "   "),
        ods_row("A81005", "NOT A NUMBER", setting="GP"),
        ods_row("A81001", "GOOD SURGERY AGAIN"),
        ods_row("A81007", "NO STATUS", status=""),
    ]
    data = ods_file(rows) + b'"A81008","SHORT ROW","Y63"\r\n'
    assert problems(data, OdsKind.PRACTICES) == [
        "epraccur.csv:2: column 13 (status) must be A, C, D or P, got 'X'",
        "epraccur.csv:3: column 1 (organisation code) is empty",
        "epraccur.csv:4: column 2 (name) is empty",
        "epraccur.csv:5: column 26 (prescribing setting) must be a number, got 'GP'",
        "epraccur.csv:6: duplicate organisation code 'A81001' (first on line 1)",
        "epraccur.csv:7: column 13 (status) is empty",
        "epraccur.csv:8: 3 fields, but an ODS extract has 27",
    ]
    # Without --kind, the short line (no column 26) already makes the file neither kind.
    assert problems(data)[0].startswith("epraccur.csv:8: column 26 (prescribing setting) is empty here")


def test_malformed_csv_empty_files_and_other_bytes_get_a_specific_error() -> None:
    assert problems(b'"A81001","UNCLOSED QUOTE\r\n') == [
        "epraccur.csv:1: malformed CSV: unexpected end of data"]
    assert problems(b"") == ["epraccur.csv:1: the file has no rows; an ODS extract (epraccur.csv or etr.csv) has "
                             "one organisation a line"]
    assert problems(EPRACCUR + b"\x81\x8d\r\n") == [
        "epraccur.csv:5: byte 0x81 is neither UTF-8 nor Windows-1252 text: is this an ODS extract (epraccur.csv or "
        "etr.csv)?"]
    assert problems(b"PK\x03\x04 not really a zip") == [
        "epraccur.csv: looks like a zip archive but cannot be read: File is not a zip file"]
