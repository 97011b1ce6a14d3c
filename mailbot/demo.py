"""The main job on the embedded default, from nothing: a fresh store under one folder, the sample register, and
what the mailbot makes of it. README's first command runs this."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from mailbot.config import Config, load_config
from mailbot.errors import UsageError
from parsers.register_csv import parse_register_csv

MARKER = ".mailbot-demo"
SAMPLE = resources.files("mailbot") / "sample"
REGISTER_FILES = ("organisations", "applications", "users", "signatories")

DEMO_CONFIG = """\
# Written by `mailbot demo`: the embedded default (SQLite store, local Maildirs) inside this folder.
[store]
url = "sqlite:///mailbot.db"
[source]
kind = "maildir"
maildir = "inbox"
[sink]
kind = "maildir"
maildir = "sent"
"""


def prepare(directory: Path) -> Config:
    """An empty demo folder with its own config; a folder the demo did not make is never deleted."""
    if directory.exists():
        if not (directory / MARKER).exists():
            raise UsageError(f"{directory}: exists and was not made by `mailbot demo`; choose another --dir")
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / MARKER).write_text("made by mailbot demo; deleted and remade by each run\n")
    (directory / "mailbot.toml").write_text(DEMO_CONFIG)
    for name in REGISTER_FILES:
        (directory / f"{name}.csv").write_bytes((SAMPLE / f"{name}.csv").read_bytes())
    return load_config(directory / "mailbot.toml")


def sample_codes(directory: Path) -> list[str]:

    rows = parse_register_csv("organisations", (directory / "organisations.csv").read_bytes(), "organisations.csv")
    return [r.code for r in rows]
