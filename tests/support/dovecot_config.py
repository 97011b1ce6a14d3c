"""The configuration of a throwaway Dovecot: IMAP only, plain text on 127.0.0.1, one passwd-file user, Maildir.

Facts from the shared notes on test servers (test-servers.md): the login process refuses root (so dovenull/dovecot
run it), the mail uid must pass `first_valid_uid`, and the service blocks need `chroot =` when base_dir is a temp
folder.
Capabilities can be taken away (e.g. MOVE or IDLE) to test the fall-backs.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass, field
from pathlib import Path

# What Dovecot 2.3 advertises after login, less the ones a test removes.
FULL_CAPABILITIES = (
    "IMAP4rev1", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE", "IDLE", "SORT", "SORT=DISPLAY", "THREAD=REFERENCES",
    "THREAD=REFS", "THREAD=ORDEREDSUBJECT", "MULTIAPPEND", "URL-PARTIAL", "CATENATE", "UNSELECT", "CHILDREN",
    "NAMESPACE", "UIDPLUS", "LIST-EXTENDED", "I18NLEVEL=1", "CONDSTORE", "QRESYNC", "ESEARCH", "ESORT",
    "SEARCHRES", "WITHIN", "CONTEXT=SEARCH", "LIST-STATUS", "BINARY", "MOVE", "SNIPPET=FUZZY", "PREVIEW=FUZZY",
    "PREVIEW", "STATUS=SIZE", "SAVEDATE", "LITERAL+", "NOTIFY", "SPECIAL-USE",
)


@dataclass(frozen=True)
class DovecotSetup:
    root: Path
    port: int
    user: str = "mailbot"
    password: str = "test-only-password"
    without: tuple[str, ...] = ()  # capabilities to remove, e.g. ("MOVE",) or ("IDLE",)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def mail_root(self) -> Path:
        return self.root / "mail"

    def user_maildir(self) -> Path:
        return self.mail_root / self.user


def mail_owner() -> tuple[int, int, str]:
    """The uid/gid mail is stored as: ourselves when unprivileged, the `dovecot` user when we are root."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid(), pwd.getpwuid(os.getuid()).pw_name
    entry = pwd.getpwnam("dovecot")
    return entry.pw_uid, entry.pw_gid, entry.pw_name


def render(setup: DovecotSetup) -> str:
    uid, gid, _ = mail_owner()
    root = setup.root
    privileged = os.getuid() == 0
    capabilities = " ".join(c for c in FULL_CAPABILITIES if c not in setup.without)
    lines = [
        f"base_dir = {root}/run",
        f"state_dir = {root}/state",
        f"log_path = {root}/dovecot.log",
        f"info_log_path = {root}/dovecot.log",
        "protocols = imap",
        "listen = 127.0.0.1",
        "ssl = no",
        "disable_plaintext_auth = no",
        "auth_mechanisms = plain login",
        f"mail_location = maildir:{setup.mail_root}/%u",
        "first_valid_uid = 1",
        "mail_max_userip_connections = 50",
        f"imap_capability = {capabilities}",
        "imap_idle_notify_interval = 2 mins",
        "protocol imap {",
        "  mail_max_userip_connections = 50",
        "}",
        "passdb {",
        "  driver = passwd-file",
        f"  args = scheme=PLAIN username_format=%u {root}/passwd",
        "}",
        "userdb {",
        "  driver = static",
        f"  args = uid={uid} gid={gid} home={setup.mail_root}/%u",
        "}",
        "service imap-login {",
        "  chroot =",
        "  inet_listener imap {",
        f"    port = {setup.port}",
        "  }",
        "  inet_listener imaps {",
        "    port = 0",
        "  }",
        "}",
        "service anvil {",
        "  chroot =",
        "}",
        "service stats {",
        "  unix_listener stats-reader {",
        "    mode = 0666",
        "  }",
        "  unix_listener stats-writer {",
        "    mode = 0666",
        "  }",
        "}",
    ]
    if privileged:
        lines[0:0] = ["default_login_user = dovenull", "default_internal_user = dovecot"]
    else:
        me = pwd.getpwuid(os.getuid()).pw_name
        lines[0:0] = [f"default_login_user = {me}", f"default_internal_user = {me}"]
    lines += [f"{k} = {v}" for k, v in setup.extra.items()]
    return "\n".join(lines) + "\n"


def write(setup: DovecotSetup) -> None:
    """The config, the passwd file and the folders, owned so that Dovecot's processes can use them."""
    uid, gid, _ = mail_owner()
    for sub in ("run", "state", "mail"):
        (setup.root / sub).mkdir(parents=True, exist_ok=True)
    setup.config_path.write_text(render(setup))
    (setup.root / "passwd").write_text(f"{setup.user}:{{PLAIN}}{setup.password}\n")
    os.chmod(setup.root, 0o755)  # noqa: S103 - Dovecot's own users must reach it
    if os.getuid() == 0:
        for path in (setup.root / "mail", setup.root / "state"):
            os.chown(path, uid, gid)
