"""`mailbot doctor`: check the config, then try the store, the mail source, the mail sink and the health port, list
the running daemons with their last heartbeat, and say plainly which part failed and why. Exit 0 when everything
answered, 1 when something did not, 2 when the config itself is bad."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailbot.config import Config, load_config, redact_url
from mailbot.connections import ConnectionProblem, open_imap, quietly_logout, smtp_client
from store.daemons import running_daemons
from store.db import StoreError, current_revision, head_revision, make_engine, sessions


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("doctor", help="check the config, the store and the mail servers")
    parser.set_defaults(handler=run)


def check_store(config: Config) -> str:
    where = redact_url(config.store_url)
    engine = make_engine(config.store_url)
    try:
        current = current_revision(engine)
    except Exception as exc:  # noqa: BLE001 - whatever the driver raises, the person needs its words
        raise ConnectionProblem(f"{where}: cannot connect: {getattr(exc, 'orig', exc)}") from exc
    finally:
        engine.dispose()
    head = head_revision()
    if current == head:
        return f"{where}: schema {current}, current"
    if current is None and engine.dialect.name == "sqlite":
        return f"{where}: empty; it will be created on first use"
    raise ConnectionProblem(f"{where}: schema {current or 'missing'}, needs {head}: run `mailbot db upgrade`")


def _check_folder(path: Path, what: str) -> str:
    if path.exists() and not path.is_dir():
        raise ConnectionProblem(f"{what} {path}: exists but is not a folder")
    existing = next(p for p in (path, *path.parents) if p.exists())  # where it would be created
    if not os.access(existing, os.W_OK):
        raise ConnectionProblem(f"{what} {path}: not writable by this user")
    return f"{what} {path}: " + ("ready" if path.exists() else "will be created on first use")


def check_source(config: Config) -> str:
    if config.source.kind == "maildir":
        return _check_folder(config.path(config.source.maildir), "Maildir source")
    client = open_imap(config.imap)
    try:
        status = client.folder_status(config.imap.folder, ["MESSAGES", "UIDVALIDITY"])
        caps = sorted(c.decode() for c in client.capabilities())
    except Exception as exc:  # noqa: BLE001
        raise ConnectionProblem(f"IMAP {config.imap.host}: folder {config.imap.folder!r}: {exc}") from exc
    finally:
        quietly_logout(client)
    idle = "IDLE" if "IDLE" in caps else "no IDLE (polling)"
    return (f"IMAP {config.imap.host}:{config.imap.port} ({config.imap.tls}): logged in, "
            f"{config.imap.folder} has {status[b'MESSAGES']} messages, {idle}")


async def _smtp(config: Config) -> str:
    client = smtp_client(config.smtp)
    try:
        await client.connect()
        await client.ehlo()
        await client.quit()
    except Exception as exc:  # noqa: BLE001 - aiosmtplib raises a family of errors; all mean "not usable"
        raise ConnectionProblem(f"SMTP {config.smtp.host}:{config.smtp.port} ({config.smtp.tls}): "
                                f"{exc.__class__.__name__}: {exc}") from exc
    auth = "authenticated" if config.smtp.username else "no login configured"
    return f"SMTP {config.smtp.host}:{config.smtp.port} ({config.smtp.tls}): connected, {auth}"


def check_sink(config: Config) -> str:
    if config.sink.kind == "maildir":
        return _check_folder(config.path(config.sink.maildir), "Maildir sink")
    return asyncio.run(_smtp(config))


def check_oidc(config: Config) -> str:
    """The NHS log-in provider: its discovery document names the configured issuer and publishes signing keys."""
    if not config.oidc.enabled:
        return "NHS log-in not enabled"
    import httpx2  # only this check and `mailbot web` need it

    from mailbot.config import ConfigError
    from mailbot.review.web.oidc_client import _client_secret

    issuer = config.oidc.issuer.rstrip("/")
    try:
        _client_secret(config)  # the private key file can be read
    except ConfigError as exc:
        raise ConnectionProblem(str(exc)) from exc

    def get(url: str) -> dict[str, Any]:
        response = httpx2.get(url, timeout=10)
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found

    try:
        document = get(f"{issuer}/.well-known/openid-configuration")
        if str(document.get("issuer", "")).rstrip("/") != issuer:
            raise ConnectionProblem(f"NHS log-in {issuer}: its discovery document names issuer "
                                    f"{document.get('issuer')!r}")
        keys = get(document["jwks_uri"]).get("keys", [])
    except (httpx2.HTTPError, ValueError, KeyError) as exc:
        raise ConnectionProblem(f"NHS log-in {issuer}: {exc.__class__.__name__}: {exc}") from exc
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if config.oidc.client_auth not in methods:
        raise ConnectionProblem(f"NHS log-in {issuer}: the provider does not take client_auth "
                                f"{config.oidc.client_auth!r} (it takes {', '.join(methods)})")
    return (f"NHS log-in {issuer}: discovery answered, {len(keys)} signing key(s), client {config.oidc.client_id} "
            f"authenticates with {config.oidc.client_auth}")


def check_health_port(config: Config) -> str:
    """`[http] listen` can be bound by `mailbot run`, or is already served by a mailbot daemon (which answers
    /healthz); anything else there would stop the daemon from starting."""
    listen = config.http.listen
    if not listen:
        return "[http] listen is empty: no health endpoint"
    host, _, port = listen.rpartition(":")
    try:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the daemon's HTTP server binds
            probe.bind((host or "127.0.0.1", int(port)))
            return f"[http] listen {listen}: free"
    except OSError as exc:
        in_use = exc
    try:
        with urllib.request.urlopen(f"http://{host or '127.0.0.1'}:{port}/healthz", timeout=3) as response:
            owner = json.loads(response.read()).get("owner")
    except urllib.error.HTTPError as exc:  # 503: a mailbot whose polls are stale still answers with its owner
        owner = json.loads(exc.read() or b"{}").get("owner")
    except (OSError, ValueError):
        owner = None
    if owner:
        return f"[http] listen {listen}: in use by the running daemon {owner}"
    raise ConnectionProblem(f"[http] listen {listen}: {in_use.strerror or in_use}, and not by a mailbot daemon: "
                            "`mailbot run` could not start")


def check_daemons(config: Config) -> str:
    """The daemons recorded as running, with their last heartbeat (a stale one is dead: others take its work)."""
    engine = make_engine(config.store_url)
    try:
        if current_revision(engine) != head_revision():
            return "none known (the store is not at the current schema yet)"
        found = running_daemons(sessions(engine), datetime.now(UTC), config.daemon.stale_seconds)
    except Exception as exc:  # noqa: BLE001 - whatever the driver raises, the person needs its words
        raise ConnectionProblem(f"cannot read the running daemons: {getattr(exc, 'orig', exc)}") from exc
    finally:
        engine.dispose()
    if not found:
        return "none running"
    lines = [f"{len(found)} running"]
    for d in found:
        state = "STALE: its work is being taken over" if d["stale"] else "alive"
        lines.append(f"  {d['id']} on {d['host']} pid {d['pid']}, started {d['started']}, last heartbeat "
                     f"{d['last_heartbeat']} ({d['seconds_since_heartbeat']:g} s ago): {state}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)  # a bad config raises ConfigError: exit 2 with the key named
    print(f"config: ok ({config.source_path or 'built-in defaults'})")
    failed = 0
    checks: list[tuple[str, Callable[[Config], str]]] = [
        ("store", check_store), ("source", check_source), ("sink", check_sink), ("oidc", check_oidc),
        ("health port", check_health_port), ("daemons", check_daemons),
    ]
    for name, check in checks:
        try:
            print(f"{name}: ok: {check(config)}")
        except (ConnectionProblem, StoreError) as exc:
            failed += 1
            print(f"{name}: FAILED: {exc}")
    return 1 if failed else 0
