"""`mailbot staff add|disable` and what the web page makes of the accounts; the look without NHS.UK styles."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from mailbot.review.web.app import create_app
from store.db import make_engine, sessions
from store.models import AuditEvent, StaffMember
from tests.support.cli import ROOT, mailbot, write_config
from tests.web.conftest import csrf_of, make_app


def staff_add(monkeypatch: pytest.MonkeyPatch, config: Path, name: str, password: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    result = mailbot("--config", config, "staff", "add", name, "--password-stdin")
    return result.status, result.out, result.err


def test_staff_add_stores_only_an_argon2id_hash_and_the_member_can_log_in(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path, sqlite_url)
    status, out, _ = staff_add(monkeypatch, config, "Alex Morgan", "a long enough password")
    assert status == 0 and "Alex Morgan added" in out
    engine = make_engine(sqlite_url)
    with sessions(engine)() as session:
        member = session.scalars(select(StaffMember)).one()
        assert member.password_hash.startswith("$argon2id$") and "a long enough password" not in member.password_hash
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "staff.added"))
    engine.dispose()
    with TestClient(create_app(make_app(sqlite_url)), follow_redirects=False) as client:
        page = client.get("/login")
        response = client.post("/login", data={"name": "Alex Morgan", "password": "a long enough password",
                                               "csrf_token": csrf_of(page.text)})
        assert response.status_code == 303
        assert mailbot("--config", config, "staff", "disable", "Alex Morgan").status == 0
        assert client.get("/").status_code == 303  # disabling ended the session


def test_staff_add_refuses_short_passwords_duplicates_and_unknown_names(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path, sqlite_url)
    status, _, err = staff_add(monkeypatch, config, "Alex", "short")
    assert status == 2 and "at least 12 characters" in err
    assert staff_add(monkeypatch, config, "Alex", "a long enough password")[0] == 0
    status, _, err = staff_add(monkeypatch, config, "Alex", "a long enough password")
    assert status == 2 and "already a staff member called 'Alex'" in err
    result = mailbot("--config", config, "staff", "disable", "Nobody")
    assert result.status == 2 and "no staff member called 'Nobody'" in result.err


def test_pages_work_as_plain_html_without_the_nhsuk_frontend(sqlite_url: str, tmp_path: Path) -> None:
    app = make_app(sqlite_url, assets_dir=str(tmp_path / "absent"))
    with TestClient(create_app(app), follow_redirects=False) as client:
        page = client.get("/login")
        assert page.status_code == 200
        assert "nhsuk-frontend" not in page.text and 'class="plain"' in page.text
        assert client.get("/nhsuk/nhsuk-frontend.min.css").status_code == 404
        assert client.get("/static/mailbot.css").status_code == 200


def test_the_nhsuk_frontend_is_served_when_the_build_installed_it(sqlite_url: str) -> None:
    folder = ROOT / "var" / "web"
    if not (folder / "node_modules" / "nhsuk-frontend").is_dir():
        pytest.skip("nhsuk-frontend is not installed (scripts/test.sh installs it with npm)")
    app = make_app(sqlite_url, assets_dir=str(folder))
    with TestClient(create_app(app), follow_redirects=False) as client:
        assert '<link rel="stylesheet" href="/nhsuk/nhsuk-frontend.min.css">' in client.get("/login").text
        css = client.get("/nhsuk/nhsuk-frontend.min.css")
        assert css.status_code == 200 and "nhsuk-header" in css.text
        assert client.get("/assets/images/nhsuk-icon-cross.svg").status_code == 200


def test_staff_add_asks_twice_and_changes_nothing_when_the_two_differ(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path, sqlite_url)
    answers = iter(["first password here", "second password here"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    result = mailbot("--config", config, "staff", "add", "Alex")
    assert result.status == 2 and "not the same" in result.err
    answers = iter(["same password here", "same password here"])
    assert mailbot("--config", config, "staff", "add", "Alex").status == 0
    engine = make_engine(sqlite_url)
    with sessions(engine)() as session:
        assert session.scalars(select(StaffMember.name)).all() == ["Alex"]
    engine.dispose()


def _login_status(client: TestClient, name: str, password: str) -> int:
    page = client.get("/login")
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": csrf_of(page.text)}).status_code


def test_enable_and_new_password_from_the_command_line_and_logins_are_audited(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path, sqlite_url)
    assert staff_add(monkeypatch, config, "Alex", "the first password")[0] == 0
    with TestClient(create_app(make_app(sqlite_url)), follow_redirects=False) as client:
        assert _login_status(client, "Alex", "the first password") == 303
        assert client.get("/").status_code == 200
        monkeypatch.setattr("sys.stdin", io.StringIO("the second password\n"))
        result = mailbot("--config", config, "staff", "password", "Alex", "--password-stdin")
        assert result.status == 0 and "sessions have ended" in result.out
        assert client.get("/").status_code == 303  # the new password ended the old session
        assert _login_status(client, "Alex", "the first password") != 303
        assert _login_status(client, "Alex", "the second password") == 303
        assert mailbot("--config", config, "staff", "disable", "Alex").status == 0
        assert _login_status(client, "Alex", "the second password") != 303
        assert mailbot("--config", config, "staff", "enable", "Alex").status == 0
        assert _login_status(client, "Alex", "the second password") == 303
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    result = mailbot("--config", config, "staff", "password", "Alex", "--password-stdin")
    assert result.status == 2 and "at least 12 characters" in result.err
    engine = make_engine(sqlite_url)
    with sessions(engine)() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("staff.%"))
                                  .order_by(AuditEvent.id)).all()
    engine.dispose()
    assert actions == ["staff.added", "staff.login", "staff.password_set", "staff.login", "staff.disabled",
                       "staff.enabled", "staff.login"]


def test_staff_add_admin_and_grant_and_revoke_admin_give_and_take_the_staff_accounts_page(
        tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path, sqlite_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("an administrator password\n"))
    result = mailbot("--config", config, "staff", "add", "Ada", "--password-stdin", "--admin")
    assert result.status == 0 and "Ada is a staff administrator" in result.out
    assert staff_add(monkeypatch, config, "Ben", "an ordinary long password")[0] == 0
    with TestClient(create_app(make_app(sqlite_url)), follow_redirects=False) as client:
        def staff_page_as(name: str, password: str) -> int:
            client.cookies.clear()
            page = client.get("/login")
            assert client.post("/login", data={"name": name, "password": password,
                                               "csrf_token": csrf_of(page.text)}).status_code == 303
            return client.get("/staff").status_code

        assert staff_page_as("Ada", "an administrator password") == 200
        assert staff_page_as("Ben", "an ordinary long password") == 403
        assert mailbot("--config", config, "staff", "grant-admin", "Ben").status == 0
        assert staff_page_as("Ben", "an ordinary long password") == 200
        again = mailbot("--config", config, "staff", "grant-admin", "Ben")
        assert again.status != 0 and "already a staff administrator" in again.err
        assert mailbot("--config", config, "staff", "revoke-admin", "Ada").status == 0
        assert staff_page_as("Ada", "an administrator password") == 403
    engine = make_engine(sqlite_url)
    with sessions(engine)() as session:
        actions = [(e.action, e.actor, e.detail.get("staff")) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["staff.admin_granted", "staff.admin_revoked"])))]
    engine.dispose()
    assert actions == [("staff.admin_granted", "mailbot staff grant-admin", "Ben"),
                       ("staff.admin_revoked", "mailbot staff revoke-admin", "Ada")]
