"""Where keys come from: the `[auth] test_public_keys` file through the config, and real DNS on a local server
(answers, NXDOMAIN, SERVFAIL, and a server that never answers)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from mailbot.config import ConfigError, parse_config
from mailbot.processing.dkim_keys import dns_key_lookup, key_lookup_from_config
from rules.sender import AuthPolicy, KeyLookup, KeyLookupTemporaryError, SenderVerdict, authenticate_sender
from tests.support.dkim_signing import KeyRing, SigningKey, ed25519_key, message, sign
from tests.support.dns_server import dns_server

POLICY = AuthPolicy(nhs_domains=("nhs.net",))


def judge(raw: bytes, lookup: KeyLookup) -> SenderVerdict:
    return authenticate_sender(SimpleNamespace(raw=raw), POLICY, lookup, now=datetime.now(UTC))


def config_with_keys(tmp_path: Path, relative_path: str) -> KeyLookup:
    config = parse_config({"auth": {"test_public_keys": relative_path}}, base_dir=tmp_path, environ={})
    return key_lookup_from_config(config)


def test_key_file_named_in_the_config_authenticates(tmp_path: Path, ring: KeyRing, good_key: SigningKey) -> None:
    ring.write(tmp_path / "keys.txt")
    lookup = config_with_keys(tmp_path, "keys.txt")  # relative to the config's directory
    assert judge(sign(message(), good_key), lookup).authenticated
    assert judge(sign(message(), ed25519_key(), selector="ed"), lookup).authenticated
    verdict = judge(sign(message(), good_key, selector="absent"), lookup)
    assert not verdict.authenticated and not verdict.temporary_failure
    assert any("no DKIM key is published at absent._domainkey.nhs.net" in p for p in verdict.problems)


def test_key_file_accepts_quoted_dns_style_records_and_comments(tmp_path: Path, good_key: SigningKey) -> None:
    record = good_key.record.decode()
    quoted = " ".join(f'"{record[i:i + 100]}"' for i in range(0, len(record), 100))
    (tmp_path / "keys.txt").write_text(f"# test keys\n\nS1._domainkey.NHS.net.  {quoted}\n")
    lookup = config_with_keys(tmp_path, str(tmp_path / "keys.txt"))
    assert lookup("s1._domainkey.nhs.net") == good_key.record
    assert judge(sign(message(), good_key), lookup).authenticated


def test_unreadable_or_malformed_key_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        config_with_keys(tmp_path, "missing.txt")
    (tmp_path / "bad.txt").write_text("s1._domainkey.nhs.net v=DKIM1; p=AAAA\njust-one-word\n")
    with pytest.raises(ConfigError, match=r"bad.txt:2: expected"):
        config_with_keys(tmp_path, "bad.txt")


def test_dns_lookup_from_a_real_server(ring: KeyRing, good_key: SigningKey) -> None:
    with dns_server(ring.records) as port:
        lookup = dns_key_lookup(2.0, nameservers=["127.0.0.1"], port=port)
        assert lookup("s1._domainkey.nhs.net") == good_key.record  # a 2048-bit key spans several strings
        assert judge(sign(message(), good_key), lookup).authenticated
        assert lookup("nothing._domainkey.nhs.net") is None


@pytest.mark.serial  # a time limit: run alone, not beside another worker (scripts/test.sh)
def test_dns_timeout_is_a_temporary_failure(good_key: SigningKey) -> None:
    with dns_server(mode="silent") as port:
        lookup = dns_key_lookup(0.3, nameservers=["127.0.0.1"], port=port)
        started = time.monotonic()
        verdict = judge(sign(message(), good_key), lookup)
        elapsed = time.monotonic() - started
    assert verdict.temporary_failure and not verdict.authenticated and not verdict.ambiguous
    assert any("timed out" in p for p in verdict.problems), verdict.problems
    assert elapsed < 3


def test_dns_servfail_is_a_temporary_failure() -> None:
    with dns_server(mode="servfail") as port:
        lookup = dns_key_lookup(1.0, nameservers=["127.0.0.1"], port=port)
        with pytest.raises(KeyLookupTemporaryError, match="SERVFAIL"):
            lookup("s1._domainkey.nhs.net")


def test_dns_answers_are_cached_for_their_ttl(ring: KeyRing, good_key: SigningKey) -> None:
    with dns_server(ring.records) as port:
        lookup = dns_key_lookup(2.0, nameservers=["127.0.0.1"], port=port)
        assert lookup("s1._domainkey.nhs.net") == good_key.record
    # The server is gone: the answer (TTL 300 s) still comes from the cache.
    assert lookup("s1._domainkey.nhs.net") == good_key.record
