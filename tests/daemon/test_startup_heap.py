"""`mailbot run` freezes what it loaded before its first poll (gc.freeze, mailbot/processing/child_process.py's
settle_heap): the modules, config, engine and pipeline stay out of every later collection's walk. A real daemon in a
process of its own, on a Maildir and SQLite, asked from a thread of its own how many objects are frozen; it then
takes the message waiting and stops on SIGTERM as ever."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.cli import ROOT
from tests.support.daemon_setup import daemon_config_data, empty_maildir, sample_message, toml

# Beside the daemon, in its process: wait for the freeze, then for the message to be taken, then SIGTERM it.
WATCHED = """
import gc, json, os, signal, sys, threading, time
from pathlib import Path
from mailbot.cli.main import main
found = {}
def watch():
    deadline = time.monotonic() + 90
    while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    found["frozen"] = gc.get_freeze_count()
    waiting = Path(sys.argv[1]) / "inbox" / "new"
    while any(waiting.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    found["waiting"] = len(list(waiting.iterdir()))
    os.kill(os.getpid(), signal.SIGTERM)
threading.Thread(target=watch, daemon=True).start()
found["status"] = main(sys.argv[2:])
print(json.dumps(found))
"""


def _mailbot_beside(script: str, tmp_path: Path, sqlite_url: str, *run: str) -> subprocess.CompletedProcess[str]:
    """SCRIPT run with the tmp_path and then `--config CONFIG run RUN...` as its arguments; CONFIG: a Maildir
    daemon on SQLITE_URL, one message waiting."""
    inbox = empty_maildir(tmp_path / "inbox")
    (inbox / "new" / "1.eml").write_bytes(sample_message(1))
    config = tmp_path / "mailbot.toml"
    config.write_text(toml(daemon_config_data(sqlite_url, base=tmp_path)))
    return subprocess.run([sys.executable, "-c", script, str(tmp_path), "--config", str(config), "run", *run],
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=150)


def test_mailbot_run_freezes_its_startup_heap_and_still_handles_mail(tmp_path: Path, sqlite_url: str) -> None:
    result = _mailbot_beside(WATCHED, tmp_path, sqlite_url)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    # Tens of thousands: the daemon's startup heap (its modules alone are more than 10,000 objects).
    assert found["frozen"] > 10_000, result.stderr
    assert found["waiting"] == 0 and found["status"] == 0, result.stderr


def test_mailbot_run_once_does_not_freeze(tmp_path: Path, sqlite_url: str) -> None:
    """--once (the demo, the tests) ends after one round: a full collection to freeze would be time for nothing."""
    script = ("import gc, sys\nfrom mailbot.cli.main import main\nstatus = main(sys.argv[2:])\n"
              "print('frozen', gc.get_freeze_count(), 'status', status)\n")
    result = _mailbot_beside(script, tmp_path, sqlite_url, "--once")
    assert result.stdout.strip().splitlines()[-1] == "frozen 0 status 0", result.stderr
