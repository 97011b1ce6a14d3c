"""`mailbot import ods`: into the register on SQLite and on PostgreSQL, idempotent, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from store.models import AuditEvent, Organisation
from tests.register.ods_rows import ods_file, ods_row
from tests.register.test_ods_extract import EPRACCUR, ETR
from tests.support.cli import ROOT, mailbot, write_config
from tests.support.store_dump import dump

SAMPLE_DIR = ROOT / "mailbot" / "demo" / "sample"


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Path:
    return write_config(tmp_path, store_url)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def show(config: Path, code: str) -> dict:
    result = mailbot("--config", config, "org", "show", code, "--json")
    assert result.status == 0, result.err
    return json.loads(result.out)


def test_practices_and_trusts_become_organisations_of_the_right_type_and_status(config: Path, tmp_path: Path) -> None:
    result = mailbot("--config", config, "import", "ods", write(tmp_path, "epraccur.csv", EPRACCUR))
    assert result.status == 0, result.err
    assert result.out.splitlines()[0].endswith(
        "epraccur.csv: ods practices (column 26 (prescribing setting) filled on every row; cp1252): 4 organisations: "
        "4 created")
    assert "status: 1 active, 1 closed, 1 dormant, 1 proposed" in result.out
    assert result.err == ""  # no progress bar when stderr is not a terminal
    assert mailbot("--config", config, "import", "ods", write(tmp_path, "etr.csv", ETR)).status == 0
    got = {code: (show(config, code)["type"], show(config, code).get("status", "active"))
           for code in ("A81001", "A81003", "A81005", "Y02635", "RA2", "RA3")}
    assert got == {"A81001": ("gp_practice", "active"), "A81003": ("gp_practice", "closed"),
                   "A81005": ("gp_practice", "dormant"), "Y02635": ("other", "proposed"),
                   "RA2": ("other", "active"), "RA3": ("other", "closed")}
    text = mailbot("--config", config, "org", "show", "A81003").out
    assert text.splitlines()[0] == "A81003  VICTORIA MEDICAL PRACTICE  (gp_practice)  CLOSED"


def test_reimport_changes_nothing_and_writes_no_audit_event(config: Path, tmp_path: Path, engine: Engine) -> None:
    path = write(tmp_path, "epraccur.csv", EPRACCUR)
    assert mailbot("--config", config, "import", "ods", path).status == 0
    before = dump(engine)
    again = mailbot("--config", config, "import", "ods", path)
    assert again.status == 0 and "4 unchanged" in again.out
    assert "created" not in again.out and "updated" not in again.out
    assert dump(engine) == before  # audit events included: nothing happened, nothing recorded


def test_a_changed_extract_updates_names_types_and_status(config: Path, tmp_path: Path, engine: Engine) -> None:
    assert mailbot("--config", config, "import", "ods", write(tmp_path, "a.csv", EPRACCUR)).status == 0
    changed = ods_file([ods_row("A81001", "THE DENSHAM SURGERY", status="C", close_date="20260101"),
                        ods_row("A81005", "SPRINGWOOD SURGERY, GUISBOROUGH", status="A"),
                        ods_row("A81009", "NEW SURGERY", status="A", setting="0")])
    result = mailbot("--config", config, "import", "ods", write(tmp_path, "b.csv", changed))
    assert result.status == 0, result.err
    assert "1 created, 2 updated" in result.out and "status changed: 1 now active, 1 now closed" in result.out
    assert show(config, "A81001")["status"] == "closed" and "status" not in show(config, "A81005")
    assert show(config, "A81009")["type"] == "other"
    assert show(config, "A81003")["status"] == "closed"  # not in the file: left as it was
    with engine.connect() as conn:
        events = conn.execute(select(AuditEvent.detail).where(AuditEvent.action == "register.import_ods")).all()
    assert [e.detail for e in events] == [
        {"file": "a.csv", "kind": "practices", "created": 4},
        {"file": "b.csv", "kind": "practices", "created": 1, "updated": 2, "now_active": 1, "now_closed": 1},
    ]


def test_a_bad_line_rejects_the_whole_file(config: Path, tmp_path: Path, engine: Engine) -> None:
    mailbot("--config", config, "db", "upgrade")
    before = dump(engine)
    bad = ods_file([ods_row("A81001", "GOOD SURGERY"), ods_row("A81002", "BAD", status="Q")])
    result = mailbot("--config", config, "import", "ods", write(tmp_path, "epraccur.csv", bad))
    assert result.status == 2
    assert result.err.strip().endswith("epraccur.csv:2: column 13 (status) must be A, C, D or P, got 'Q'")
    assert dump(engine) == before


def test_the_kind_option(config: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "export.csv", EPRACCUR)
    result = mailbot("--config", config, "import", "ods", path, "--kind", "trusts")
    assert result.status == 2 and "use --kind practices" in result.err
    assert mailbot("--config", config, "import", "ods", path, "--kind", "practices").status == 0
    wrong = mailbot("--config", config, "import", "organisations", path, "--kind", "practices")
    assert wrong.status == 2 and "--kind is for `import ods` only" in wrong.err


def test_the_register_csv_keeps_working_with_an_optional_status_column(config: Path, tmp_path: Path,
                                                                       engine: Engine) -> None:
    assert mailbot("--config", config, "import", "organisations", SAMPLE_DIR / "organisations.csv").status == 0
    assert "status" not in show(config, "A81001")  # SPEC 15's document, exactly, for an active organisation
    closed = tmp_path / "organisations.csv"
    closed.write_text("code,name,type,status\nA81001,The Oakwood Surgery,gp_practice,closed\n")
    assert "1 updated" in mailbot("--config", config, "import", "organisations", closed).out
    assert show(config, "A81001")["status"] == "closed"
    # A file without the column leaves the status as it is.
    assert "unchanged" in mailbot("--config", config, "import", "organisations",
                                  SAMPLE_DIR / "organisations.csv").out
    assert show(config, "A81001")["status"] == "closed"
    closed.write_text("code,name,type,status\nA81001,The Oakwood Surgery,gp_practice,shut\n")
    bad = mailbot("--config", config, "import", "organisations", closed)
    assert bad.status == 2 and "status must be one of active, closed, dormant, proposed, got 'shut'" in bad.err
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Organisation)).scalar_one() == 5
