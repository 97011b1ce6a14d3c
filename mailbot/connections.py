"""Opening connections to the mail servers with the TLS the config asks for.

TLS is the default both ways: implicit TLS, or STARTTLS that must succeed (aiosmtplib's default only upgrades
when the server offers it, which a downgrade attack can suppress). Plain text only where the config says "none",
for local testing.
"""

from __future__ import annotations

import contextlib
import logging
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
    quiet_imaplib(client)
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


# The logger IMAPClient hands imaplib's own debugging lines to (IMAPClient.__init__).
IMAPLIB_LOGGER = "imapclient.imaplib"


def quiet_imaplib(client: IMAPClient) -> None:
    """Turn imaplib's debugging off unless its lines would be logged. IMAPClient sets imaplib's `debug` to 5 so that
    imaplib hands every line to its logger; but imaplib formats each one first, whatever the logger's level, and at
    5 that is a repr of every literal read too, the whole of every message fetched: a batch's FETCH cost 88 us of
    CPU a message of 9 KB with it, 15 without, all of it thrown away at WARNING."""
    if not logging.getLogger(IMAPLIB_LOGGER).isEnabledFor(logging.DEBUG):
        client._imap.debug = 0


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
