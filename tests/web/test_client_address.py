"""Which address a request's failed log-ins count against: the socket's peer, X-Forwarded-For only from [web]
trusted_proxies (read from the right, past trusted hops), an IPv6 client by its /64."""

from __future__ import annotations

import pytest

from mailbot.config import ConfigError, parse_config
from mailbot.review.web.client_address import ClientAddress
from store.login_throttle import client_key


def middleware(*trusted: str) -> ClientAddress:
    return ClientAddress(app=None, trusted_proxies=trusted)  # type: ignore[arg-type]


def test_forwarded_for_from_an_untrusted_peer_is_ignored() -> None:
    assert middleware().client_of("203.0.113.5", ["198.51.100.1"]) == "203.0.113.5"
    assert middleware("10.0.0.1").client_of("203.0.113.5", ["198.51.100.1"]) == "203.0.113.5"


def test_the_nearest_untrusted_hop_is_the_client_and_forged_hops_to_its_left_do_not_count() -> None:
    proxies = middleware("10.0.0.0/8", "::1")
    assert proxies.client_of("10.0.0.1", ["1.2.3.4, 198.51.100.7"]) == "198.51.100.7"
    assert proxies.client_of("10.0.0.1", ["1.2.3.4", "198.51.100.7, 10.0.0.2"]) == "198.51.100.7"
    assert proxies.client_of("::1", ["[2001:db8::5]:4711"]) == "2001:db8::5"
    assert proxies.client_of("10.0.0.1", ["not an address"]) == "10.0.0.1"  # junk: the proxy itself answers
    assert proxies.client_of("10.0.0.1", []) == "10.0.0.1"


def test_an_ipv6_client_counts_by_its_64_and_a_mapped_ipv4_as_ipv4() -> None:
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_key("192.0.2.1") == "192.0.2.1"


def test_trusted_proxies_must_be_addresses_or_networks() -> None:
    assert parse_config({"web": {"trusted_proxies": ["127.0.0.1", "10.0.0.0/8", "::1"]}}, environ={}) \
        .web.trusted_proxies == ["127.0.0.1", "10.0.0.0/8", "::1"]
    with pytest.raises(ConfigError, match=r"\[web\] trusted_proxies must list IP addresses or networks"):
        parse_config({"web": {"trusted_proxies": ["proxy.example"]}}, environ={})
