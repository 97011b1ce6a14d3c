"""Nothing of one machine in the repository: a fresh clone must work wherever it lands.

A tracked symbolic link that leaves the tree (`.venv -> /some/machine/venv` once came with every clone and broke both
commands of the README), or a tracked text file naming a folder of the machine it was made on, works only there;
CI on that same machine would never notice.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import missing_server

ROOT = Path(__file__).resolve().parent.parent
GIT = shutil.which("git") or "git"
BASH = shutil.which("bash") or "bash"

# Folders that only exist on a build machine: homes, the work and temporary folders, macOS and Windows user folders.
# Built from parts so that this file does not match itself.
_SLASH = "/"
MACHINE_PATH = re.compile(
    r"(?<![\w.~-])(?:"
    + "|".join(
        re.escape(_SLASH + part + _SLASH)
        for part in ("home", "root", "work", "tmp", "Users", "var" + _SLASH + "folders", "private" + _SLASH + "var")
    )
    + r")[\w.-]"
    + r"|\b[A-Za-z]:\\(?:Users|Documents and Settings)\\",
)


def _tracked() -> list[tuple[str, str]]:
    """(mode, path) of every tracked file."""
    if not (ROOT / ".git").exists():
        missing_server("a git checkout of the project")
    out = subprocess.run(
        [GIT, "ls-files", "-s", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode("utf-8", "surrogateescape")
    entries = []
    for record in out.split("\0"):
        if record:
            meta, path = record.split("\t", 1)
            entries.append((meta.split()[0], path))
    return entries


def _leaves_tree(link: str, target: str) -> bool:
    if os.path.isabs(target):
        return True
    resolved = os.path.normpath(os.path.join(os.path.dirname(link), target))
    return resolved == ".." or resolved.startswith(".." + os.sep)


def test_no_tracked_link_leaves_the_tree() -> None:
    links = [path for mode, path in _tracked() if mode == "120000"]
    leaving = []
    for link in links:
        target = subprocess.run(
            [GIT, "cat-file", "blob", f":{link}"], cwd=ROOT, check=True, capture_output=True
        ).stdout.decode("utf-8", "surrogateescape")
        if _leaves_tree(link, target):
            leaving.append(f"{link} -> {target}")
    assert not leaving, f"tracked links that point outside the repository: {leaving}"


def test_no_tracked_text_names_a_folder_of_the_build_machine() -> None:
    found = []
    for mode, path in _tracked():
        if mode == "120000":
            continue
        data = (ROOT / path).read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary: PDFs, images, keys in DER
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if MACHINE_PATH.search(line):
                found.append(f"{path}:{number}: {line.strip()[:120]}")
    assert not found, "absolute paths of a build machine in tracked files:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("line", "machine"),
    [
        ("see " + "/work" + "/shared/notes/x.md", True),
        ("VENV=" + "/home" + "/alice/venv", True),
        ("python=" + "/root" + "/.pyenv/versions/3.11.7/bin/python", True),
        ("out=" + "/tmp" + "/pytest-of-root/x", True),
        ("C:\\Users\\alice\\mailbot", True),
        ("mail_location = maildir:DIR/%u", False),
        ("sqlite:///var/mailbot.db", False),
        ("https://example.org/home/page", False),
        ("pid file in tmp_path / 'x'", False),
    ],
)
def test_machine_path_pattern(line: str, machine: bool) -> None:
    """The pattern finds machine folders and leaves URLs and relative paths alone."""
    assert bool(MACHINE_PATH.search(line)) is machine


def test_leaves_tree() -> None:
    assert _leaves_tree(".venv", "/somewhere/venv")
    assert _leaves_tree("a/b", "../../c")
    assert not _leaves_tree("a/b", "../c")
    assert not _leaves_tree("docs/x", "y")


def _discard_broken_venv(folder: Path) -> subprocess.CompletedProcess[str]:
    script = f'source "{ROOT / "scripts/lib/setup.sh"}" && discard_broken_venv'
    return subprocess.run([BASH, "-c", script], cwd=folder, capture_output=True, text=True, check=True)


@pytest.mark.parametrize("shape", ["dangling link", "folder without python", "file"])
def test_setup_replaces_a_venv_that_does_not_run(tmp_path: Path, shape: str) -> None:
    venv = tmp_path / ".venv"
    if shape == "dangling link":
        venv.symlink_to(tmp_path / "gone" / "venv")
    elif shape == "folder without python":
        (venv / "lib").mkdir(parents=True)
    else:
        venv.write_text("not a virtual environment\n")
    result = _discard_broken_venv(tmp_path)
    assert not venv.exists() and not venv.is_symlink()
    [line] = result.stderr.splitlines()
    assert line.startswith("==> .venv is ") and line.endswith("making a new one")


def test_setup_keeps_a_working_venv(tmp_path: Path) -> None:
    """A working environment (here a link to the one running this test) is left alone."""
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(os.path.realpath(sys.executable))
    result = _discard_broken_venv(tmp_path)
    assert (bin_dir / "python").exists()
    assert result.stderr == ""
