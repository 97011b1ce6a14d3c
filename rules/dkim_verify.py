"""A DKIM signature's b= checked over the signed header fields: dkimpy's verify_sig, decision for decision, with
each published key read once and the RSA arithmetic done by OpenSSL.

dkimpy reads the key record again for every message (its ASN.1 parser is pure Python) and checks an RSA signature
with pure-Python arithmetic that turns bytes into numbers a byte at a time: together about half a millisecond of
every signed message. Here the record is read once per key (bounded caches keyed on the key's name and its exact
record bytes: a message never meets a key read for another name or another record), and the RSA check is made by
OpenSSL (`cryptography`). What decides stays dkimpy's:
- the key record is evaluated by dkimpy's own evaluate_pk (its v=, k=, p= and s= rules), and the header fields are
  selected, canonicalised and hashed by dkimpy's own functions, in the order verify_sig_process uses them;
- OpenSSL accepting means s^e mod n is exactly dkimpy's encoded digest (OpenSSL checks the whole PKCS #1 v1.5
  block and the DigestInfo byte for byte), which is what dkimpy tests; dkimpy reads b= as a number of any length,
  so the signature handed to OpenSSL is that number reduced mod n (the power mod n is the same) at the key's
  length. When OpenSSL does not accept (a forgery, a key it refuses), dkimpy's own arithmetic decides, so a
  "does not verify" is always dkimpy's (tests/auth/test_dkim_verify.py compares the two on real signatures).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import dkim
import nacl.exceptions
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.hashes import SHA256
from dkim.canonicalization import CanonicalizationPolicy, InvalidCanonicalizationPolicyError, Relaxed
from dkim.crypto import DigestTooLargeError, RSASSA_PKCS1_v1_5_verify, parse_public_key
from dkim.util import DuplicateTag, InvalidTagSpec, parse_tag_value

from parsers.dkim_body import collapsed
from parsers.raw_headers import RawHeaders, without_line_breaks

# Keys kept read, per cache: a message names its own key (an attacker can make us read theirs), so the caches are
# bounded, in count and in the size of a record kept (an RSA key of 16,384 bits is under 3 KB of record); a few
# hundred keys cover every NHS selector many times over.
KEYS_KEPT = 256
MAX_RECORD_KEPT = 8192
WHITE_SPACE = re.compile(rb"\s+")  # taken out of a tag's base64 (b=, bh=) before decoding


@dataclass(frozen=True)
class KeyRecord:
    """What our rules (rules.dkim_checks) read of a key record: its tags, and an RSA key's size."""

    malformed: bool  # the tag list cannot be read
    key_type: str  # k=, lower-cased ("rsa" when absent)
    revoked: bool  # p= empty
    rsa_bits: int | None  # for k=rsa, the modulus's bits; None when p= cannot be read as an RSA key


def key_record(name: str, record: bytes) -> KeyRecord:
    """RECORD, the key published at NAME, as rules.dkim_checks judges it (read once, unless too big to keep)."""
    return _kept_record(name, record) if len(record) <= MAX_RECORD_KEPT else _read_record(record)


@lru_cache(maxsize=KEYS_KEPT)
def _kept_record(name: str, record: bytes) -> KeyRecord:
    return _read_record(record)


def _read_record(record: bytes) -> KeyRecord:
    try:
        tags = parse_tag_value(record)
    except Exception:  # noqa: BLE001 - dkimpy raises several types on a malformed tag list
        return KeyRecord(malformed=True, key_type="", revoked=False, rsa_bits=None)
    key_type = tags.get(b"k", b"rsa").decode("ascii", "replace").lower()
    key_data = re.sub(rb"\s+", b"", tags.get(b"p", b""))
    bits = None
    if key_type == "rsa" and key_data:
        try:
            bits = int(parse_public_key(base64.b64decode(key_data, validate=True))["modulus"]).bit_length()
        except Exception:  # noqa: BLE001 - base64 and dkimpy's ASN.1 errors vary
            bits = None
    return KeyRecord(malformed=False, key_type=key_type, revoked=not key_data, rsa_bits=bits)


@dataclass(frozen=True)
class DkimpyKey:
    """What dkimpy's evaluate_pk makes of a key record (pk, keysize, ktag, seqtlsrpt), and for an RSA key the same
    key as OpenSSL holds it (None when OpenSSL will not take it: dkimpy's arithmetic then decides alone)."""

    pk: Any
    keysize: int | None
    ktag: bytes | None
    seqtlsrpt: bool
    openssl: RSAPublicKey | None = None
    modulus_bytes: int = 0


def dkimpy_key(name: str, record: bytes) -> DkimpyKey | None:
    """RECORD, the key published at NAME, as dkimpy's verify_sig loads it; None where verify_sig answers False
    (a KeyFormatError or a base64 error). Any other error propagates, as from verify_sig (and is not kept)."""
    return _kept_key(name, record) if len(record) <= MAX_RECORD_KEPT else _load_key(name, record)


@lru_cache(maxsize=KEYS_KEPT)
def _kept_key(name: str, record: bytes) -> DkimpyKey | None:
    return _load_key(name, record)


def _load_key(name: str, record: bytes) -> DkimpyKey | None:
    try:
        pk, keysize, ktag, seqtlsrpt = dkim.evaluate_pk(name.encode("ascii", "replace") + b".", record)
    except (dkim.KeyFormatError, binascii.Error):
        return None
    if ktag != b"rsa":
        return DkimpyKey(pk, keysize, ktag, bool(seqtlsrpt))
    modulus, exponent = int(pk["modulus"]), int(pk["publicExponent"])
    try:
        openssl: RSAPublicKey | None = RSAPublicNumbers(exponent, modulus).public_key()
    except Exception:  # noqa: BLE001 - OpenSSL refuses keys dkimpy takes (even modulus, tiny exponent...)
        openssl = None
    return DkimpyKey(pk, keysize, ktag, bool(seqtlsrpt), openssl, (modulus.bit_length() + 7) // 8)


@dataclass(frozen=True)
class SignedFields:
    """All that dkimpy's verify_sig reads of its dkim.DKIM: the header fields as dkimpy reads them (dkimpy_headers)
    and the least key size. A dkim.DKIM made for each message also looked up its logger and copied three sets of
    header names that verifying never reads."""

    headers: list[list[bytes]]
    minkey: int


def verify_headers(verifier: SignedFields | dkim.DKIM, sig: dict[bytes, bytes], include_headers: list[bytes],
                   sig_header: tuple[bytes, bytes], key: DkimpyKey | None, minkey: int) -> bool:
    """dkimpy's verify_sig(SIG, INCLUDE_HEADERS, SIG_HEADER) on VERIFIER's header fields, with KEY loaded already
    (dkimpy_key), for a message that is not a TLS report; SIG holds no bh= (the body was checked already). Raises
    what verify_sig raises."""
    if key is None:
        return False
    if key.seqtlsrpt:
        raise dkim.ValidationError("Message is not tlsrpt and Service Type is tlsrpt")
    try:
        policy = CanonicalizationPolicy.from_c_value(sig.get(b"c", b"simple/simple"))
    except InvalidCanonicalizationPolicyError as exc:
        raise dkim.MessageFormatError(f"invalid c= value: {exc.args[0]}") from exc
    digest = dkim.HASH_ALGORITHMS[sig[b"a"]]()
    if b"from" in include_headers:  # dkimpy hashes an extra From too (its bug 644046)
        include_headers.append(b"from")
    _hash_headers(digest, policy, canonical_headers(policy, _named(verifier.headers, include_headers)),
                  include_headers, sig_header)
    signature = base64.b64decode(WHITE_SPACE.sub(b"", sig[b"b"]))
    if key.ktag == b"rsa":
        try:
            valid = _rsa_valid(digest, signature, key)
        except (TypeError, DigestTooLargeError) as exc:
            raise dkim.KeyFormatError(f"digest too large for modulus: {exc}") from exc
        if valid and key.keysize is not None and key.keysize < minkey:
            raise dkim.KeyFormatError(f"public key too small: {key.keysize}")
        return valid
    if key.ktag == b"ed25519":
        try:
            key.pk.verify(digest.digest(), signature)
        except nacl.exceptions.BadSignatureError:
            return False
        return True
    raise dkim.UnknownKeyTypeError(key.ktag)


def _hash_headers(hasher: Any, policy: CanonicalizationPolicy, headers: list[Any], include_headers: list[bytes],
                  sig_header: tuple[bytes, bytes]) -> None:
    """dkimpy's hash_headers, line for line, the signature's b= value taken out by without_b."""
    sign_headers = dkim.select_headers(headers, include_headers)
    cheaders = canonical_headers(policy, [(sig_header[0], without_b(sig_header[1]))])
    # the signature is hashed with no trailing CR LF, even if the canonicalisation would add one
    for name, value in sign_headers + [(x, y.rstrip()) for x, y in cheaders]:
        hasher.update(name)
        hasher.update(b":")
        hasher.update(value)


def canonical_headers(policy: CanonicalizationPolicy, headers: list[Any]) -> list[Any]:
    """policy.canonicalize_headers(HEADERS), its "relaxed" made without dkimpy's two re.sub calls a field (each a
    regular expression tried at every byte, and a look-up in the `re` module's cache): the name lower-cased and
    right-stripped, the value's line breaks taken out (\\r?\\n), its runs of spaces and tabs made one space, stripped,
    and CR LF after it (tests/message/test_understanding_fast_paths.py compares the two)."""
    if policy.header_algorithm is not Relaxed:
        return policy.canonicalize_headers(headers)
    return [(h[0].lower().rstrip(), collapsed(without_line_breaks(h[1])).strip() + b"\r\n") for h in headers]


# What dkimpy's RE_BTAG matches, read another way. Its FWS, (?:(?:\s*\r?\n)?\s+)?, matches exactly the runs of white
# space (\s*), but the regular expression engine tries its ways at every character of b=: some 60 us a signature.
_B_TAG = re.compile(rb"([;\s]b\s*=)([\sA-Za-z0-9+/=]*)")


def without_b(value: bytes) -> bytes:
    """VALUE as dkim.RE_BTAG.sub leaves it (each match replaced by its first group): every "b=" (after a semicolon
    or white space) with the base64 after it taken out, white space within it too, and a line end that ends VALUE
    right after it. RE_BTAG's (FWS base64)* takes the longest run of white space and base64 characters that ends in
    base64: the run _B_TAG takes, but for white space at its end, which is kept (no "b=" can start in it: the
    character after it is neither). tests/auth/test_dkim_verify.py compares the two on generated values."""
    def cut(match: re.Match[bytes]) -> bytes:
        run = match.group(2)
        kept = run[len(run.rstrip()):]
        if match.end() == len(value) and kept in (b"\r\n", b"\n"):  # RE_BTAG's (?:\r?\n\Z)?
            kept = b""
        return match.group(1) + kept
    return _B_TAG.sub(cut, value)


def _named(headers: list[Any], names: list[bytes]) -> list[Any]:
    """The HEADERS (in order) that dkimpy's select_headers could pick for NAMES under either canonicalisation: it
    compares each name with a canonical field name lower-cased ("simple": the name; "relaxed": the name lower-cased,
    trailing white space removed). Each field is canonicalised on its own, and select_headers looks at no other
    field, so it picks the same fields from these as from them all; only the fields a signature covers are
    canonicalised (real mail carries many more, Received and X- lines, than anyone signs)."""
    wanted = set(names)
    return [h for h in headers if h[0].lower() in wanted or h[0].lower().rstrip() in wanted]


def tag_values(tag_list: bytes) -> dict[bytes, bytes]:
    """dkimpy's parse_tag_value(TAG_LIST), statement for statement, raising what it raises, but for its test of each
    tag name, re.match(br'^[a-zA-Z](\\w)*', key) (a look-up in the `re` module's cache a tag): the \\w* after the first
    letter always matches, so it asks only that the name start with an ASCII letter (bytes.isalpha)."""
    tags: dict[bytes, bytes] = {}
    tag_specs = tag_list.strip().split(b";")
    if not tag_specs[-1]:  # trailing semicolons are valid
        tag_specs.pop()
    for tag_spec in tag_specs:
        try:
            key, value = [x.strip() for x in tag_spec.split(b"=", 1)]
        except ValueError:
            raise InvalidTagSpec(tag_spec) from None
        if not key[:1].isalpha():
            raise InvalidTagSpec(tag_spec)
        if key in tags:
            raise DuplicateTag(key)
        tags[key] = value
    return tags


def dkimpy_headers(headers: RawHeaders) -> list[list[bytes]]:
    """dkimpy's own reading of HEADERS' header block (rfc822_parse: each field's name, and its value with every line
    end CR LF, folds kept), made from the fields split_message found when it found no defect: its split is
    dkimpy's, stricter, so then the two are the same list (tests/auth/test_dkim_verify.py). A block with a defect is
    read by dkimpy itself (and may raise its MessageFormatError, as dkim.DKIM would)."""
    if headers.defects:
        return dkim.rfc822_parse(headers.header_block)[0]
    return [[f.name.encode("ascii"), f.value + b"\r\n"] for f in headers.fields]


def _rsa_valid(digest: Any, signature: bytes, key: DkimpyKey) -> bool:
    """dkimpy's RSASSA_PKCS1_v1_5_verify(DIGEST, SIGNATURE, key.pk): OpenSSL's yes stands (it implies dkimpy's),
    anything else is dkimpy's own answer."""
    if key.openssl is not None and digest.name == "sha256":
        number = int.from_bytes(signature, "big") % int(key.pk["modulus"])
        try:
            key.openssl.verify(number.to_bytes(key.modulus_bytes, "big"), digest.digest(), PKCS1v15(),
                               Prehashed(SHA256()))
            return True
        except InvalidSignature:
            pass
    return bool(RSASSA_PKCS1_v1_5_verify(digest, signature, key.pk))
