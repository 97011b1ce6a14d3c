"""`mailbot doctor` says which part failed and why; `mailbot demo` runs the main job from nothing."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from sqlalchemy import select

from mailbot.config import load_config
from store.db import make_engine, sessions
from store.models import Case, OutboxMessage
from tests.support.cli import mailbot, mailbot_process, write_config


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_doctor_on_the_embedded_default_is_all_ok(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, sqlite_url)
    result = mailbot("--config", config, "doctor")
    assert result.status == 0, result.out
    assert "config: ok" in result.out
    assert "store: ok" in result.out and "current" in result.out
    assert "source: ok: Maildir source" in result.out
    assert "sink: ok: Maildir sink" in result.out


def test_doctor_names_the_server_that_failed_and_why(tmp_path: Path, sqlite_url: str) -> None:
    port = closed_port()
    config = write_config(tmp_path, sqlite_url, f"""
[source]
kind = "imap"
[imap]
host = "127.0.0.1"
port = {port}
tls = "none"
password = "x"
timeout_seconds = 3
[sink]
kind = "smtp"
[smtp]
host = "127.0.0.1"
port = {port}
tls = "none"
timeout_seconds = 3
""")
    result = mailbot("--config", config, "doctor")
    assert result.status == 1
    assert "store: ok" in result.out
    assert f"source: FAILED: IMAP 127.0.0.1:{port}: cannot connect" in result.out
    assert f"sink: FAILED: SMTP 127.0.0.1:{port} (none)" in result.out


def test_doctor_reports_an_unreachable_store(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"postgresql+psycopg://nobody:pw@127.0.0.1:{closed_port()}/none")
    result = mailbot("--config", config, "doctor")
    assert result.status == 1
    assert "store: FAILED: postgresql+psycopg://nobody:***@127.0.0.1" in result.out
    assert "pw@" not in result.out


def test_doctor_with_a_bad_config_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[store]\nulr = 'x'\n")
    result = mailbot("--config", bad, "doctor")
    assert result.status == 2 and "unknown key [store] ulr" in result.err


def test_demo_runs_the_whole_pipeline_on_sample_mail(tmp_path: Path) -> None:
    result = mailbot_process("demo", "--dir", tmp_path / "demo")
    assert result.status == 0, result.err
    assert "users: 9 created" in result.out
    assert "A81001  The Oakwood Surgery  (gp_practice)" in result.out
    table = result.out[result.out.index("reference  "):]
    for kind, outcome in (("primary_user_request", "approved"), ("primary_user_request", "rejected"),
                          ("permission_request", "approved"), ("new_user_notification", "approved"),
                          ("guidance", "answered"), ("automatic", "ignored"), ("unclear", "flagged")):
        assert f"{kind} " in table and f" {outcome} " in table, (kind, outcome)
    assert "signatory.role_not_allowed" in table and "form.unsigned" in table and "sender.unauthenticated" in table
    assert "signatory_confirmation  approved" in table and "signatory.confirmation_requested" in table
    again = mailbot_process("demo", "--dir", tmp_path / "demo")
    assert again.status == 0 and "users: 9 created" in again.out  # starts from nothing each time


def test_demo_never_deletes_a_folder_it_did_not_make(tmp_path: Path) -> None:
    keep = tmp_path / "precious"
    keep.mkdir()
    (keep / "thesis.txt").write_text("years of work")
    result = mailbot("demo", "--dir", keep)
    assert result.status == 2 and "was not made by `mailbot demo`" in result.err
    assert (keep / "thesis.txt").read_text() == "years of work"


def test_demo_has_a_form_confirmed_by_its_signatory_and_a_forged_one_held_for_the_signatory(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = mailbot("demo", "--dir", folder)
    assert result.status == 0, result.err
    assert ("waits for Dr Ruth Evans: the confirmation request went to ruth.evans@nhs.net, the address on record"
            in result.out)
    # As README says: fourteen sample messages, then a fifteenth, the signatory's answer; each one case.
    assert len(list((folder / "messages").glob("*.eml"))) == 15
    config = folder / "mailbot.toml"
    engine = make_engine(load_config(config).store_url)
    with sessions(engine)() as session:
        cases = {c.reference: c for c in session.scalars(select(Case))}
        requests = {r.recipient: cases_by_id(cases)[r.case_id] for r in session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "confirmation_request"))}
    engine.dispose()
    assert len(cases) == 15
    # The nominee sent the form Nina Rossi signed; she answered yes, from her address on record: approved.
    confirmed = requests["nina.rossi@nhs.net"]
    assert (confirmed.sender, confirmed.outcome) == ("omar.reed@nhs.net", "approved")
    [answer] = [c for c in cases.values() if c.kind == "signatory_confirmation"]
    assert (answer.parent_case_id, answer.sender) == (confirmed.id, "nina.rossi@nhs.net")
    # The forged form names Dr Ruth Evans: it waits for her, its request at her address on record only.
    forged = requests["ruth.evans@nhs.net"]
    assert (forged.sender, forged.outcome, forged.reasons) == ("eve.intruder@nhs.net", "pending",
                                                               ["signatory.confirmation_requested"])
    assert set(requests) == {"nina.rossi@nhs.net", "ruth.evans@nhs.net"}
    # Dr Omar Said signed a form by hand and scanned it: read by OCR, and approved (the other is unsigned).
    from_omar = {c.outcome: c for c in cases.values() if c.sender == "omar.said@nhs.net"
                 and c.kind == "primary_user_request"}
    scanned = from_omar["approved"]
    assert scanned.fields["request"]["signature_how"] == "ink signature"
    assert scanned.fields["request"]["how_read"]["fields"]["pu_replaces"]["how"] == "ocr"
    users = {u["email"]: u for u in json.loads(mailbot("--config", config, "org", "show", "Y01234", "--json").out)[
        "users"]}
    assert users["omar.reed@nhs.net"]["primary"]
    harbour = mailbot("--config", config, "org", "show", "B82010", "--json").out
    assert "eve.intruder@nhs.net" not in harbour


def cases_by_id(cases: dict) -> dict:
    return {c.id: c for c in cases.values()}
