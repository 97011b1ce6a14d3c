"""The daemon and the review page make themselves non-dumpable at start (mailbot/hardening.py): under systemd their
form-reading and page-drawing children run as the same user, and a same-user process may otherwise read the
parent's /proc/PID/environ, where the passwords are. Real processes throughout: a "daemon" holding a password in its
environment, running as a user other than root (root reads anything), starts a child the way the sandbox starts
its children, and the child tries to read the daemon's environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import ROOT
from tests.support.daemon_setup import daemon_config_data, toml

SECRET = "Imap-Secret-77"

# The daemon-like process. As root it first becomes `nobody` (drop_privileges) and, since changing user also
# makes a process non-dumpable, marks itself dumpable again: the state a service exec'd as its own user starts in.
DAEMON = """
import json, os, subprocess, sys
from mailbot.hardening import PR_GET_DUMPABLE, PR_SET_DUMPABLE, _prctl, make_undumpable
from mailbot.processing.child_process import child_options, drop_privileges
drop_privileges()
_prctl(PR_SET_DUMPABLE, 1)
marked = make_undumpable() if sys.argv[1] == "undumpable" else False
child = subprocess.run(["cat", f"/proc/{os.getpid()}/environ"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, **child_options())
print(json.dumps({"uid": os.getuid(), "marked": marked, "dumpable": _prctl(PR_GET_DUMPABLE, 0),
                  "child_status": child.returncode, "child_read_secret": os.environ["SECRET"].encode() in child.stdout,
                  "owner": os.stat(f"/proc/{os.getpid()}/environ").st_uid}))
"""


def _daemon_like(mode: str) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-c", DAEMON, mode], env={**os.environ, "SECRET": SECRET,
                            "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60, check=True)
    return dict(json.loads(result.stdout))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux's")
def test_a_same_user_child_reads_the_parents_environment_until_the_parent_is_made_undumpable() -> None:
    before = _daemon_like("dumpable")
    assert before["uid"] != 0  # root would read it either way: the test would prove nothing
    # Without the mark the door is open: this is what the test guards against (and why it is not vacuous).
    assert before["child_read_secret"] is True and before["owner"] == before["uid"]
    after = _daemon_like("undumpable")
    assert after["marked"] is True and after["dumpable"] == 0
    assert after["child_read_secret"] is False and after["child_status"] != 0  # cat: Permission denied
    assert after["owner"] == 0  # the kernel hands the process's /proc entries to root


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux's")
def test_mailbot_run_marks_itself_undumpable_before_it_reads_its_config(tmp_path: Path, sqlite_url: str) -> None:
    """`mailbot run --once` in a process of its own, asked afterwards whether it is still dumpable."""
    (tmp_path / "inbox").mkdir()
    config = tmp_path / "mailbot.toml"
    config.write_text(toml(daemon_config_data(sqlite_url, base=tmp_path)))
    script = ("import sys\nfrom mailbot.cli.main import main\nfrom mailbot.hardening import PR_GET_DUMPABLE, _prctl\n"
              "status = main(sys.argv[1:])\nprint('dumpable', _prctl(PR_GET_DUMPABLE, 0), 'status', status)\n")
    result = subprocess.run([sys.executable, "-c", script, "--config", str(config), "run", "--once"],
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "dumpable 0 status 0", result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux's")
def test_mailbot_web_marks_itself_undumpable(tmp_path: Path, sqlite_url: str) -> None:
    """`mailbot web` up to the point it hands over to the web server (replaced here by one that returns at once:
    the server is not what is tested)."""
    config = tmp_path / "mailbot.toml"
    config.write_text(toml({"store": {"url": sqlite_url}}))
    script = ("import sys, uvicorn\nuvicorn.run = lambda *a, **k: None\nfrom mailbot.cli.main import main\n"
              "from mailbot.hardening import PR_GET_DUMPABLE, _prctl\n"
              "status = main(sys.argv[1:])\nprint('dumpable', _prctl(PR_GET_DUMPABLE, 0), 'status', status)\n")
    result = subprocess.run([sys.executable, "-c", script, "--config", str(config), "web", "--listen", "127.0.0.1:0"],
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1] == "dumpable 0 status 0", result.stderr
