"""The strict single-From parser: the forms real mail uses are read; every trick is ambiguous."""

from __future__ import annotations

import pytest

from rules.from_address import single_from_address
from rules.raw_headers import split_message


def from_of(raw: bytes) -> tuple[str | None, str | None, tuple[str, ...]]:
    found = single_from_address(split_message(raw))
    return found.address, found.domain, found.problems


def header(value: str) -> bytes:
    return f"To: pcse@nhs.net\r\nFrom: {value}\r\nSubject: hi\r\n\r\nbody\r\n".encode()


@pytest.mark.parametrize(("value", "address"), [
    ("jane.smith@nhs.net", "jane.smith@nhs.net"),
    ("<jane.smith@nhs.net>", "jane.smith@nhs.net"),
    ("Jane Smith <jane.smith@nhs.net>", "jane.smith@nhs.net"),
    ("Jane Smith<jane.smith@nhs.net>", "jane.smith@nhs.net"),
    ('"Smith, Jane (NHS ENGLAND)" <jane.smith@nhs.net>', "jane.smith@nhs.net"),
    ("Dr. J. Smith <jane.smith@nhs.net>", "jane.smith@nhs.net"),
    ("jane.smith@nhs.net (Jane Smith)", "jane.smith@nhs.net"),
    ("jane.smith@nhs.net (Jane (Practice Manager) Smith)", "jane.smith@nhs.net"),
    ('"Smith \\"JJ\\" (Dr)" <jane.smith@nhs.net>', "jane.smith@nhs.net"),
    ("=?utf-8?q?Sin=C3=A9ad_O=27Brien?= <sinead.obrien@nhs.net>", "sinead.obrien@nhs.net"),
    ("=?iso-8859-1?b?U2lu6WFk?= <s@nhs.net>", "s@nhs.net"),
    ("Siobhán Ní Bhriain <siobhan@nhs.net>", "siobhan@nhs.net"),
    ("Jane <Jane.Smith+pcse@NHS.Net>", "Jane.Smith+pcse@nhs.net"),
    ("jane@bücher.example", "jane@xn--bcher-kva.example"),
])
def test_plain_single_addresses_are_read(value: str, address: str) -> None:
    assert from_of(header(value)) == (address, address.rsplit("@", 1)[1], ())


def test_folded_from_header_is_read() -> None:
    raw = b"From: \"Smith, Jane\"\r\n <jane.smith@nhs.net>\r\nSubject: x\r\n\r\n"
    assert from_of(raw)[0] == "jane.smith@nhs.net"


@pytest.mark.parametrize(("value", "problem"), [
    ("", "not one plain address"),
    ("Jane Smith", "not one plain address"),
    ("jane.smith@nhs.net, chief@nhs.net", "more than one address"),
    ("<a@nhs.net><b@nhs.net>", "more than one address"),
    ("Team: jane.smith@nhs.net;", "group syntax"),
    ("undisclosed-recipients:;", "group syntax"),
    ("<@nhs.net:evil@example.com>", "route syntax"),
    ("<@a.nhs.net,@b.nhs.net:evil@example.com>", "route syntax"),
    ("jane.smith@nhs.net <evil@example.com>", "text before the angle brackets"),
    ("jane.smith\uff20nhs.net <evil@example.com>", "text before the angle brackets"),
    ('"jane.smith@nhs.net" <evil@example.com>', "quoted display name"),
    ("<evil@example.com> (jane.smith@nhs.net)", "comment in the From header looks like an address"),
    ("<evil@example.com> (a (b \\) jane@nhs.net))", "comment in the From header looks like an address"),
    ("=?utf-8?q?jane.smith=40nhs.net?= <evil@example.com>", "encoded word"),
    ("=?utf-8?q?jane.smith=EF=BC=A0nhs.net?= <evil@example.com>", "encoded word"),
    ('"=?utf-8?q?a=40nhs.net?=" <evil@example.com>', "encoded word"),
    ("=?utf-8?q?jane=40nhs.net?=", "encoded word"),
    ("=?utf-8?q?jane?=@nhs.net", "encoded word"),
    ("=?x-unknown?q?jane?= <jane@nhs.net>", "unknown charset"),
    ("=?utf-8?b?####?= <jane@nhs.net>", "does not decode"),
    ('"jane"@nhs.net', "not one plain address"),
    ('"ceo@nhs.net"@example.com', "not one plain address"),
    ("jane@[192.0.2.1]", "stray"),
    ("<jane@[192.0.2.1]>", "malformed"),
    ("jane@@nhs.net", "exactly one address"),
    ("jane@nhs.net@example.com", "exactly one address"),
    ("jane..smith@nhs.net", "local part"),
    (".jane@nhs.net", "local part"),
    ("jane@nhs..net", "not a valid domain"),
    ("jane@nhs.net.", "not a valid domain"),
    ("jane@localhost", "not a valid domain"),
    ("jane@nhs_net.com", "not a valid domain"),
    ("jane@\uff4e\uff48\uff53.net", "not a valid domain"),
    ("Jane <jane@nhs.net", "unclosed angle bracket"),
    ("Jane (comment <jane@nhs.net>", "unclosed comment"),
    ('"Jane <jane@nhs.net>', "unclosed quoted string"),
    ("Jane <jane@nhs.net> trailing", "text after the address"),
    ("Jane > <jane@nhs.net>", "stray '>'"),
    ("\u202eten.shn@enaj\u202c <evil@example.com>", "invisible or control character"),
    ("Jane\u200b <jane@nhs.net>", "invisible or control character"),
    ("< jane@nhs.net >", "malformed"),
])
def test_tricks_and_defects_are_ambiguous(value: str, problem: str) -> None:
    address, domain, problems = from_of(header(value))
    assert address is None and domain is None
    assert len(problems) == 1 and problem in problems[0], problems


@pytest.mark.parametrize(("raw", "problem"), [
    (b"To: x@nhs.net\r\nSubject: x\r\n\r\nFrom: jane@nhs.net\r\n", "there is no From header"),
    (b"Sender: jane@nhs.net\r\n\r\n", "there is no From header, only Sender"),
    (b"Resent-From: jane@nhs.net\r\nSender: j@nhs.net\r\n\r\n", "only Sender and Resent-From"),
    (b"From: a@nhs.net\r\nfrom: a@nhs.net\r\n\r\n", "there are 2 From headers"),
    (b"From: a@nhs.net\r\nSubject: x\rFrom: evil@example.com\r\n\r\n", "bare carriage return"),
    (b"From: a@nhs.net\r\nSubject: x\x00\r\n\r\n", "NUL byte"),
    (b" folded: first\r\nFrom: a@nhs.net\r\n\r\n", "continues no header field"),
    (b"From: a@nhs.net\r\nFrom : evil@example.com\r\n\r\n", "line 2 is not a header field"),
    (b"From: a@nhs.net\r\nFrom evil@example.com\r\n\r\n", "line 2 is not a header field"),
    (b"From: a@nhs.net\r\nX-Bad\xff: y\r\n\r\n", "line 2 is not a header field"),
    (b"From: Jane \xff <a@nhs.net>\r\n\r\n", "not UTF-8"),
])
def test_header_block_problems_are_ambiguous(raw: bytes, problem: str) -> None:
    address, _, problems = from_of(raw)
    assert address is None
    assert any(problem in p for p in problems), problems


def test_mbox_separator_line_is_skipped_like_dkimpy_does() -> None:
    raw = b"From jane@nhs.net Thu Nov 26 09:00:00 2026\nFrom: jane@nhs.net\nSubject: x\n\nbody\n"
    assert from_of(raw)[0] == "jane@nhs.net"


def test_lf_only_line_endings_are_read() -> None:
    assert from_of(b"From: Jane <jane@nhs.net>\nSubject: x\n\nbody\n")[0] == "jane@nhs.net"
