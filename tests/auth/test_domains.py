"""Domain normalising, exact NHS membership and DMARC relaxed alignment."""

from __future__ import annotations

import pytest

from parsers.domains import aligned, in_domains, is_dkim_token, normalise_domain, organisational_domain

NHS = ("nhs.net",)


@pytest.mark.parametrize(("domain", "expected"), [
    ("nhs.net", "nhs.net"), ("NHS.NET", "nhs.net"), ("Nhs.Net", "nhs.net"),
    ("bücher.example", "xn--bcher-kva.example"), ("BÜCHER.example", "xn--bcher-kva.example"),
    ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("nhs.net.", None), ("", None), ("nhs", None), ("nhs..net", None), ("-nhs.net", None),
    ("\uff4e\uff48\uff53.net", None), ("nhs_x.net", None), ("a" * 64 + ".net", None),
])
def test_normalise_domain(domain: str, expected: str | None) -> None:
    assert normalise_domain(domain) == expected


@pytest.mark.parametrize(("domain", "nhs"), [
    ("nhs.net", True),
    ("nhs-net.com", False), ("nhs.net.example.com", False), ("mail.nhs.net", False), ("xn--nhs-net", False),
    (normalise_domain("nhs.n\u0435t"), False), (None, False),
])
def test_nhs_membership_is_exact(domain: str | None, nhs: bool) -> None:
    assert in_domains(domain, NHS) is nhs


def test_configured_domains_are_normalised_too() -> None:
    assert in_domains("nhs.net", ("NHS.Net",))


@pytest.mark.parametrize(("signing", "author", "expected"), [
    ("nhs.net", "nhs.net", True), ("mail.nhs.net", "nhs.net", True), ("nhs.net", "mail.nhs.net", True),
    ("NHS.NET", "nhs.net", True), ("a.nhs.net", "b.nhs.net", True),
    ("example.com", "nhs.net", False), ("nhs.net.example.com", "nhs.net", False), ("net", "nhs.net", False),
    ("nhs-net.com", "nhs.net", False), ("co.uk", "nhs.co.uk", False), ("evil.co.uk", "nhs.co.uk", False),
    ("x.nhs.uk", "y.nhs.uk", False), ("x.nhs.uk", "a.x.nhs.uk", True),
    ("evil.github.io", "nhs.github.io", False), ("bad domain", "nhs.net", False),
])
def test_relaxed_alignment(signing: str, author: str, expected: bool) -> None:
    assert aligned(signing, author) is expected


def test_organisational_domain_of_a_public_suffix_is_none() -> None:
    assert organisational_domain("co.uk") is None
    assert organisational_domain("a.b.nhs.net") == "nhs.net"


@pytest.mark.parametrize(("token", "ok"), [
    ("s1", True), ("nhs.net", True), ("sel-2024.a", True),
    ("", False), ("s 1", False), ("s1;", False), ("s1.", False), (".s1", False), ("a..b", False),
    ("s1\x00", False), ("s_1", False), ("@nhs.net", False), ("s\u0131", False), ("a" * 254, False),
])
def test_dkim_tokens(token: str, ok: bool) -> None:
    assert is_dkim_token(token) is ok
