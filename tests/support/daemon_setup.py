"""Configs and parts for the daemon's tests: a Config pointing at the test Dovecot and aiosmtpd, plain text (the
servers are on 127.0.0.1), short timeouts and leases so faults show up within seconds."""

from __future__ import annotations

import uuid
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from mailbot.config import Config, parse_config
from tests.support.dovecot import DovecotServer
from tests.support.smtp_server import SmtpServer


def daemon_config_data(store_url: str, *, dovecot: DovecotServer | None = None, smtp: SmtpServer | None = None,
                       base: Path | None = None, imap: dict[str, Any] | None = None,
                       **daemon: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"store": {"url": store_url},
                            "daemon": {"retry_seconds": 1, "lease_seconds": 5, "send_retry_seconds": 1,
                                       "outbox_seconds": 1, "housekeeping_seconds": 1, **daemon},
                            "http": {"listen": "127.0.0.1:0"}}
    if dovecot is not None:
        data["source"] = {"kind": "imap"}
        data["imap"] = {"host": "127.0.0.1", "port": dovecot.port, "username": dovecot.user,
                        "password": dovecot.password, "tls": "none", "timeout_seconds": 5, "poll_seconds": 1,
                        "batch_size": 10, **(imap or {})}
    elif base is not None:
        data["source"] = {"kind": "maildir", "maildir": str(base / "inbox")}
    if smtp is not None:
        data["sink"] = {"kind": "smtp"}
        data["smtp"] = {"host": "127.0.0.1", "port": smtp.port, "tls": "none", "timeout_seconds": 2}
    elif base is not None:
        data["sink"] = {"kind": "maildir", "maildir": str(base / "sent")}
    return data


def daemon_config(store_url: str, **kwargs: Any) -> Config:
    return parse_config(daemon_config_data(store_url, **kwargs), environ={})


def empty_maildir(folder: Path) -> Path:
    """FOLDER made an empty Maildir (its new, cur and tmp), as the daemon's Maildir source reads one; FOLDER."""
    for sub in ("new", "cur", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return folder


def toml(data: dict[str, Any]) -> str:
    """DATA as TOML (flat tables of strings, numbers and booleans are all the tests need)."""
    lines = []
    for section, values in data.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int | float):
                lines.append(f"{key} = {value}")
            else:
                lines.append(f'{key} = "{value}"')
    return "\n".join(lines) + "\n"


def sample_message(n: int, *, subject: str | None = None, sender: str = "someone@nhs.net") -> bytes:
    """A small plain message with a unique Message-ID (unsigned: the real pipeline flags it and sends no reply)."""
    mid = make_msgid(idstring=f"t{n}-{uuid.uuid4().hex[:8]}", domain="example.nhs.net")
    return (f"From: Someone <{sender}>\r\nTo: pcse.openexeter@nhs.net\r\nSubject: {subject or f'Request {n}'}\r\n"
            f"Message-ID: {mid}\r\nDate: Thu, 26 Nov 2026 01:00:00 +0000\r\n\r\nPlease help with request {n}.\r\n"
            ).encode()
