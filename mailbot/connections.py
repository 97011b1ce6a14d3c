"""Opening connections to the mail servers with the TLS the config asks for.

TLS is the default both ways: implicit TLS, or STARTTLS that must succeed (aiosmtplib's default only upgrades
when the server offers it, which a downgrade attack can suppress). Plain text only where the config says "none",
for local testing.
"""

from __future__ import annotations

import contextlib
import ssl

import aiosmtplib
from imapclient import IMAPClient

from mailbot.config_sections import ImapSection, SmtpSection


class ConnectionProblem(Exception):
    """A mail server could not be used; the message says which and why, in words."""


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def open_imap(cfg: ImapSection, *, login: bool = True) -> IMAPClient:
    """A connected (and logged-in) IMAP client, or ConnectionProblem."""
    where = f"IMAP {cfg.host}:{cfg.port}"
    try:
        client = IMAPClient(cfg.host, port=cfg.port, ssl=cfg.tls == "implicit",
                            ssl_context=tls_context() if cfg.tls == "implicit" else None,
                            timeout=cfg.timeout_seconds)
    except (OSError, ssl.SSLError) as exc:
        raise ConnectionProblem(f"{where}: cannot connect: {exc}") from exc
    try:
        if cfg.tls == "starttls":
            client.starttls(tls_context())
        if login:
            if not cfg.password:
                raise ConnectionProblem(f"{where}: no password: set [imap] password or MAILBOT_IMAP_PASSWORD")
            client.login(cfg.username, cfg.password)
    except ConnectionProblem:
        quietly_logout(client)
        raise
    except Exception as exc:  # imapclient raises several unrelated types for refusals and TLS failures
        quietly_logout(client)
        raise ConnectionProblem(f"{where}: {exc.__class__.__name__}: {exc}") from exc
    return client


def quietly_logout(client: IMAPClient) -> None:
    """Log out, ignoring failure: the caller already has the error worth reporting, or its answer."""
    with contextlib.suppress(Exception):
        client.logout()


def smtp_client(cfg: SmtpSection) -> aiosmtplib.SMTP:
    """An SMTP client configured (not yet connected) with the TLS mode the config asks for."""
    return aiosmtplib.SMTP(
        hostname=cfg.host,
        port=cfg.port,
        use_tls=cfg.tls == "implicit",
        start_tls=cfg.tls == "starttls",  # True means required: never silently plain text
        tls_context=tls_context() if cfg.tls != "none" else None,
        timeout=cfg.timeout_seconds,
        username=cfg.username or None,
        password=cfg.password or None,
    )
