"""Pytest fixtures for the real mail servers: a Dovecot per test (in its own temp folder) and an aiosmtpd.

Registered from tests/conftest.py with `pytest_plugins`. Without Dovecot the tests are skipped on a developer's
machine and fail when MAILBOT_REQUIRE_SERVERS=1 (CI).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.dovecot import DovecotServer, dovecot_available
from tests.support.servers import missing_server
from tests.support.smtp_server import SmtpServer


def dovecot_root() -> Path:
    """A temp folder Dovecot's own users can reach (pytest's tmp_path is private to us, mode 0700)."""
    root = Path(tempfile.mkdtemp(prefix="mailbot-dovecot-"))
    root.chmod(0o755)
    return root


def _dovecot(without: tuple[str, ...] = ()) -> Iterator[DovecotServer]:
    if not dovecot_available():
        missing_server("Dovecot (Debian package dovecot-imapd)")
    root = dovecot_root()
    server = DovecotServer(root, without=without)
    try:
        server.start()
        yield server
    finally:
        server.kill()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    """A fresh Dovecot with every capability (IDLE, MOVE, UIDPLUS ...)."""
    yield from _dovecot()


@pytest.fixture
def dovecot_without_move() -> Iterator[DovecotServer]:
    """A fresh Dovecot that does not offer MOVE (the daemon must copy, flag and expunge instead)."""
    yield from _dovecot(without=("MOVE",))


@pytest.fixture
def dovecot_plain() -> Iterator[DovecotServer]:
    """A Dovecot offering neither MOVE, IDLE nor UIDPLUS: the daemon must poll and mark messages with flags."""
    yield from _dovecot(without=("MOVE", "IDLE", "UIDPLUS"))


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
