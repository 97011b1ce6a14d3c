"""Importing the register files of SPEC 15 and reading them back, on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.cli import ROOT, mailbot, write_config
from tests.support.store_dump import dump

SAMPLE = ROOT / "mailbot" / "demo" / "sample"
ORDER = ("organisations", "applications", "users", "signatories")


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Path:
    return write_config(tmp_path, store_url)


def import_all(config: Path) -> None:
    for kind in ORDER:
        result = mailbot("--config", config, "import", kind, SAMPLE / f"{kind}.csv")
        assert result.status == 0, result.err


def expected_orgs() -> dict[str, dict]:
    """What SPEC 15's `org show --json` must give back, built straight from the sample CSV files."""
    orgs: dict[str, dict] = {}
    with open(SAMPLE / "organisations.csv", newline="") as f:
        for row in csv.DictReader(f):
            orgs[row["code"]] = {"code": row["code"], "name": row["name"], "type": row["type"], "users": []}
    with open(SAMPLE / "users.csv", newline="") as f:
        for row in csv.DictReader(f):
            orgs[row["org_code"]]["users"].append({
                "username": row["username"], "full_name": row["full_name"], "email": row["email"],
                "status": row["status"], "primary": row["primary"] == "yes",
                "applications": sorted(a for a in row["applications"].split(";") if a),
            })
    for org in orgs.values():
        org["users"].sort(key=lambda u: u["username"])
    return orgs


def test_org_show_gives_back_exactly_what_was_imported(config: Path) -> None:
    import_all(config)
    for code, expected in expected_orgs().items():
        result = mailbot("--config", config, "org", "show", code, "--json")
        assert result.status == 0, result.err
        assert json.loads(result.out) == expected


def test_reimporting_the_same_files_changes_nothing(config: Path, engine: Engine) -> None:
    import_all(config)
    audit = ("audit_events", "audit_chain_head")  # each import is audited, which moves the chain's head
    before = {k: v for k, v in dump(engine).items() if k not in audit}
    for kind in ORDER:
        result = mailbot("--config", config, "import", kind, SAMPLE / f"{kind}.csv")
        assert result.status == 0
        assert "unchanged" in result.out and "created" not in result.out and "updated" not in result.out
    assert {k: v for k, v in dump(engine).items() if k not in audit} == before


def test_a_changed_file_updates_users_and_their_applications(config: Path, tmp_path: Path) -> None:
    import_all(config)
    changed = tmp_path / "users.csv"
    changed.write_text(
        "org_code,username,full_name,email,status,primary,applications\n"
        "A81001,PBROWN2,Paul Brown,Paul.Brown2@NHS.net,disabled,no,Sender Reports; Screening History\n"
    )
    result = mailbot("--config", config, "import", "users", changed)
    assert result.status == 0 and "1 updated" in result.out
    shown = json.loads(mailbot("--config", config, "org", "show", "A81001", "--json").out)
    paul = next(u for u in shown["users"] if u["username"] == "PBROWN2")
    assert paul == {"username": "PBROWN2", "full_name": "Paul Brown", "email": "paul.brown2@nhs.net",
                    "status": "disabled", "primary": False,
                    "applications": ["Screening History", "Sender Reports"]}


USERS_HEADER = "org_code,username,full_name,email,status,primary,applications\n"
GOOD_USER = "A81001,ZNEW1,Zoe New,zoe.new@nhs.net,active,no,\n"

BAD_FILES = [
    ("users", "org_code,username,full_name,email,status,applications\n" + GOOD_USER, 1, "missing column primary"),
    ("users", USERS_HEADER + GOOD_USER + "A81001,ZNEW2,Zed,zed@nhs.net,active,maybe,\n", 3,
     "primary must be yes or no, got 'maybe'"),
    ("users", USERS_HEADER + GOOD_USER + "ZZ999,ZNEW2,Zed,zed@nhs.net,active,no,\n", 3,
     "unknown organisation 'ZZ999'"),
    ("users", USERS_HEADER + GOOD_USER + "A81001,znew1,Zoe Again,zoe2@nhs.net,active,no,\n", 3,
     "duplicate username 'znew1' (first on line 2)"),
    ("users", USERS_HEADER + GOOD_USER + "A81001,ZNEW2,Zed,zed@nhs,active,no,\n", 3,
     "email 'zed@nhs' is not a valid email address"),
    ("users", USERS_HEADER + GOOD_USER + "A81001,ZNEW2,Zed,zed at nhs.net,active,no,\n", 3, "not a valid email"),
    ("users", USERS_HEADER + GOOD_USER + "A81001,ZNEW2,Zed,zed@nhs.net,asleep,no,\n", 3, "status must be one of"),
    ("users", USERS_HEADER + GOOD_USER + "A81002,JSMITH1,Jane,jane@nhs.net,active,no,\n", 3,
     "username 'JSMITH1' already belongs to organisation A81001"),
    ("users", USERS_HEADER + GOOD_USER + "A81001,ZNEW2,,zed@nhs.net,active,no,\n", 3, "full_name is empty"),
    ("users", USERS_HEADER + GOOD_USER + "A81001,ZNEW2,Zed,zed@nhs.net,active,no,,extra\n", 3,
     "8 values, but the header has 7 columns"),
    ("signatories", "org_code,full_name,email,role\nA81001,Dr X,x@nhs.net,gp_partner\n"
     "A81001,Dr Y,y@nhs.net,practice_cat\n", 3, "unknown role 'practice_cat'"),
    ("signatories", "org_code,full_name,email,role\nA81001,Dr X,x@nhs.net,gp_partner\n"
     "QQ1234,Dr Y,y@nhs.net,lead_gp\n", 3, "unknown organisation 'QQ1234'"),
    ("organisations", "code,name,type\nC11111,New Surgery,gp_practice\nC22222,Other,hospital\n", 3,
     "type must be gp_practice or other, got 'hospital'"),
    ("organisations", "code,name,type\nC11111,New Surgery,gp_practice\n\"C2,bad\",Other,other\n", 3,
     "is not an ODS code"),
    ("organisations", "code,name,type\nC11111,\"unterminated,gp_practice\n", 2, "malformed CSV"),
    ("applications", "", 1, "the file is empty"),
    ("applications", "name\nPrior Notification List\nprior notification list\n", 3, "duplicate application"),
]


@pytest.mark.parametrize(("kind", "content", "line", "problem"), BAD_FILES,
                         ids=[f"{k}-{p[:30]}" for k, _, _, p in BAD_FILES])
def test_a_bad_row_refuses_the_whole_file_with_file_and_line(
        config: Path, engine: Engine, tmp_path: Path, kind: str, content: str, line: int, problem: str) -> None:
    import_all(config)
    before = dump(engine)
    bad = tmp_path / f"bad-{kind}.csv"
    bad.write_text(content)
    result = mailbot("--config", config, "import", kind, bad)
    assert result.status == 2
    assert f"{bad}:{line}: " in result.err
    assert problem in result.err
    assert result.out == ""
    assert dump(engine) == before


def test_every_bad_row_is_reported_not_just_the_first(config: Path, tmp_path: Path) -> None:
    import_all(config)
    bad = tmp_path / "users.csv"
    bad.write_text(USERS_HEADER + "A81001,A1,A,a@nhs.net,active,perhaps,\nA81001,B1,B,b@nhs,active,no,\n")
    result = mailbot("--config", config, "import", "users", bad)
    assert result.status == 2
    assert result.err.splitlines() == [
        f"{bad}:2: primary must be yes or no, got 'perhaps'",
        f"{bad}:3: email 'b@nhs' is not a valid email address",
    ]


def test_not_utf8_and_missing_file(config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "orgs.csv"
    bad.write_bytes(b"code,name,type\nC11111,Caf\xe9 Surgery,gp_practice\n")
    result = mailbot("--config", config, "import", "organisations", bad)
    assert result.status == 2 and f"{bad}:2: not UTF-8" in result.err
    result = mailbot("--config", config, "import", "organisations", tmp_path / "absent.csv")
    assert result.status == 2 and "absent.csv: cannot read" in result.err


def test_excel_exports_with_bom_crlf_and_trailing_empty_columns_import(config: Path, tmp_path: Path) -> None:
    f = tmp_path / "orgs.csv"
    f.write_bytes(b"\xef\xbb\xbfCode,Name,Type,,\r\nC11111,New Surgery,GP_Practice,,\r\n\r\n")
    result = mailbot("--config", config, "import", "organisations", f)
    assert result.status == 0, result.err
    shown = json.loads(mailbot("--config", config, "org", "show", "c11111", "--json").out)
    assert shown == {"code": "C11111", "name": "New Surgery", "type": "gp_practice", "users": []}


def test_import_is_audited(config: Path, engine: Engine) -> None:
    import_all(config)
    events = [row for row in dump(engine)["audit_events"]]
    assert len(events) == 4
