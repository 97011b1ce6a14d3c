"""/healthz and `mailbot doctor` list the running daemons and their last heartbeat; doctor checks the health port
(issue 17)."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from pathlib import Path

from tests.daemon.conftest import MakeDaemon
from tests.support.cli import mailbot
from tests.support.daemon_setup import daemon_config_data, toml


def _healthz(port: int) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        found: dict[str, object] = json.loads(response.read())
        return found


def _doctor_config(tmp_path: Path, store_url: str, listen: str) -> Path:
    data = daemon_config_data(store_url, base=tmp_path)
    data["http"] = {"listen": listen}
    path = tmp_path / "doctor.toml"
    path.write_text(toml(data))
    return path


def test_healthz_lists_the_running_daemons_with_their_last_heartbeat(make_daemon: MakeDaemon, tmp_path: Path,
                                                                     sqlite_url: str) -> None:
    first = make_daemon(base=tmp_path, heartbeat_seconds=0.2, stale_seconds=5)
    second = make_daemon(base=tmp_path, heartbeat_seconds=0.2, stale_seconds=5)
    first.start()
    second.start()
    try:
        assert first.health is not None
        before = _healthz(first.health.port)
        time.sleep(1.2)  # the heartbeat is shown to the second
        after = _healthz(first.health.port)
        listed = {d["id"]: d for d in after["daemons"]}  # type: ignore[attr-defined]
        assert set(listed) == {first.owner, second.owner}
        mine = listed[first.owner]
        assert mine["pid"] and mine["host"] and mine["started"] and mine["stale"] is False
        earlier = {d["id"]: d for d in before["daemons"]}  # type: ignore[attr-defined]
        assert mine["last_heartbeat"] > earlier[first.owner]["last_heartbeat"]  # renewed from its own thread
    finally:
        second.shutdown()
        first.shutdown()
    assert first.health is not None


def test_doctor_lists_the_running_daemons_and_accepts_a_health_port_a_daemon_serves(
        make_daemon: MakeDaemon, tmp_path: Path, sqlite_url: str) -> None:
    daemon = make_daemon(base=tmp_path)
    daemon.start()
    try:
        assert daemon.health is not None
        config = _doctor_config(tmp_path, sqlite_url, f"127.0.0.1:{daemon.health.port}")
        result = mailbot("--config", config, "doctor")
    finally:
        daemon.shutdown()
    assert result.status == 0, result.out
    assert f"health port: ok: [http] listen 127.0.0.1:{daemon.health.port}: in use by the running daemon " \
           f"{daemon.owner}" in result.out
    assert "daemons: ok: 1 running" in result.out
    assert daemon.owner in result.out and "last heartbeat" in result.out and ": alive" in result.out
    # Stopped cleanly, it is no longer listed.
    again = mailbot("--config", config, "doctor")
    assert "daemons: ok: none running" in again.out


def test_doctor_fails_on_a_health_port_held_by_something_else(tmp_path: Path, sqlite_url: str) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = mailbot("--config", _doctor_config(tmp_path, sqlite_url, f"127.0.0.1:{port}"), "doctor")
    assert result.status == 1
    assert f"health port: FAILED: [http] listen 127.0.0.1:{port}: Address already in use, and not by a mailbot" \
           in result.out
