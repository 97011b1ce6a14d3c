"""`mailbot staff add --nhs-email`, `staff link` and `staff unlink`: staff administrators say which NHS account is
whose; nothing else makes that link."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from store.db import make_engine, sessions
from store.models import AuditEvent, StaffMember
from tests.support.cli import mailbot, write_config


def members(url: str) -> dict[str, StaffMember]:
    engine = make_engine(url)
    with sessions(engine)() as session:
        found = {m.name: m for m in session.scalars(select(StaffMember))}
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    engine.dispose()
    found["_audit"] = actions  # type: ignore[assignment]
    return found


def test_staff_add_with_an_nhs_email_and_no_password(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, sqlite_url)
    result = mailbot("--config", config, "staff", "add", "Jo Bloggs", "--nhs-email", " Jo.Bloggs@NHS.net ",
                     "--no-password")
    assert result.status == 0 and "with their NHS account jo.bloggs@nhs.net." in result.out
    found = members(sqlite_url)
    assert found["Jo Bloggs"].nhs_email == "jo.bloggs@nhs.net" and found["Jo Bloggs"].oidc_subject is None
    assert found["Jo Bloggs"].password_hash.startswith("$argon2id$")  # a random password nobody knows
    assert found["_audit"] == ["staff.added", "staff.nhs_linked"]  # type: ignore[comparison-overlap]


def test_no_password_needs_an_nhs_email(tmp_path: Path, sqlite_url: str) -> None:
    result = mailbot("--config", write_config(tmp_path, sqlite_url), "staff", "add", "Jo", "--no-password")
    assert result.status == 2 and "--no-password needs --nhs-email" in result.err


def test_link_relink_and_unlink(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(tmp_path, sqlite_url)
    for name in ("Ann", "Bob"):
        monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
        assert mailbot("--config", config, "staff", "add", name, "--password-stdin").status == 0
    assert mailbot("--config", config, "staff", "link", "Ann", "ann@nhs.net").status == 0
    taken = mailbot("--config", config, "staff", "link", "Bob", "ANN@nhs.net")
    assert taken.status == 2 and "ann@nhs.net is already linked to 'Ann'" in taken.err
    bad = mailbot("--config", config, "staff", "link", "Bob", "not an address")
    assert bad.status == 2 and "is not an email address" in bad.err
    assert mailbot("--config", config, "staff", "unlink", "Ann").status == 0
    assert members(sqlite_url)["Ann"].nhs_email is None
    again = mailbot("--config", config, "staff", "unlink", "Ann")
    assert again.status == 2 and "has no NHS account linked" in again.err
    assert mailbot("--config", config, "staff", "link", "Bob", "ann@nhs.net").status == 0
