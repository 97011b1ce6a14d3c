"""A child that reads a sender's file opens nothing but its libraries once it starts reading (Landlock,
mailbot/hardening.py): under systemd it runs as the daemon's own user, who may read the config and the store. A real
child, started with the sandbox's options, reads a secret file before it confines itself and not after; root too
(Landlock binds root as well), so the test means the same whoever runs it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mailbot.processing.child_process import child_options

CHILD = """
import json, os, socket, sys
from mailbot.hardening import child_read_only_paths, confine_files
secret, folder, port = sys.argv[1], sys.argv[2], int(sys.argv[3])

def tries():
    found = {}
    for name, attempt in [("secret", lambda: open(secret, "rb").read()),
                          ("parent_environ", lambda: open(f"/proc/{os.getppid()}/environ", "rb").read()),
                          ("write", lambda: open(os.path.join(folder, "dropped"), "wb").close()),
                          ("library", lambda: open(json.__file__, "rb").read()),
                          ("devnull", lambda: open(os.devnull, "wb").write(b"x")),
                          ("truncate", lambda: os.truncate(secret, 10_000)),
                          ("connect", lambda: socket.create_connection(("127.0.0.1", port), timeout=5).close()),
                          ("signal_parent", lambda: os.kill(os.getppid(), 0))]:
        try:
            attempt()
            found[name] = "ok"
        except OSError as error:
            found[name] = error.strerror
    return found

before = tries()
confined = confine_files(child_read_only_paths())
print(json.dumps({"before": before, "confined": confined, "after": tries()}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Landlock is Linux's")
def test_a_confined_child_opens_its_libraries_but_not_the_config_the_store_or_the_parents_environment(
        tmp_path: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))  # a port of the daemon's (PostgreSQL, /metrics)
    port = listener.getsockname()[1]
    secret = tmp_path / "mailbot.toml"
    secret.write_text('[imap]\npassword = "Imap-Secret-41"\n')
    folder = tmp_path / "store"
    folder.mkdir()
    with listener:
        done = subprocess.run([sys.executable, "-I", "-c", CHILD, str(secret), str(folder), str(port)],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, **child_options())
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["before"] == dict.fromkeys(seen["before"], "ok")  # nothing else stood in the way
    version = seen["confined"]
    assert version >= 1, "this kernel has no Landlock (5.13 or later is needed)"
    assert seen["after"] == {"secret": "Permission denied", "parent_environ": "Permission denied",
                             "write": "Permission denied", "library": "ok", "devnull": "ok",
                             # what the kernel's Landlock can refuse, it does (this machine's: version 7)
                             "truncate": "Permission denied" if version >= 3 else "ok",
                             "connect": "Permission denied" if version >= 4 else "ok",
                             "signal_parent": "Operation not permitted" if version >= 6 else "ok"}
    assert (tmp_path / "mailbot.toml").read_text().startswith("[imap]")  # not truncated


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Landlock is Linux's")
def test_the_form_reading_child_confines_itself_and_still_reads_forms() -> None:
    """The real form reader's child: it reads forms, and the kernel shows the promise (no_new_privs) it makes only
    on its way to confining itself."""
    from mailbot.processing.sandbox import FormReader
    from tests.support import forms_fixtures as fx

    with FormReader(workers=1) as pool:
        assert pool.read(fx.filled_form("gp", fx.GOOD_VALUES, "ink")).status == "read"
        (pid,) = pool.pids()
        status = Path(f"/proc/{pid}/status").read_text()
    assert "NoNewPrivs:\t1" in status
