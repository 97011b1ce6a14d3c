"""`mailbot replay` over the golden corpus's store: decided again under a changed config or register, in a
throwaway copy, listing only what would change, and leaving the real store exactly as it was."""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from mailbot.cli.progress_bar import ProgressBar
from store.db import make_engine
from store.models import Base
from tests.golden.run_corpus import HERE, MESSAGES, _clock, run
from tests.support.cli import mailbot, write_config

SAMPLE = Path(__file__).resolve().parents[2] / "mailbot" / "demo" / "sample"
EXPECTED = [json.loads(line) for line in (HERE / "expected.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The golden corpus processed once into a store (its folder holds store.db and mailbot.toml)."""
    folder = tmp_path_factory.mktemp("golden")
    run(folder)
    return folder


@pytest.fixture
def store(corpus_store: Path, tmp_path: Path) -> Path:
    """A fresh copy of the corpus store for one test; its config path."""
    source, target = sqlite3.connect(corpus_store / "store.db"), sqlite3.connect(tmp_path / "store.db")
    source.backup(target)  # with what is still in the write-ahead log
    source.close()
    target.close()
    config = (corpus_store / "mailbot.toml").read_text().replace(str(corpus_store / "store.db"),
                                                                 str(tmp_path / "store.db"))
    (tmp_path / "mailbot.toml").write_text(config)
    return tmp_path / "mailbot.toml"


def _replay(config: Path, *argv: str | Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    result = mailbot("--config", config, "replay", "--json", *argv)
    assert result.status == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert lines and "summary" in lines[-1], result.out
    return lines[:-1], lines[-1]["summary"]


def _typed_off(folder: Path) -> Path:
    path = folder / "typed-off.toml"
    path.write_text("[forms]\naccept_typed_signature = false\n")
    return path


def _typed_signature_scenarios() -> set[str]:
    """The corpus's forms signed with a typed name, read from the scenarios' source (not from any store)."""
    tree = ast.parse((HERE / "scenarios.py").read_text())
    names = set()
    for call in ast.walk(tree):
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "form"
                and any(k.arg == "signature" and isinstance(k.value, ast.Constant) and k.value.value == "typed"
                        for k in call.keywords)):
            names.add(call.args[1].value)  # type: ignore[attr-defined]
    return names


def _typed_signature_approvals() -> set[str]:
    typed = _typed_signature_scenarios()
    return {line["reference"] for line in EXPECTED
            if line["outcome"] == "approved" and line["file"].split("-", 1)[1].removesuffix(".eml") in typed}


def _store_fingerprint(config: Path) -> dict[str, str]:
    """Every table's rows, hashed: the store as a reader sees it."""
    db = sqlite3.connect(config.parent / "store.db")
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        fingerprint = {}
        for table in tables:
            rows = db.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
            fingerprint[table] = f"{len(rows)}:{hashlib.sha256(repr(rows).encode()).hexdigest()}"
        return fingerprint
    finally:
        db.close()


def test_the_same_config_changes_nothing(store: Path) -> None:
    changed, summary = _replay(store)
    assert changed == []
    assert summary["changed"] == 0
    assert summary["messages"] == len(EXPECTED) and summary["cases"] == len(EXPECTED)


def test_no_typed_signatures_lists_exactly_the_typed_signature_approvals(store: Path) -> None:
    expected = _typed_signature_approvals()
    assert expected  # the corpus has at least one, or this test proves nothing
    changed, summary = _replay(store, "--config", _typed_off(store.parent))
    assert {c["reference"] for c in changed} == expected
    for case in changed:
        assert case["before"]["outcome"] == "approved"
        assert case["after"]["outcome"] != "approved"
    assert summary["changed"] == len(expected)
    assert sum(summary["transitions"].values()) == len(expected)


def test_a_case_recorded_before_readings_were_kept_has_its_form_read_again(store: Path) -> None:
    db = sqlite3.connect(store.parent / "store.db")
    with db:
        kept = db.execute("UPDATE cases SET fields = json_remove(fields, '$.form_reading') "
                          "WHERE json_extract(fields, '$.form_reading') IS NOT NULL").rowcount
    db.close()
    assert kept > 0
    changed, summary = _replay(store, "--config", _typed_off(store.parent))
    assert {c["reference"] for c in changed} == _typed_signature_approvals()
    assert f"{kept} form(s) recorded before readings were kept were read again" in summary["notes"]


def test_a_replay_writes_nothing_to_the_store_and_mails_nobody(store: Path) -> None:
    before = _store_fingerprint(store)
    _replay(store, "--config", _typed_off(store.parent))
    mailbot("--config", store, "replay", "--register", SAMPLE)
    assert _store_fingerprint(store) == before


def test_the_text_output_counts_each_transition(store: Path) -> None:
    result = mailbot("--config", store, "replay", "--config", _typed_off(store.parent))
    assert result.status == 0, result.err
    reference = sorted(_typed_signature_approvals())[0]
    assert any(line.startswith(f"{reference} primary_user_request: approved (-) → ")
               for line in result.out.splitlines()), result.out
    assert "approved → rejected: 1" in result.out
    assert "1 would change" in result.out
    assert result.err == ""  # no progress bar when stderr is not a terminal


def test_kind_chooses_the_cases_reported(store: Path) -> None:
    changed, summary = _replay(store, "--config", _typed_off(store.parent), "--kind", "permission_request")
    assert changed == []
    assert summary["cases"] == sum(1 for line in EXPECTED if line["kind"] == "permission_request")
    assert summary["messages"] == len(EXPECTED)  # every message replayed: each may change what the next meets
    changed, _ = _replay(store, "--config", _typed_off(store.parent), "--kind", "primary_user_request")
    assert {c["reference"] for c in changed} == _typed_signature_approvals()


def test_what_staff_changed_on_a_replayed_case_is_rewound_with_it(store: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff verified an unknown signatory on review: the replay starts from before that, so the case is flagged
    again as the mailbot first decided, and nothing is listed."""
    flagged = next(line["reference"] for line in EXPECTED if line["reasons"][:1] == ["signatory.unverified"])
    store.write_text(store.read_text() + "[review]\nsecond_person = false\n")
    _, before = _replay(store)
    monkeypatch.setenv("MAILBOT_CLOCK", "2026-11-30T13:00:00+00:00")
    approved = mailbot("--config", store, "review", "approve", flagged, "--verified", "phoned_record", "--by", "alice")
    assert approved.status == 0 and "signatory register" in approved.out, approved.err
    changed, summary = _replay(store)
    assert changed == [], changed
    undone = [int(n.split(" change(s)")[0].rsplit(" ", 1)[1]) for s in (before, summary) for n in s["notes"]
              if " change(s) made by the replayed cases undone" in n]
    assert undone[1] == undone[0] + 1  # and the signatory staff added


def _move_later(config: Path, from_number: int, when: str) -> None:
    """Cases from reference number FROM_NUMBER on (and their messages) as if they had come at WHEN."""
    db = sqlite3.connect(config.parent / "store.db")
    with db:
        db.execute("UPDATE cases SET created_at = ? WHERE CAST(substr(reference, 9) AS INTEGER) >= ?",
                   (when, from_number))
        db.execute("UPDATE messages SET received_at = ? WHERE id IN (SELECT message_row_id FROM cases "
                   "WHERE CAST(substr(reference, 9) AS INTEGER) >= ?)", (when, from_number))
    db.close()


def test_since_replays_only_the_later_cases_against_what_came_before(store: Path) -> None:
    _move_later(store, 20, "2026-11-30 12:00:01.000000")  # the same day: the daily reply limit counts the same
    changed, summary = _replay(store, "--since", "2026-11-30T12:00:01")
    # Duplicates, follow-ups of earlier cases and the register as the earlier cases left it: all as first met.
    assert changed == [] and summary["cases"] == len(EXPECTED) - 19
    changed, summary = _replay(store, "--since", "2026-11-30T12:00:01", "--config", _typed_off(store.parent))
    assert changed == []  # the typed-signature approval came before
    changed, summary = _replay(store, "--since", "2026-12-01")
    assert changed == [] and summary["messages"] == 0


def _register_without(folder: Path, org_code: str) -> Path:
    """The sample register files, with ORG_CODE's signatories taken out."""
    folder.mkdir()
    for name in ("applications", "organisations", "users", "signatories"):
        shutil.copy(SAMPLE / f"{name}.csv", folder / f"{name}.csv")
    rows = list(csv.DictReader(io.StringIO((SAMPLE / "signatories.csv").read_text())))
    kept = [r for r in rows if r["org_code"] != org_code]
    assert len(kept) < len(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(kept)
    (folder / "signatories.csv").write_text(out.getvalue())
    return folder


def test_the_register_the_corpus_started_from_changes_nothing(store: Path) -> None:
    changed, summary = _replay(store, "--register", SAMPLE)
    assert changed == [] and summary["changed"] == 0


def test_a_register_where_an_organisation_lost_its_signatory_changes_its_approvals(store: Path) -> None:
    harbour = {line["reference"] for line in EXPECTED
               if "harbour" in line["file"] and line["outcome"] == "approved"}
    assert harbour
    changed, summary = _replay(store, "--register", _register_without(store.parent / "register", "B82010"))
    by_reference = {c["reference"]: c for c in changed}
    assert harbour <= set(by_reference)
    for reference in harbour:
        assert by_reference[reference]["after"]["outcome"] != "approved"
        assert any(r.startswith("signatory.") for r in by_reference[reference]["after"]["reasons"])


def test_a_missing_register_folder_is_a_usage_error(store: Path) -> None:
    result = mailbot("--config", store, "replay", "--register", store.parent / "nowhere")
    assert result.status == 2 and "not a folder" in result.err


def test_a_bad_since_is_a_usage_error(store: Path) -> None:
    result = mailbot("--config", store, "replay", "--since", "last tuesday")
    assert result.status == 2 and "not a date" in result.err


def test_the_progress_bar_steps_aside_for_a_line_of_output() -> None:
    stream = io.StringIO()
    with ProgressBar("replaying", 2, stream, force=True) as bar:
        bar.advance()
        bar.clear()  # a changed case's line goes where the bar was
        bar.advance()
    drawn = stream.getvalue()
    assert "\r\033[K" in drawn and drawn.endswith("] 2/2 100%\n")
    silent = io.StringIO()
    with ProgressBar("replaying", 2, silent) as bar:
        bar.advance()
        bar.clear()
    assert silent.getvalue() == ""


@pytest.mark.postgres
def test_a_postgresql_store_is_replayed_the_same(postgres_database: str, tmp_path: Path) -> None:
    """The copy is read from PostgreSQL (JSONB, aware datetimes) as from SQLite."""
    engine = make_engine(postgres_database)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
                          + " RESTART IDENTITY CASCADE"))
    engine.dispose()
    config = write_config(tmp_path, postgres_database, f'[auth]\ntest_public_keys = "{HERE / "test-keys.txt"}"\n')
    files = sorted(MESSAGES.glob("*.eml"))[:17]  # up to the second Harbour Lane approval
    with _clock():
        for table in ("applications", "organisations", "users", "signatories"):
            assert mailbot("--config", config, "import", table, SAMPLE / f"{table}.csv").status == 0
        assert mailbot("--config", config, "process", "--json", *files).status == 0
    changed, summary = _replay(config)
    assert changed == [] and summary["messages"] == len(files)
    changed, summary = _replay(config, "--config", _typed_off(tmp_path))
    assert {c["reference"] for c in changed} == _typed_signature_approvals()
