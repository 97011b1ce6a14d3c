"""Where DKIM public keys come from: DNS TXT records, or a file of test keys (`[auth] test_public_keys`, the format of
OpenDKIM's TestPublicKeys) for tests and air-gapped installs.

A look-up answers the TXT record's bytes, None when nothing is published (NXDOMAIN, no TXT record, not in the file),
and raises KeyLookupTemporaryError when DNS cannot answer for now (timeout, SERVFAIL): the message is then tried
again later rather than judged unauthenticated.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dns.exception
import dns.resolver

from mailbot.config import ConfigError
from rules.sender import KeyLookup, KeyLookupTemporaryError

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def key_lookup_from_config(config: Any) -> KeyLookup:
    """The key look-up the config asks for: the test key file when `[auth] test_public_keys` is set, else DNS
    with `[auth] dns_timeout_seconds`."""
    path = config.auth.test_public_keys
    if path:
        return file_key_lookup(config.path(path))
    return dns_key_lookup(float(config.auth.dns_timeout_seconds))


def file_key_lookup(path: Path) -> KeyLookup:
    """Keys from PATH, read once: lines `selector._domainkey.domain <TXT record text>`; blank lines and lines
    starting with # are skipped. The record text may be written bare or as DNS-style quoted strings."""
    keys = read_key_file(path)

    def lookup(name: str) -> bytes | None:
        return keys.get(name.lower().rstrip("."))

    return lookup


def read_key_file(path: Path) -> dict[str, bytes]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"[auth] test_public_keys: cannot read {path}: {exc.strerror or exc}") from exc
    keys: dict[str, bytes] = {}
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) != 2 or "._domainkey." not in parts[0]:
            raise ConfigError(f"{path}:{number}: expected 'selector._domainkey.domain <TXT record>'")
        name, text = parts[0].lower().rstrip("."), parts[1].strip()
        if text.startswith('"'):
            text = "".join(m.group(1).replace('\\"', '"') for m in _QUOTED.finditer(text))
        keys[name] = text.encode("ascii", "strict")
    return keys


def dns_key_lookup(timeout_seconds: float, nameservers: list[str] | None = None, port: int = 53) -> KeyLookup:
    """Keys from DNS TXT records, each look-up given TIMEOUT_SECONDS in all. NAMESERVERS (with PORT) replace the
    system's resolvers; tests point them at a local server."""
    try:
        resolver = dns.resolver.Resolver(configure=nameservers is None)
    except dns.resolver.NoResolverConfiguration as exc:
        raise ConfigError("no DNS resolver is configured on this machine (/etc/resolv.conf), so DKIM keys cannot be "
                          "looked up; set [auth] test_public_keys to a key file on an air-gapped install") from exc
    resolver.cache = dns.resolver.Cache()  # keys are asked for again and again by one sender's messages
    if nameservers is not None:
        resolver.nameservers = list(nameservers)
        resolver.port = port
    resolver.lifetime = timeout_seconds
    resolver.timeout = timeout_seconds

    def lookup(name: str) -> bytes | None:
        try:
            answer = resolver.resolve(name.rstrip(".") + ".", "TXT", lifetime=timeout_seconds, search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        except dns.exception.Timeout as exc:
            raise KeyLookupTemporaryError(f"DNS timed out after {timeout_seconds:g} s looking up {name}") from exc
        except dns.resolver.NoNameservers as exc:
            raise KeyLookupTemporaryError(f"no DNS server could answer for {name} (SERVFAIL)") from exc
        except dns.exception.DNSException as exc:
            raise KeyLookupTemporaryError(f"DNS failed looking up {name} ({exc.__class__.__name__})") from exc
        records = [b"".join(rdata.strings) for rdata in answer]
        # Several TXT records at a key name: prefer one that is a DKIM key (RFC 6376 3.6.2.2 lets us choose).
        keys = [r for r in records if b"p=" in r]
        found = keys or records
        return found[0] if found else None

    return lookup
