"""Running the command line the way a person or another tool does, in-process or as a real process."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from mailbot.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    status: int
    out: str
    err: str


def mailbot(*argv: str | Path) -> Result:
    """`mailbot ARGV` in this process (fast); SystemExit from argparse is turned into its status."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main([str(a) for a in argv])
        except SystemExit as exc:
            status = int(exc.code or 0)
    return Result(status, out.getvalue(), err.getvalue())


def mailbot_process(*argv: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
                    timeout: float = 120) -> Result:
    """`python -m mailbot ARGV` as its own process, as other tools drive it."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "mailbot", *map(str, argv)], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def write_config(directory: Path, store_url: str, extra: str = "") -> Path:
    """A config file in DIRECTORY using STORE_URL, local Maildirs, and any EXTRA TOML appended."""
    path = directory / "mailbot.toml"
    path.write_text(f'[store]\nurl = "{store_url}"\n{extra}')
    return path
