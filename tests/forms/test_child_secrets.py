"""Children hold no secrets (SPEC 17): the form reader's children and the page-drawing child start with an empty
environment, none of the parent's file descriptors, and give up root for `nobody` before they read a sender's
file. The parent here holds what the daemon holds (the store URL and mail passwords in its environment, an open
file and an open socket); the kernel's own view of each real child (/proc/PID/environ, fd, status) must show none
of it.
"""

from __future__ import annotations

import os
import pwd
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mailbot.processing.sandbox import FormReader
from mailbot.review.web.pdf_image import render_first_page
from tests.support import forms_fixtures as fx

SECRETS = {"MAILBOT_STORE_URL": "postgresql+psycopg://mailbot:Store-Secret-31@db.internal/mailbot",
           "MAILBOT_IMAP_PASSWORD": "Imap-Secret-32", "MAILBOT_SMTP_PASSWORD": "Smtp-Secret-33"}
# A PATH, a locale, and one thread for each of OCR's libraries: nothing of the parent's.
ALLOWED_ENVIRONMENT = {"PATH", "LANG", "LC_ALL", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OMP_THREAD_LIMIT"}


@dataclass
class ParentSecrets:
    file: Path
    socket_port: int


@pytest.fixture
def parent_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ParentSecrets]:
    """The daemon's secrets in this process: in the environment, an open inheritable file, a listening socket."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    secret_file = tmp_path / "mailbot.toml"
    secret_file.write_text('[imap]\npassword = "Imap-Secret-32"\n')
    secret_file.chmod(0o600)
    fd = os.open(secret_file, os.O_RDONLY)
    os.set_inheritable(fd, True)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.set_inheritable(True)
    try:
        yield ParentSecrets(secret_file, listener.getsockname()[1])
    finally:
        os.close(fd)
        listener.close()


@dataclass
class ChildView:
    environ: bytes
    fd_targets: list[str]
    uids: list[int]
    gids: list[int]
    groups: list[int]


def child_view(pid: int) -> ChildView:
    """What the kernel says of process PID."""
    proc = Path(f"/proc/{pid}")
    environ = (proc / "environ").read_bytes()
    targets = []
    for entry in (proc / "fd").iterdir():
        try:
            targets.append(os.readlink(entry))
        except FileNotFoundError:  # an fd the child closed as we looked
            continue
    status = dict(line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line)
    return ChildView(environ, targets, [int(x) for x in status["Uid"].split()], [int(x) for x in status["Gid"].split()],
                     [int(x) for x in status["Groups"].split()])


def _open_in_this_process() -> set[str]:
    """What this process has open that a child could inherit: files and sockets (not its terminal or pipes)."""
    targets = set()
    for entry in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(entry)
        except OSError:
            continue
        if not target.startswith(("pipe:", "/dev/")):
            targets.add(target)
    return targets


def assert_holds_no_secret(view: ChildView, secrets: ParentSecrets, *, own_sockets: bool = False) -> None:
    """OWN_SOCKETS: a socket the child opened itself may be there (one seen before it gave up root: looking up
    `nobody` may ask the system's name service over a socket); one of this process's never is (the last check)."""
    names = {item.split(b"=", 1)[0].decode() for item in view.environ.split(b"\0") if item}
    assert names <= ALLOWED_ENVIRONMENT, names
    for value in SECRETS.values():
        assert value.encode() not in view.environ
    assert str(secrets.file) not in view.fd_targets
    if not own_sockets:
        assert not [t for t in view.fd_targets if t.startswith("socket:")], view.fd_targets
    assert not set(view.fd_targets) & _open_in_this_process(), view.fd_targets  # nothing of ours


def assert_unprivileged(view: ChildView) -> None:
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        assert view.uids == [nobody.pw_uid] * 4  # real, effective, saved and filesystem: no way back to root
        assert view.gids == [nobody.pw_gid] * 4
        assert view.groups == []
    else:
        assert view.uids[0] == os.getuid()


def test_a_form_reading_child_holds_none_of_the_parents_secrets_and_is_not_root(
        parent_secrets: ParentSecrets) -> None:
    with FormReader(workers=1) as pool:
        assert pool.read(fx.filled_form("gp", fx.GOOD_VALUES, "ink")).status == "read"  # the child is working
        (pid,) = pool.pids()
        view = child_view(pid)
        assert pool.read(fx.filled_form("other", fx.GOOD_VALUES, "digital")).status == "read"  # still, as nobody
    assert_holds_no_secret(view, parent_secrets)
    assert_unprivileged(view)


def _drawing_children() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"mailbot.review.web.pdf_image" in cmdline and parent == os.getpid():
            found.append(int(entry.name))
    return found


def _watch_a_drawing(pdf: bytes) -> list[ChildView]:
    """Draw PDF (made unique, so never served from the cache) while watching its child from /proc."""
    views: list[ChildView] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for pid in _drawing_children():
                try:
                    views.append(child_view(pid))
                except (OSError, KeyError):
                    continue
            time.sleep(0.001)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        assert render_first_page(pdf).startswith(b"\x89PNG")
    finally:
        done.set()
        watcher.join(timeout=5)
    return views


def test_the_page_drawing_child_holds_none_of_the_parents_secrets_and_is_not_root(
        parent_secrets: ParentSecrets) -> None:
    views: list[ChildView] = []
    for _ in range(10):  # the child lives a second or so; after giving up root it draws a small form quickly,
        # so a busy machine may let it finish between two looks: look again until it is caught after the drop
        views += _watch_a_drawing(fx.filled_form("gp", fx.GOOD_VALUES, "ink") + f"\n% {time.time_ns()}\n".encode())
        if any(v.uids[0] != 0 for v in views):
            break
    assert views, "the drawing child was never seen"
    for view in views:
        # Before the drop (uid 0) the child is still setting itself up, its own sockets maybe open; after it, none.
        assert_holds_no_secret(view, parent_secrets, own_sockets=view.uids[0] == 0)
    dropped = [v for v in views if v.uids[0] != 0]
    assert dropped, "the drawing child was only ever seen before it gave up root"
    assert_unprivileged(dropped[-1])


def test_a_drawn_page_is_still_a_png() -> None:
    assert render_first_page(fx.filled_form("gp", fx.GOOD_VALUES, "ink")).startswith(b"\x89PNG")


def test_a_childs_answer_is_data_checked_field_by_field_never_a_pickle() -> None:
    """A child taken over by a PDF can only say things a reading can say: it is never unpickled by the parent."""
    import json

    from parsers.forms.reading import read_form
    from parsers.forms.result import BadReading, reading_as_data, reading_from_data

    reading = read_form(fx.filled_form("gp", fx.GOOD_VALUES, "ink"))
    data = json.loads(json.dumps(reading_as_data(reading)))
    assert reading_from_data(data) == reading
    for field, bad in [("status", ["read"]), ("fields", {"org_code": 1}), ("problems", "one"),
                       ("signature_box", [1, 2, 3]), ("mark_over_box", "yes"), ("page_turn", 1.5),
                       ("digital_validated_at", 2040)]:
        with pytest.raises(BadReading):
            reading_from_data({**data, field: bad})
    with pytest.raises(BadReading):
        reading_from_data({**data, "extra": 1})
