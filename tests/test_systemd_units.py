"""The systemd units in deploy/systemd: `systemd-analyze verify` accepts them, they keep the hardening the README
promises, and the form-reading children still work with no new privileges (as NoNewPrivileges=yes gives them).

systemd-analyze is not a server the suite needs (the units are checked where the tool exists, e.g. a developer's
Debian machine with the `systemd` package): without it these checks skip, even under MAILBOT_REQUIRE_SERVERS.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.cli import ROOT

UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
SYSUSERS = ROOT / "deploy" / "systemd" / "mailbot.sysusers"
HARDENING = {
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
    "ReadWritePaths": "/var/lib/mailbot", "User": "mailbot", "Restart": "on-failure", "CapabilityBoundingSet": "",
    "UMask": "0077",
}


def settings(unit: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_there_are_units_for_the_daemon_and_the_web_page() -> None:
    assert [u.name for u in UNITS] == ["mailbot-web.service", "mailbot.service"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_units_keep_their_hardening(unit: Path) -> None:
    found = settings(unit)
    for key, value in HARDENING.items():
        assert found.get(key) == [value], key
    assert found["ExecStart"][0].split()[1:] == ["web" if "web" in unit.name else "run"]
    assert "@system-service" in found["SystemCallFilter"]
    # The children set their own RLIMITs with setrlimit (in @resources, part of @system-service): never filtered.
    assert not any("@resources" in f and f.startswith("~") for f in found["SystemCallFilter"])
    # The children confine their files with Landlock (mailbot/hardening.py): its calls are let through.
    assert "landlock_create_ruleset landlock_add_rule landlock_restrict_self" in found["SystemCallFilter"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_systemd_analyze_verify_accepts_the_unit(unit: Path, tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package); the unit is not verified here")
    # verify checks that ExecStart's program exists: point it at this checkout's interpreter for the check.
    text = unit.read_text().replace("/opt/mailbot/venv/bin/mailbot", f"{sys.executable} -m mailbot")
    copy = tmp_path / unit.name
    copy.write_text(text)
    result = subprocess.run([tool, "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_sysusers_file_is_valid() -> None:
    tool = shutil.which("systemd-sysusers")
    if tool is None:
        pytest.skip("systemd-sysusers is not installed")
    result = subprocess.run([tool, "--dry-run", str(SYSUSERS)], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr


def test_form_reading_children_work_with_no_new_privileges() -> None:
    """What NoNewPrivileges=yes does to the daemon, done with util-linux's setpriv: the children still start, set
    their limits and read a form (as root they still become nobody; as the unit's user they stay that user)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is not installed")
    script = textwrap.dedent("""
        from mailbot.processing.sandbox import FormReader
        from tests.support import forms_fixtures as fx
        with FormReader(workers=1, timeout=30.0) as reader:
            print(reader.read(fx.filled_form("gp", fx.GOOD_VALUES, "ink")).status)
        print(open("/proc/self/status").read().split("NoNewPrivs:")[1].split()[0])
    """)
    result = subprocess.run([setpriv, "--no-new-privs", sys.executable, "-c", script], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                            timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["read", "1"]
