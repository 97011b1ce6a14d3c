"""Real DKIM keys and signatures for tests: keys made here (never committed), messages signed by dkimpy, keys served
from memory or written as a `[auth] test_public_keys` file."""

from __future__ import annotations

import base64
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

import dkim
import nacl.encoding
import nacl.signing
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dkim.canonicalization import CanonicalizationPolicy
from dkim.crypto import parse_pem_private_key


@dataclass(frozen=True)
class SigningKey:
    kind: str  # "rsa" or "ed25519"
    private: bytes  # what dkim.sign takes
    record: bytes  # the TXT record published for it

    @property
    def algorithm(self) -> bytes:
        return b"rsa-sha256" if self.kind == "rsa" else b"ed25519-sha256"


@cache
def rsa_key(bits: int = 2048, number: int = 0) -> SigningKey:
    """An RSA key of BITS (cached per process; NUMBER makes distinct keys of one size)."""
    # 512-bit keys are below what cryptography will generate, so small keys are built by hand from its primes.
    key = rsa.generate_private_key(public_exponent=65537, key_size=max(bits, 1024)) if bits >= 1024 else _small(bits)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return SigningKey("rsa", private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public))


def _small(bits: int) -> rsa.RSAPrivateKey:
    e = 65537
    while True:
        p, q = _prime(bits // 2), _prime(bits - bits // 2)
        n, phi = p * q, (p - 1) * (q - 1)
        if p != q and n.bit_length() == bits and math.gcd(e, phi) == 1:
            break
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n))
    return numbers.private_key()


def _prime(bits: int) -> int:
    while True:
        candidate = secrets.randbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if all(pow(a, candidate - 1, candidate) == 1 for a in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)):
            return candidate


@cache
def ed25519_key(number: int = 0) -> SigningKey:
    signing = nacl.signing.SigningKey.generate()
    private = signing.encode(encoder=nacl.encoding.Base64Encoder)
    public = signing.verify_key.encode(encoder=nacl.encoding.Base64Encoder)
    return SigningKey("ed25519", private, b"v=DKIM1; k=ed25519; p=" + public)


def sign(message: bytes, key: SigningKey, domain: str = "nhs.net", selector: str = "s1",
         headers: tuple[str, ...] | None = None, length: bool = False, algorithm: bytes | None = None,
         canonicalize: tuple[bytes, bytes] = (b"relaxed", b"relaxed")) -> bytes:
    """MESSAGE with a DKIM-Signature by KEY prepended (headers default to From, To, Subject, Date, Message-ID,
    Content-Type, Reply-To, MIME-Version)."""
    include = headers or ("from", "to", "subject", "date", "message-id", "content-type", "reply-to", "mime-version")
    signature = dkim.sign(message, selector.encode(), domain.encode(), key.private,
                          include_headers=[h.encode() for h in include], length=length,
                          signature_algorithm=algorithm or key.algorithm, canonicalize=canonicalize)
    return signature + message


def sign_dated(message: bytes, key: SigningKey, *, signed_at: datetime, expires_at: datetime | None = None,
               domain: str = "nhs.net", selector: str = "s1", headers: tuple[str, ...] | None = None) -> bytes:
    """MESSAGE signed as `sign` does (relaxed/relaxed), but dated: t= is SIGNED_AT and, when given, x= is
    EXPIRES_AT. dkim.sign always dates a signature by the clock and never sets x=, so the tags are laid out here as
    dkim.DKIM.sign lays them out, and dkimpy's own gen_header hashes the headers and signs them with KEY."""
    include = tuple(h.encode() for h in headers or ("from", "to", "subject", "date", "message-id", "content-type",
                                                    "reply-to", "mime-version"))
    signer = dkim.DKIM(message, signature_algorithm=key.algorithm)
    private: object = (parse_pem_private_key(key.private) if key.kind == "rsa"
                       else nacl.signing.SigningKey(key.private, encoder=nacl.encoding.Base64Encoder))
    policy = CanonicalizationPolicy.from_c_value(b"relaxed/relaxed")
    signer.hasher = dkim.HASH_ALGORITHMS[key.algorithm]
    body_hash = base64.b64encode(signer.hasher(policy.canonicalize_body(signer.body)).digest())
    fields = [(b"v", b"1"), (b"a", key.algorithm), (b"c", policy.to_c_value()), (b"d", domain.encode()),
              (b"i", b"@" + domain.encode()), (b"q", b"dns/txt"), (b"s", selector.encode()),
              (b"t", str(int(signed_at.timestamp())).encode())]
    if expires_at is not None:
        fields.append((b"x", str(int(expires_at.timestamp())).encode()))
    fields += [(b"h", b" : ".join(include)), (b"bh", body_hash), (b"b", b"0" * 60)]
    value = signer.gen_header(fields, include, policy, b"DKIM-Signature", private)
    return b"DKIM-Signature: " + value + message


def message(from_header: str = "Jane Smith <jane.smith@nhs.net>", subject: str = "Access request",
            body: str = "Please add Open Exeter access for our new practice manager.\r\n",
            extra: str = "") -> bytes:
    """A plain text message (CRLF line endings) with the usual headers."""
    head = (f"From: {from_header}\r\nTo: pcse.openexeter@nhs.net\r\nSubject: {subject}\r\n"
            "Date: Thu, 26 Nov 2026 09:00:00 +0000\r\nMessage-ID: <m1@nhs.net>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n{extra}")
    return (head + "\r\n" + body).encode("utf-8")


@dataclass
class KeyRing:
    """Published keys by name (`selector._domainkey.domain`), served as a KeyLookup; records every look-up."""

    records: dict[str, bytes] = field(default_factory=dict)
    looked_up: list[str] = field(default_factory=list)

    def publish(self, key: SigningKey, domain: str = "nhs.net", selector: str = "s1") -> KeyRing:
        self.records[f"{selector}._domainkey.{domain}".lower()] = key.record
        return self

    def __call__(self, name: str) -> bytes | None:
        self.looked_up.append(name)
        return self.records.get(name.lower().rstrip("."))

    def write(self, path: Path) -> Path:
        """The keys as a `[auth] test_public_keys` file."""
        path.write_text("".join(f"{name} {record.decode()}\n" for name, record in self.records.items()))
        return path


def signature_b(raw: bytes, index: int = 0) -> str:
    """The b= value (whitespace removed) of the INDEXth DKIM-Signature of RAW, read with dkimpy's own tag parser."""
    import email

    fields = email.message_from_bytes(raw).get_all("DKIM-Signature") or []
    value = "".join(str(fields[index]).split())
    return dkim.util.parse_tag_value(value.encode())[b"b"].decode()
