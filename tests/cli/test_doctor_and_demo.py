"""`mailbot doctor` says which part failed and why; `mailbot demo` runs the main job from nothing."""

from __future__ import annotations

import socket
from pathlib import Path

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
    again = mailbot_process("demo", "--dir", tmp_path / "demo")
    assert again.status == 0 and "users: 9 created" in again.out  # starts from nothing each time


def test_demo_never_deletes_a_folder_it_did_not_make(tmp_path: Path) -> None:
    keep = tmp_path / "precious"
    keep.mkdir()
    (keep / "thesis.txt").write_text("years of work")
    result = mailbot("demo", "--dir", keep)
    assert result.status == 2 and "was not made by `mailbot demo`" in result.err
    assert (keep / "thesis.txt").read_text() == "years of work"
