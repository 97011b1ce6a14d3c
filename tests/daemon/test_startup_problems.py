"""`mailbot run` that cannot start (issue 17): the health port in use, the store unreachable, the mailbox refusing
our login. Each ends in one line naming the setting and the cause, exit status 2, no traceback; nothing claimed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Result, mailbot_process
from tests.support.daemon_setup import daemon_config_data, toml
from tests.support.dovecot import DovecotServer


def _config(tmp_path: Path, data: dict[str, dict[str, object]]) -> Path:
    path = tmp_path / "mailbot.toml"
    path.write_text(toml(data))
    return path


def _one_line_naming(result: Result, *words: str) -> str:
    assert result.status == 2, result.err
    assert "Traceback" not in result.err, result.err
    problem = [line for line in result.err.splitlines() if "mailbot:" in line]
    assert len(problem) == 1, result.err
    assert all(word in problem[0] for word in words), problem[0]
    return problem[0]


@pytest.fixture
def port_in_use() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def test_a_health_port_in_use_ends_in_one_line_naming_http_listen(tmp_path: Path, sqlite_url: str,
                                                                   port_in_use: int) -> None:
    data = daemon_config_data(sqlite_url, base=tmp_path)
    data["http"] = {"listen": f"127.0.0.1:{port_in_use}"}
    result = mailbot_process("--config", _config(tmp_path, data), "run", timeout=60)
    _one_line_naming(result, "[http] listen", f"127.0.0.1:{port_in_use}", "Address already in use")


def test_an_unreachable_store_ends_in_one_line_naming_store_url(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    data = daemon_config_data(f"postgresql://postgres@127.0.0.1:{free}/test", base=tmp_path)
    result = mailbot_process("--config", _config(tmp_path, data), "run", timeout=60)
    _one_line_naming(result, "[store] url", f"127.0.0.1:{free}", "Connection refused")


def test_a_mailbox_refusing_our_login_ends_in_one_line_naming_the_imap_login(
        tmp_path: Path, sqlite_url: str, dovecot: DovecotServer) -> None:
    data = daemon_config_data(sqlite_url, dovecot=dovecot, base=tmp_path)
    data["imap"]["password"] = "not-the-password"
    result = mailbot_process("--config", _config(tmp_path, data), "run", timeout=60)
    line = _one_line_naming(result, "[imap] username/password", dovecot.user, "LoginError")
    assert "not-the-password" not in result.err + line  # never a password in a message
