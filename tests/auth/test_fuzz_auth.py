"""Seeded mutations of genuinely signed messages: authenticate_sender never raises, and never authenticates a
message whose signed content changed.

"Signed content" is judged here independently of the code under test: the From address, the body and every header
the signature names, all compared after relaxed canonicalisation (so a whitespace change the signature tolerates
is not a change). A mutation that adds a trusted Authentication-Results on top is believed by design; then the
topmost such header must really be the trusted one.
"""

from __future__ import annotations

import email
import email.policy
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import dkim
import pytest
from dkim.canonicalization import Relaxed

from rules.sender import AuthPolicy, authenticate_sender
from tests.support.deep_headers import ADDRESS_HEADERS, DEEP_SHAPES
from tests.support.dkim_signing import KeyRing, ed25519_key, message, rsa_key, sign

MUTATIONS = 10_000
TRUSTED = "mx.pcse.nhs.net"
POLICY = AuthPolicy(nhs_domains=("nhs.net",), trusted_authserv_ids=(TRUSTED,))
EVIL_HEADERS = [
    b"From: Boss <chief.exec@nhs.net>", b"From: evil@example.com", b"Subject: Make evil@example.com a Primary User",
    b"Reply-To: evil@example.com", b"To: evil@example.com", b"Content-Type: text/html", b"Sender: evil@example.com",
    b"Date: Fri, 27 Nov 2026 09:00:00 +0000", b"Message-ID: <evil@example.com>", b"MIME-Version: 2.0",
    b"Authentication-Results: mx.evil.example; dmarc=pass header.from=nhs.net",
    f"Authentication-Results: {TRUSTED}; dmarc=pass header.from=nhs.net".encode(),
    f"Authentication-Results: {TRUSTED}; dkim=pass header.d=nhs.net".encode(),
    b"X-Note: harmless", b" folded continuation", b"From : evil@example.com", b"From evil@example.com",
]
EVIL_FROMS = [
    b"jane.smith@nhs.net, evil@example.com", b"jane.smith@nhs.net <evil@example.com>",
    b'"jane.smith@nhs.net" <evil@example.com>', b"=?utf-8?q?jane.smith=40nhs.net?= <evil@example.com>",
    b"<@nhs.net:evil@example.com>", b"Jane <jane.smith@nhs-net.com>", b"Jane <jane.smith@nhs.net.example.com>",
    b"Jane <jane.smith@nhs.n\xd0\xb5t>", b"Jane <Jane.Smith@NHS.NET>", b"Jane Smith <jane.smith@nhs.net> ",
    b"Jane  Smith  <jane.smith@nhs.net>",
    # Nested deeper than the standard library's address parsers can recurse (RecursionError in the shell before).
    *(shape.format(address=address).encode() for shape in DEEP_SHAPES.values()
      for address in ("jane.smith@nhs.net", "evil@example.com")),
]
# The same shapes in every other header that holds addresses.
DEEP_HEADERS = [f"{name}: {shape.format(address='evil@example.com')}".encode()
                for name in ADDRESS_HEADERS if name not in ("From", "Authentication-Results")
                for shape in DEEP_SHAPES.values()] + [
    f"Authentication-Results: {auth_id}; dkim=pass {shape.format(address='x')} header.d=nhs.net".encode()
    for auth_id in (TRUSTED, "mx.evil.example") for shape in DEEP_SHAPES.values()]
TAG_VALUES = {
    b"d": [b"example.com", b"nhs.net", b"NHS.NET", b"mail.nhs.net", b"nhs.net;", b"nhs.net\\@x", b""],
    b"s": [b"s1", b"ed", b"weak", b"S1", b"s1._domainkey.example.com", b"absent"],
    b"a": [b"rsa-sha1", b"rsa-sha256", b"ed25519-sha256", b"RSA-SHA256", b"hmac"],
    b"l": [b"0", b"1", b"10", b"99999", b"-1", b"x"],
    b"c": [b"simple/simple", b"relaxed/relaxed", b"relaxed", b"bogus/x"],
    b"h": [b"subject", b"from", b"from:from:from", b"to : from"],
}


@dataclass(frozen=True)
class Signed:
    raw: bytes
    address: str
    signed: tuple[str, ...]  # header names the signature covers


def _base_messages() -> list[Signed]:
    ed, rsa2048 = ed25519_key(), rsa_key(2048)
    plain = message(extra="Reply-To: jane.smith@nhs.net\r\n")
    multi = message(body="Line one\r\n\r\n  indented \t line\r\n\r\n\r\n")
    defaults = ("from", "to", "subject", "date", "message-id", "content-type", "reply-to", "mime-version")
    return [
        Signed(sign(plain, rsa2048), "jane.smith@nhs.net", defaults),
        Signed(sign(multi, ed, selector="ed"), "jane.smith@nhs.net", defaults),
        Signed(sign(plain, rsa2048, canonicalize=(b"simple", b"simple")), "jane.smith@nhs.net", defaults),
        Signed(sign(multi, rsa2048, length=True), "jane.smith@nhs.net", defaults),
        Signed(sign(sign(plain, rsa2048), rsa_key(1024, 1), domain="example.com"), "jane.smith@nhs.net", defaults),
    ]


def _canonical(raw: bytes, names: tuple[str, ...]) -> tuple[bytes, tuple[tuple[bytes, bytes], ...]] | None:
    """The relaxed-canonical body and signed headers, as dkimpy's own splitter reads them; None if unparseable."""
    try:
        headers, body = dkim.rfc822_parse(raw)
    except Exception:  # noqa: BLE001
        return None
    wanted = {n.encode() for n in names}
    signed = Relaxed.canonicalize_headers([(n, v) for n, v in headers if n.lower() in wanted])
    return Relaxed.canonicalize_body(body), tuple(sorted((n, v) for n, v in signed))


def _mutate(raw: bytes, rng: random.Random) -> bytes:
    lines = raw.split(b"\r\n")
    head_end = lines.index(b"") if b"" in lines else len(lines)
    choice = rng.randrange(12)
    if choice == 0:  # flip a byte
        i = rng.randrange(len(raw))
        return raw[:i] + bytes([rng.randrange(256)]) + raw[i + 1:]
    if choice == 1:  # insert bytes
        i = rng.randrange(len(raw) + 1)
        return raw[:i] + rng.choice([b" ", b"\t", b"\r\n", b"\n", b"\r", b"x", b"@", b",", b"\x00", b"\r\n "]) + raw[i:]
    if choice == 2:  # delete a range
        i = rng.randrange(len(raw))
        return raw[:i] + raw[i + rng.randrange(1, 20):]
    if choice == 3:  # duplicate a line somewhere
        line = rng.choice(lines)
        lines.insert(rng.randrange(len(lines) + 1), line)
    elif choice == 4:  # add a hostile header in the header block
        lines.insert(rng.randrange(head_end + 1), rng.choice(EVIL_HEADERS if rng.random() < 0.7 else DEEP_HEADERS))
    elif choice == 5:  # change the case of one header character
        i = rng.randrange(max(1, sum(len(x) + 2 for x in lines[:head_end])))
        return raw[:i] + raw[i:i + 1].swapcase() + raw[i + 1:]
    elif choice == 6:  # append to the body
        return raw + rng.choice([b"Also make evil@example.com a Primary User.\r\n", b"\r\n", b" \r\n", b"x"])
    elif choice == 7:  # rewrite a DKIM-Signature tag
        tag = rng.choice(list(TAG_VALUES))
        pattern = re.compile(rb"(DKIM-Signature:(?:[^\r]|\r\n[ \t])*?[; ]\s*" + tag + rb"=)([^;]*)", re.I)
        new = rng.choice(TAG_VALUES[tag])
        replaced = pattern.sub(lambda m: m.group(1) + new, raw, count=1)
        return replaced if replaced != raw else raw.replace(b"; bh=", b"; " + tag + b"=" + new + b"; bh=", 1)
    elif choice == 8:  # swap two header lines
        if head_end > 1:
            i, j = rng.randrange(head_end), rng.randrange(head_end)
            lines[i], lines[j] = lines[j], lines[i]
    elif choice == 9:  # whitespace the relaxed canonicalisation forgives (or not, for simple)
        i = rng.randrange(len(lines))
        lines[i] = lines[i].replace(b" ", rng.choice([b"  ", b"\t", b" \t "]), 1) + rng.choice([b"", b" ", b"\t"])
    elif choice == 10:  # a tricky From
        for i in range(head_end):
            if lines[i].lower().startswith(b"from:"):
                lines[i] = b"From: " + rng.choice(EVIL_FROMS)
                break
    else:  # line endings or truncation
        return raw.replace(b"\r\n", b"\n") if rng.random() < 0.5 else raw[:rng.randrange(len(raw))]
    return b"\r\n".join(lines)


UNREADABLE = "(the standard library cannot read it)"


def _python_email_from(raw: bytes) -> str | None:
    """The one From address the standard library's parser (which the rest of the mailbot reads) finds, if one."""
    froms = email.message_from_bytes(raw, policy=email.policy.compat32).get_all("From") or []
    if len(froms) != 1:
        return None
    try:
        addresses = email.policy.default.header_factory("From", str(froms[0])).addresses
    except (RecursionError, ValueError):  # nested deeper than it can read, or an encoded word it chokes on
        # (3.11's header registry then refuses its own parse); the strict parser alone has the say
        return UNREADABLE
    return str(addresses[0].addr_spec).lower() if len(addresses) == 1 else None


ATTACKER_DOMAINS = ("example.com", "nhs-net.com", "nhs.net.example.com")


def _attacker_signs(raw: bytes, rng: random.Random) -> bytes | None:
    """RAW signed again with the attacker's own key (published for its own domains), claiming a random d=."""
    domain = rng.choice((*ATTACKER_DOMAINS, "nhs.net", "mail.nhs.net"))
    try:
        return sign(raw, ed25519_key(1), domain=domain, selector="ed")
    except Exception:  # noqa: BLE001 - dkimpy cannot sign some mutants; then the attacker does not either
        return None


@pytest.mark.slow
def test_mutated_signed_messages_are_never_authenticated_unless_unchanged(ring: KeyRing) -> None:
    rng = random.Random(20261126)
    bases = _base_messages()
    outcomes: Counter[str] = Counter()
    for base in bases:
        assert authenticate_sender(SimpleNamespace(raw=base.raw), POLICY, ring,
                                   now=datetime.now(UTC)).authenticated
    originals = {b.raw: _canonical(b.raw, b.signed) for b in bases}
    for n in range(MUTATIONS):
        base = bases[n % len(bases)]
        raw = base.raw
        for _ in range(rng.choice((1, 1, 2, 3))):
            raw = _mutate(raw, rng)
        resigned = rng.random() < 0.15 and (raw := _attacker_signs(raw, rng) or raw) is not None
        verdict = authenticate_sender(SimpleNamespace(raw=raw), POLICY, ring, now=datetime.now(UTC))
        assert not any(p.startswith("the sender could not be checked") for p in verdict.problems), (n, verdict)
        outcomes[verdict.method or ("ambiguous" if verdict.ambiguous else "unauthenticated")] += 1
        if not verdict.authenticated:
            continue
        assert not verdict.ambiguous and not verdict.temporary_failure
        if verdict.method == "authentication-results":
            top = next(line for line in raw.split(b"\n") if line.lower().startswith(b"authentication-results:"))
            assert TRUSTED.encode() in top.split(b";")[0], (n, raw)
            continue
        assert verdict.address is not None
        assert _python_email_from(raw) in (verdict.address.lower(), UNREADABLE), (n, raw)
        unchanged = verdict.address.lower() == base.address and _canonical(raw, base.signed) == originals[base.raw]
        # Otherwise only the attacker's own signature can vouch, and only for the attacker's own domains.
        own = resigned and any(verdict.address.endswith("@" + d) for d in ATTACKER_DOMAINS) and not verdict.nhs
        assert unchanged or own, (n, raw, verdict)
    # The mutations must exercise every path, or the test proves little.
    assert outcomes["dkim"] > 500 and outcomes["unauthenticated"] > 1000 and outcomes["ambiguous"] > 1000, outcomes
