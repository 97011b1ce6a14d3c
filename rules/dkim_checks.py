"""Each DKIM signature of a message judged by our rules (SPEC 4), with dkimpy doing only the cryptography.

dkimpy checks that a signature verifies; it does not check what makes a verifying signature mean "this sender":
the algorithm, that From is signed, that d= is aligned with the From domain, that l= does not leave text unsigned,
the key size, or that no unsigned extra copy of a signed header sits beside the signed one. Those are checked here,
before any key look-up, so a signature that could never count costs no DNS query. Keys come only through the
injected look-up (dkimpy's own DNS is never used).

dkimpy is given the header block only: the body hash is computed here, streaming over the raw message
(parsers.dkim_body), once per canonicalisation, and compared with bh= before dkimpy checks the header signature. dkimpy
would otherwise split the whole body into lines and make several canonical copies of it (a 25 MB message cost
over 100 MB), and a message over the size limit must be authenticated like any other (SPEC 4, 12).

Time is judged here too, against the `now` the caller hands in, never the clock: dkimpy compares t= and x= with
time.time() while it parses the tags, so it is given the tags without them (rules.dkim_times judges them instead,
as dkimpy would have at that moment). A replay of old mail at a fixed moment then decides as it did.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import dkim
from dkim.util import InvalidTagValueList

from parsers.dkim_body import BodyHash, body_hash
from parsers.domains import aligned, is_dkim_token
from parsers.raw_headers import SINGLETON_FIELDS, RawField, RawHeaders
from rules.dkim_times import TIME_TAGS, SignatureTimeError, check_times
from rules.dkim_verify import (
    WHITE_SPACE,
    SignedFields,
    dkimpy_headers,
    dkimpy_key,
    key_record,
    tag_values,
    verify_headers,
)

ALLOWED_ALGORITHMS = {"rsa-sha256": "rsa", "ed25519-sha256": "ed25519"}
# A message may carry many signatures; each costs a key look-up, so a sender cannot make us do unbounded DNS work.
MAX_SIGNATURES_CHECKED = 8
# Each DNS timeout costs seconds: after this many, the remaining signatures count as "try again later" unasked.
MAX_TEMPORARY_FAILURES = 2
_WHITE_SPACE = re.compile(r"\s+")
_H_SEPARATOR = re.compile(rb"\s*:\s*")  # as dkimpy splits h=

KeyLookup = Callable[[str], bytes | None]


class KeyLookupTemporaryError(Exception):
    """A DKIM key could not be fetched for now (DNS timeout or SERVFAIL): try the message again later."""


@dataclass(frozen=True)
class SignedBy:
    """A DKIM signature that vouches for a message, as plain data: who signed (d=, s=), the header fields it covers
    (h=, lower-case, in order) and its b= value (whitespace removed), which names this one act of signing: a copy
    of the message carries the same b= whatever was changed around the signature."""

    domain: str
    selector: str
    headers: tuple[str, ...]
    b: str

    def covers(self, *names: str) -> bool:
        return all(name.lower() in self.headers for name in names)

    def as_record(self) -> dict[str, object]:
        return {"domain": self.domain, "selector": self.selector, "headers": list(self.headers), "b": self.b}


@dataclass(frozen=True)
class SignatureCheck:
    domain: str
    selector: str
    passed: bool
    problem: str | None
    signed: SignedBy | None = None  # for a signature that passed


@dataclass(frozen=True)
class SignatureResult:
    check: SignatureCheck
    temporary: bool = False  # the key look-up failed for now; the signature might pass later


class _Fails(Exception):
    """Why one signature does not count."""


class _FailsNamed(_Fails):
    """Why one signature does not count, when its d= and s= cannot be shown as they are."""

    def __init__(self, names: tuple[str, str], problem: str) -> None:
        super().__init__(problem)
        self.names = names


def check_signatures(headers: RawHeaders, from_domain: str, key_lookup: KeyLookup, min_key_bits: int,
                     body_hashes: Mapping[bool, BodyHash] | None = None, *, now: datetime) -> list[SignatureResult]:
    """Every DKIM-Signature of the message (top first), each judged by SPEC 4's rules against FROM_DOMAIN, as at
    NOW (its t= and x=).

    BODY_HASHES, when given, are the body's hashes by canonicalisation (True: relaxed), taken while the message
    went by in pieces (parsers.dkim_body.BodyHasher): HEADERS then hold only its first part, and the body is never
    hashed from them."""
    signatures = headers.named("DKIM-Signature")
    results: list[SignatureResult] = []
    verifier: SignedFields | None = None
    keys: dict[str, bytes | None | KeyLookupTemporaryError] = {}
    bodies = _BodyHashes(headers, body_hashes)
    for index, field in enumerate(signatures[:MAX_SIGNATURES_CHECKED]):
        domain, selector = "?", "?"
        try:
            tags = _tags(field.unfolded)
            domain, selector = _name_tags(tags)
            algorithm = _check_rules(tags, domain, headers, from_domain, bodies)
            _check_times(tags, now)
            name = f"{selector}._domainkey.{domain}".lower()
            record = _key_record(name, key_lookup, keys)
            _check_key(name, record, algorithm, min_key_bits)
            if verifier is None:  # the header fields as dkimpy reads them, not read again (dkimpy_headers)
                verifier = SignedFields(dkimpy_headers(headers), min_key_bits)
            _verify(verifier, index, name, record, bodies.of(tags))
            results.append(SignatureResult(SignatureCheck(domain, selector, passed=True, problem=None,
                                                          signed=signed_by(tags, domain, selector))))
        except KeyLookupTemporaryError as exc:
            detail = str(exc) or "the DNS look-up failed for now"
            results.append(_failed(domain, selector, f"its key could not be fetched ({detail})", temporary=True))
        except _Fails as exc:
            if isinstance(exc, _FailsNamed):
                domain, selector = exc.names
            results.append(_failed(domain, selector, str(exc)))
        except Exception as exc:  # noqa: BLE001 - hostile input must never stop the judgement; it just fails
            results.append(_failed(domain, selector, f"it could not be checked ({exc.__class__.__name__})"))
    unchecked = len(signatures) - MAX_SIGNATURES_CHECKED
    if unchecked > 0:  # one line for them all: a message with thousands must not fill the case with them
        results.append(_failed("?", "?", f"not checked, nor {unchecked - 1} more below it (only the first "
                                         f"{MAX_SIGNATURES_CHECKED} signatures of a message are)"))
    return results


def _failed(domain: str, selector: str, problem: str, temporary: bool = False) -> SignatureResult:
    return SignatureResult(SignatureCheck(domain, selector, passed=False, problem=problem), temporary=temporary)


def _tags(value: bytes) -> dict[str, str]:
    try:
        raw_tags = tag_values(value)
        # Values keep inner whitespace: "s 1" is not the selector "s1", and must fail the token check.
        return {k.decode("ascii"): v.decode("ascii").strip() for k, v in raw_tags.items()}
    except Exception as exc:  # noqa: BLE001 - dkimpy raises several types on a malformed tag list
        raise _Fails("the signature header is malformed") from exc


def signed_by(tags: dict[str, str], domain: str, selector: str) -> SignedBy:
    """The plain facts of a signature from its tags (D= and S= already checked)."""
    headers = tuple(name.strip().lower() for name in tags.get("h", "").split(":") if name.strip())
    return SignedBy(domain, selector, headers, _WHITE_SPACE.sub("", tags.get("b", "")))


def signature_facts(field: RawField) -> SignedBy | None:
    """What a DKIM-Signature header field says of itself, unverified; None when it cannot be read or its d= or s=
    are not plain names. For the signature a trusted Authentication-Results header names (SPEC 17)."""
    try:
        tags = _tags(field.unfolded)
        domain, selector = _name_tags(tags)
    except _Fails:
        return None
    return signed_by(tags, domain, selector)


def _name_tags(tags: dict[str, str]) -> tuple[str, str]:
    domain, selector = tags.get("d", ""), tags.get("s", "")
    if not is_dkim_token(domain) or not is_dkim_token(selector):
        # Shown to staff, so keep it short and printable.
        shown = (domain[:60].encode("ascii", "replace").decode() or "?", selector[:60] or "?")
        raise _FailsNamed(shown, "its d= or s= holds characters other than letters, digits, dots and hyphens")
    return domain.lower(), selector


class _BodyHashes:
    """The message's body hash under each canonicalisation a signature names, each computed once."""

    def __init__(self, headers: RawHeaders, streamed: Mapping[bool, BodyHash] | None = None) -> None:
        self.headers = headers
        self.streamed = streamed is not None
        self.found: dict[bool, BodyHash] = dict(streamed or {})

    def of(self, tags: dict[str, str]) -> BodyHash:
        relaxed = is_relaxed(tags)
        if relaxed not in self.found:
            if self.streamed:  # only part of the message is here: its body cannot be hashed from it
                raise _Fails("its body hash could not be computed (the message is over the size limit and its "
                             "body was not read to the end)")
            self.found[relaxed] = body_hash(self.headers.raw, self.headers.body_start, relaxed=relaxed)
        return self.found[relaxed]


def is_relaxed(tags: dict[str, str]) -> bool:
    """Whether the signature with TAGS hashes the body "relaxed"; raises _Fails for an unknown canonicalisation."""
    return _body_canonicalisation(tags.get("c", "simple/simple")) == "relaxed"


def body_canonicalisations(headers: RawHeaders) -> frozenset[bool]:
    """The body canonicalisations (True: relaxed) the signatures that would be checked name: what to hash of a
    message whose body goes by in pieces. Signatures that cannot be read name none."""
    wanted: set[bool] = set()
    for field in headers.named("DKIM-Signature")[:MAX_SIGNATURES_CHECKED]:
        try:
            wanted.add(is_relaxed(_tags(field.unfolded)))
        except _Fails:
            continue
    return frozenset(wanted)


def _body_canonicalisation(c_value: str) -> str:
    """The body half of c= ("simple" when absent, as RFC 6376 3.5 says); raises _Fails for an unknown one."""
    parts = c_value.strip().split("/")  # case matters, as in dkimpy
    if len(parts) > 2 or any(part not in ("simple", "relaxed") for part in parts):
        raise _Fails("its c= names an unknown canonicalisation")
    return parts[1] if len(parts) == 2 else "simple"


def _check_rules(tags: dict[str, str], domain: str, headers: RawHeaders, from_domain: str,
                 bodies: _BodyHashes) -> str:
    """The key type the signature's algorithm needs; raises _Fails for the first of our rules it breaks."""
    algorithm = tags.get("a", "").lower()
    if algorithm not in ALLOWED_ALGORITHMS:
        raise _Fails(f"it uses the algorithm {algorithm[:20]!r}; only rsa-sha256 and ed25519-sha256 are accepted")
    signed = [name.strip().lower() for name in tags.get("h", "").split(":")]
    if "from" not in signed:
        raise _Fails("it does not sign the From header")
    if not aligned(domain, from_domain):
        raise _Fails(f"its domain {domain} is not aligned with the From domain {from_domain}")
    if "l" in tags:
        _check_length(tags["l"], tags, bodies)
    for name in sorted(SINGLETON_FIELDS.intersection(signed)):
        present = headers.count(name)
        if present > signed.count(name):
            raise _Fails(f"the message has {present} {_title(name)} headers but the signature covers "
                         f"{signed.count(name)}: an unsigned extra copy was added")
    return ALLOWED_ALGORITHMS[algorithm]


def _check_times(tags: dict[str, str], now: datetime) -> None:
    try:
        check_times(tags.get("t"), tags.get("x"), now)
    except SignatureTimeError as exc:
        raise _Fails(str(exc)) from exc


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-")).replace("Id", "ID")


def _check_length(length: str, tags: dict[str, str], bodies: _BodyHashes) -> None:
    """l= must cover the whole body as the signature's canonicalisation sees it: text past it is unsigned."""
    if not length.isdigit() or len(length) > 76:
        raise _Fails("its l= is not a number")
    if int(length) < bodies.of(tags).length:
        raise _Fails("its l= covers only part of the body: text was added after signing")


def _key_record(name: str, key_lookup: KeyLookup, keys: dict[str, bytes | None | KeyLookupTemporaryError]) -> bytes:
    """The key record at NAME, each name asked once per message; raises KeyLookupTemporaryError or _Fails."""
    if name not in keys:
        failures = [k for k in keys.values() if isinstance(k, KeyLookupTemporaryError)]
        if len(failures) >= MAX_TEMPORARY_FAILURES:
            raise KeyLookupTemporaryError("not asked: earlier key look-ups for this message failed for now")
        try:
            keys[name] = key_lookup(name)
        except KeyLookupTemporaryError as exc:
            keys[name] = exc
    record = keys[name]
    if isinstance(record, KeyLookupTemporaryError):
        raise record
    if not record:
        raise _Fails(f"no DKIM key is published at {name}")
    return record


def _check_key(name: str, record: bytes, key_type: str, min_key_bits: int) -> None:
    key = key_record(name, record)  # read once per key (rules.dkim_verify)
    if key.malformed:
        raise _Fails("its published key record is malformed")
    if key.key_type != key_type:
        raise _Fails(f"its algorithm needs a {key_type} key but the published key is {key.key_type[:20]!r}")
    if key.revoked:
        raise _Fails("its published key has been revoked (empty p=)")
    if key_type == "rsa":
        if key.rsa_bits is None:
            raise _Fails("its published RSA key cannot be read")
        if key.rsa_bits < min_key_bits:
            raise _Fails(f"its RSA key is {key.rsa_bits} bits, fewer than the {min_key_bits} required")


def _verify(verifier: SignedFields, index: int, name: str, record: bytes, body: BodyHash) -> None:
    """Signature INDEX verifies: its bh= is BODY's hash, and b= is right over the signed headers for the key RECORD
    published at NAME (dkimpy's verify_sig, its key read once: rules.dkim_verify)."""
    try:
        sig, include_headers, signature_headers = _prepared(verifier, index)
        try:
            claimed = base64.b64decode(WHITE_SPACE.sub(b"", sig[b"bh"]), validate=True)
        except Exception as exc:  # noqa: BLE001 - binascii errors
            raise _Fails("it does not verify (its bh= is not base64)") from exc
        if claimed != body.digest:
            raise _Fails("it does not verify (body hash mismatch)")
        # The body is checked (above, over the raw bytes); the header fields and b= are checked here.
        del sig[b"bh"]
        ok = verify_headers(verifier, sig, include_headers, signature_headers[index], dkimpy_key(name, record),
                            verifier.minkey)
    except dkim.DKIMException as exc:
        raise _Fails(f"it does not verify ({_short(str(exc))})") from exc
    if not ok:
        raise _Fails("it does not verify: the signed headers were changed or the key does not match")


def _prepared(verifier: SignedFields, index: int) -> tuple[dict[bytes, bytes], list[bytes], list[tuple[bytes, bytes]]]:
    """What dkimpy's verify_headerprep returns for signature INDEX (its tags, the headers it signs, every
    DKIM-Signature field), with dkimpy's checks of the tags made on all of them but t= and x=: it would compare
    those with the clock (check_times has judged them against `now`)."""
    signature_headers = [(name, value) for name, value in verifier.headers if name.lower() == b"dkim-signature"]
    if len(signature_headers) <= index:
        raise _Fails("it does not verify (the signature header cannot be found)")
    try:
        sig = tag_values(signature_headers[index][1])
    except InvalidTagValueList as exc:
        raise dkim.MessageFormatError(exc) from exc
    dkim.validate_signature_fields({tag: value for tag, value in sig.items() if tag not in TIME_TAGS})
    include_headers = [name.lower() for name in _H_SEPARATOR.split(sig[b"h"])]
    return sig, include_headers, signature_headers


def _short(text: str) -> str:
    text = text.split("(got", 1)[0].strip()
    return text[:80]
