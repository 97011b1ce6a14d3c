"""The progress bar of `mailbot import ods`: drawn on a terminal's stderr, never into a pipe or a log."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from mailbot.cli.progress_bar import ProgressBar
from tests.register.test_ods_extract import EPRACCUR
from tests.support.cli import ROOT, write_config


def test_nothing_is_drawn_when_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    with ProgressBar("import", 10, stream) as bar:
        bar.advance(10)
    assert stream.getvalue() == ""


def test_the_bar_fills_and_ends_its_line() -> None:
    stream = io.StringIO()
    with ProgressBar("import epraccur.csv", 4, stream, force=True) as bar:
        bar.advance(4)
    drawn = stream.getvalue()
    assert drawn.startswith("\rimport epraccur.csv [")
    assert drawn.endswith("] 4/4 100%\n") and "#" * 30 in drawn


def test_the_command_draws_it_on_a_terminal(tmp_path: Path) -> None:
    extract = tmp_path / "epraccur.csv"
    extract.write_bytes(EPRACCUR)
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    leader, follower = os.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "mailbot", "--config", str(config), "import", "ods",
                               str(extract)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdout=subprocess.PIPE, stderr=follower, timeout=120, check=False)
        os.close(follower)
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal is closed and empty (Linux says EIO)
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(leader)
    assert proc.returncode == 0
    assert b"import epraccur.csv [" in drawn and b"4/4 100%" in drawn
    assert b"[" not in proc.stdout.split(b"\n", 1)[0]  # stdout carries the summary only
