"""The strict single-From parser: the forms real mail uses are read; every trick is ambiguous."""

from __future__ import annotations

import pytest

from parsers.from_address import display_name, single_from_address
from parsers.raw_headers import split_message
from parsers.recipients import loose_addresses


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
    ("(((((five))))) jane.smith@nhs.net", "jane.smith@nhs.net"),
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
    ("=?base64?q?amFuZQ=3D=3D?= <jane@nhs.net>", "unknown charset"),
    ("=?utf-7?q?jane+AEA-nhs.net?= <evil@example.com>", "encoded word"),
    ("=?utf-8?b?####?= <jane@nhs.net>", "does not decode"),
    ('"jane"@nhs.net', "not one plain address"),
    ('"ceo@nhs.net"@example.com', "not one plain address"),
    ("jane@[192.0.2.1]", "stray"),
    ("<jane@[192.0.2.1]>", "malformed"),
    ("jane@@nhs.net", "exactly one address"),
    ("jane@nhs.net@example.com", "exactly one address"),
    ("jane..smith@nhs.net", "local part"),
    ("jane.smith\uff20nhs.net@example.com", "look-alike @ sign"),
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
    ("(" * 6 + "x" + ")" * 6 + " jane@nhs.net", "nests comments more than 5 deep"),
    ("(" * 1000 + "x" + ")" * 1000 + " jane@nhs.net", "nests comments more than 5 deep"),
    ("(" + '"(' * 1000 + "x" + ')"' * 1000 + ") evil@example.com", "nests comments more than 5 deep"),
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


@pytest.mark.parametrize("value", [
    "jane.smith@nhs.net", "<jane.smith@nhs.net>", "Jane Smith <jane.smith@nhs.net>", "Jane Smith<jane.smith@nhs.net>",
    '"Smith, Jane (NHS ENGLAND)" <jane.smith@nhs.net>', "Dr. J. Smith <jane.smith@nhs.net>",
    "jane.smith@nhs.net (Jane (Practice Manager) Smith)", "=?utf-8?q?Sin=C3=A9ad?= <sinead.obrien@nhs.net>",
    "Jane <Jane.Smith+pcse@NHS.Net>",
])
def test_python_email_reads_the_same_single_address(value: str) -> None:
    """What we accept, the standard library's parser (which the rest of the mailbot reads) reads the same way."""
    import email
    import email.policy

    parsed = email.message_from_bytes(header(value), policy=email.policy.default)
    addresses = parsed["From"].addresses
    ours = from_of(header(value))[0]
    assert len(addresses) == 1 and ours is not None
    assert addresses[0].addr_spec.lower() == ours.lower()


def test_random_from_values_we_accept_python_email_reads_alike() -> None:
    import email
    import email.policy
    import random

    pieces = ["Jane", " Smith", '"Q, x"', '"a@b"', "(c)", "(d@e)", "<", ">", "jane@nhs.net", "evil@example.com", ",",
              ":", ";", "@", "=?utf-8?q?x=40y?=", "=?utf-8?q?Jo?=", " ", ".", '"', "\\", "nhs.net", "<jane@nhs.net>",
              "\uff20", "\t", "\r\n ", "<@a:", "[1.2.3.4]"]
    rng = random.Random(7)
    accepted = 0
    for _ in range(3000):
        value = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 6)))
        ours = from_of(header(value))[0]
        if ours is None:
            continue
        accepted += 1
        parsed = email.message_from_bytes(header(value), policy=email.policy.default)
        try:
            addresses = parsed["From"].addresses
        except AttributeError:
            continue  # a standard library bug on some encoded-word display names ("=?utf-8?q?Jo?=."): no address
        # The standard library keeps undecoded UTF-8 as surrogates.
        theirs = [a.addr_spec.encode("utf-8", "surrogateescape").decode("utf-8").lower() for a in addresses]
        assert theirs == [ours.lower()], value
    assert accepted > 100


def test_many_malformed_lines_are_summarised() -> None:
    raw = b"From: a@nhs.net\r\n" + b"not a header\r\n" * 1000 + b"\r\nbody"
    _, _, problems = from_of(raw)
    assert len(problems) == 6 and problems[-1].endswith("and 995 more malformed header lines")


@pytest.mark.parametrize(("value", "name"), [
    ("Jane Smith <jane.smith@nhs.net>", "Jane Smith"),
    ('"Smith, Jane (Practice Manager)" <jane.smith@nhs.net>', "Smith, Jane (Practice Manager)"),
    ("(note) Jane  Smith (x) <jane.smith@nhs.net>", "Jane Smith"),
    ("jane.smith@nhs.net", ""),
    ("jane.smith@nhs.net (Jane  Smith)", "Jane Smith"),
    ("Jane <a@nhs.net>, Bob <b@nhs.net>", ""),
    ("g:" * 1000 + " Jane <a@nhs.net>" + ";" * 1000, ""),
    ("(" * 1000 + "x" + ")" * 1000 + " Jane <a@nhs.net>", ""),
])
def test_the_display_name_is_read_in_one_pass_at_any_depth(value: str, name: str) -> None:
    assert display_name(value) == name


@pytest.mark.parametrize(("value", "addresses"), [
    ("Jane <Jane@NHS.net>", ("jane@nhs.net",)),
    ('"a@b" <c@nhs.net>, (x) e@nhs.net, group: h@nhs.net, j@nhs.net;', ("c@nhs.net", "e@nhs.net", "h@nhs.net",
                                                                        "j@nhs.net")),
    ("(" * 1000 + "x" + ")" * 1000 + " jane@nhs.net", ("jane@nhs.net",)),
    ("g:" * 1000 + " jane@nhs.net" + ";" * 1000, ("jane@nhs.net",)),
    ("(" + '"(' * 1000 + "x" + ')"' * 1000 + ") evil@example.com", ("evil@example.com",)),
    ("no address here", ()),
])
def test_every_address_of_a_list_is_read_loosely_at_any_depth(value: str, addresses: tuple[str, ...]) -> None:
    assert loose_addresses(value) == addresses
