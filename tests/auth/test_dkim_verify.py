"""rules.dkim_verify decides as dkimpy's verify_sig does, on real signatures and on every way one can be wrong, and
its key caches are keyed on the key's name and exact record, and bounded."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace

import dkim
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.raw_headers import split_message
from rules.dkim_verify import (
    KEYS_KEPT,
    MAX_RECORD_KEPT,
    _kept_key,
    _kept_record,
    dkimpy_key,
    key_record,
    verify_headers,
    without_b,
)
from rules.sender import AuthPolicy, authenticate_sender
from tests.support.dkim_signing import KeyRing, ed25519_key, message, rsa_key, sign
from tests.support.signed_mail import SigningKey as MailKey
from tests.support.signed_mail import compose

NAME = "s1._domainkey.nhs.net"
Outcome = tuple[object, ...]


def _outcome(call: Callable[[], bool]) -> Outcome:
    try:
        return ("returned", call())
    except Exception as exc:  # noqa: BLE001 - the kind and text of any error are part of the decision
        return ("raised", type(exc).__name__, str(exc))


def both(raw: bytes, record: bytes, *, index: int = 0, minkey: int = 1024,
         change: Callable[[dict[bytes, bytes]], None] = lambda sig: None) -> tuple[Outcome, Outcome]:
    """Signature INDEX of RAW against the key RECORD: dkimpy's verify_sig (as rules.dkim_checks called it before)
    and rules.dkim_verify, each on its own copy of the prepared signature (CHANGE applied to both)."""
    outcomes = []
    for ours in (False, True):
        verifier = dkim.DKIM(split_message(raw).header_block, minkey=minkey)
        sig, include, signature_headers = verifier.verify_headerprep(index)
        del sig[b"bh"]
        change(sig)
        if ours:
            outcomes.append(_outcome(lambda: verify_headers(  # noqa: B023 - called at once
                verifier, sig, include, signature_headers[index], dkimpy_key(NAME, record), minkey)))  # noqa: B023
        else:
            outcomes.append(_outcome(lambda: verifier.verify_sig(  # noqa: B023
                sig, include, signature_headers[index], lambda name, timeout=5: record)))  # noqa: B023
    return outcomes[0], outcomes[1]


def same(raw: bytes, record: bytes, expected: object, **kwargs: object) -> None:
    theirs, ours = both(raw, record, **kwargs)  # type: ignore[arg-type]
    assert ours == theirs
    if isinstance(expected, bool):
        assert ours == ("returned", expected)
    else:  # the name of the error raised
        assert ours[:2] == ("raised", expected), ours


RSA = rsa_key(2048)
CANONICALISATIONS = [(b"relaxed", b"relaxed"), (b"simple", b"simple"), (b"relaxed", b"simple"),
                     (b"simple", b"relaxed")]


@pytest.mark.parametrize("canonicalize", CANONICALISATIONS)
def test_genuine_signatures_verify_under_every_canonicalisation(canonicalize: tuple[bytes, bytes]) -> None:
    key = dkimpy_key(NAME, RSA.record)
    assert key is not None and key.openssl is not None  # OpenSSL checks it: the fast way is the one tested
    same(sign(message(), RSA, canonicalize=canonicalize), RSA.record, True)
    same(sign(message(), RSA, canonicalize=canonicalize, length=True), RSA.record, True)
    same(sign(message(), rsa_key(1024, 1), canonicalize=canonicalize), rsa_key(1024, 1).record, True)
    same(sign(message(), ed25519_key(), canonicalize=canonicalize), ed25519_key().record, True)


@pytest.mark.parametrize("canonicalize", CANONICALISATIONS)
def test_changed_headers_fail_as_dkimpy_fails_them(canonicalize: tuple[bytes, bytes]) -> None:
    for key in (RSA, ed25519_key()):
        raw = sign(message(), key, canonicalize=canonicalize)
        same(raw.replace(b"Subject: Access request", b"Subject: Access requests"), key.record, False)
        same(raw.replace(b"From: Jane Smith <jane.smith", b"From: Jane Smyth <jane.smith"), key.record, False)
        same(raw.replace(b"Subject:", b"From: someone@example.com\r\nSubject:"), key.record, False)  # extra From
        same(raw, rsa_key(1024, 1).record if key is RSA else ed25519_key(1).record, False)  # another key


def test_a_changed_b_fails_and_a_b_of_any_length_reads_as_dkimpy_reads_it() -> None:
    raw = sign(message(), RSA)
    modulus = dkim.crypto.parse_public_key(base64.b64decode(RSA.record.split(b"p=")[1]))["modulus"]

    def as_number(change: Callable[[int], int], length: int = 0) -> Callable[[dict[bytes, bytes]], None]:
        def apply(sig: dict[bytes, bytes]) -> None:
            number = change(int.from_bytes(base64.b64decode(re.sub(rb"\s+", b"", sig[b"b"])), "big"))
            sig[b"b"] = base64.b64encode(number.to_bytes(max(length, (number.bit_length() + 7) // 8), "big"))
        return apply

    same(raw, RSA.record, False, change=as_number(lambda s: s ^ 1))
    same(raw, RSA.record, False, change=as_number(lambda s: s + 1))
    # b= read as a number past the modulus, or with leading zero bytes: dkimpy's arithmetic takes it (OpenSSL alone
    # would not): the decision stays dkimpy's.
    same(raw, RSA.record, True, change=as_number(lambda s: s + modulus))
    same(raw, RSA.record, True, change=as_number(lambda s: s, length=300))
    same(raw, RSA.record, False, change=as_number(lambda s: 0))
    same(raw, RSA.record, False, change=lambda sig: sig.update({b"b": b"AAAA"}))


def test_key_records_dkimpy_refuses_or_reads_its_own_way() -> None:
    raw = sign(message(), RSA)
    p = RSA.record.split(b"p=")[1]
    same(raw, b"v=DKIM1; k=rsa; p=" + p, True)
    same(raw, b"p=" + p, True)
    same(raw, b"v=DKIM1; k=rsa; p=" + b" ".join(p[i:i + 60] for i in range(0, len(p), 60)), True)
    same(raw, b"v=DKIM1; k=rsa; s=email; p=" + p, True)
    same(raw, b"v=DKIM1; k=rsa; s=*; p=" + p, True)
    same(raw, b"v=DKIM2; k=rsa; p=" + p, False)
    same(raw, b"v=DKIM1; k=RSA; p=" + p, False)
    same(raw, b"v=DKIM1; k=rsa; p=" + p[:-8], False)
    same(raw, b"v=DKIM1; k=rsa; s=tlsrpt; p=" + p, "ValidationError")
    same(raw, b"v=DKIM1; k=rsa; s=other; p=" + p, "UnknownKeyTypeError")
    ed = ed25519_key()
    edp = ed.record.split(b"p=")[1]
    same(sign(message(), ed), b"k=ed25519; p=" + edp, True)
    same(sign(message(), ed), b"k=ed25519; p=" + edp[:-4], False)
    same(sign(message(), ed), b"k=ed25519; p=" + edp[:-1], False)


def test_small_keys_and_other_algorithms_as_dkimpy() -> None:
    weak = rsa_key(512)
    same(sign(message(), weak), weak.record, "KeyFormatError", minkey=1024)
    same(sign(message(), weak), weak.record, True, minkey=512)
    same(sign(message(), RSA, algorithm=b"rsa-sha1"), RSA.record, True)  # rules.dkim_checks refuses it before


def test_the_whole_check_on_signed_mail_tampered_or_not() -> None:
    key = MailKey.generate()
    ring = KeyRing()
    ring.records["test._domainkey.nhs.net"] = key.key.record
    policy, now = AuthPolicy(nhs_domains=("nhs.net",)), datetime.now(UTC)

    def judge(raw: bytes) -> bool:
        return authenticate_sender(SimpleNamespace(raw=raw), policy, ring, now=now).authenticated

    raw = key.sign(compose(sender="priya.shah@nhs.net", to="pcse@nhs.net", subject="Open Exeter access",
                           body="Organisation code: A81001\nUser: paul.brown@nhs.net\n",
                           attachments=(("form.pdf", b"%PDF-1.7 " * 500, "application/pdf"),)), "nhs.net")
    assert judge(raw) and judge(raw)  # the second time from the kept key
    assert not judge(raw.replace(b"User: paul.brown", b"User: paul.green"))
    assert not judge(raw.replace(b"Subject: Open Exeter access", b"Subject: Open Exeter accesS"))
    assert not judge(raw.replace(b"Organisation code: A81001", b"Organisation code: A81002"))


def test_a_key_kept_for_one_name_or_record_never_vouches_for_another() -> None:
    genuine, impostor = MailKey.generate(), MailKey.generate()
    policy, now = AuthPolicy(nhs_domains=("nhs.net",)), datetime.now(UTC)
    body = dict(sender="priya.shah@nhs.net", to="pcse@nhs.net", subject="Access", body="Please add access.\n")
    ring = KeyRing()
    ring.records["test._domainkey.nhs.net"] = genuine.key.record

    def judge(raw: bytes) -> bool:
        return authenticate_sender(SimpleNamespace(raw=raw), policy, ring, now=now).authenticated

    assert judge(genuine.sign(compose(**body), "nhs.net"))
    assert not judge(impostor.sign(compose(**body), "nhs.net"))  # same name, the genuine key kept
    ring.records["test._domainkey.nhs.net"] = impostor.key.record  # the key rotated at that name
    assert judge(impostor.sign(compose(**body), "nhs.net"))
    assert not judge(genuine.sign(compose(**body), "nhs.net"))
    assert key_record("a._domainkey.x", RSA.record) is not key_record("b._domainkey.y", RSA.record)


def test_the_key_caches_are_bounded() -> None:
    p = RSA.record.split(b"p=")[1]
    for number in range(KEYS_KEPT + 50):
        record = b"v=DKIM1; n=" + str(number).encode() + b"; p=" + p
        key_record(f"s{number}._domainkey.example.com", record)
        dkimpy_key(f"s{number}._domainkey.example.com", record)
    assert _kept_record.cache_info().currsize <= KEYS_KEPT
    assert _kept_key.cache_info().currsize <= KEYS_KEPT
    asked = _kept_record.cache_info().misses + _kept_record.cache_info().hits
    huge = b"v=DKIM1; n=" + b"x" * MAX_RECORD_KEPT + b"; p=" + p
    assert key_record("big._domainkey.example.com", huge).rsa_bits == 2048
    assert _kept_record.cache_info().misses + _kept_record.cache_info().hits == asked  # read, never kept



@pytest.mark.parametrize("canonicalize", CANONICALISATIONS)
def test_unsigned_fields_among_the_signed_change_nothing(canonicalize: tuple[bytes, bytes]) -> None:
    """Only the fields a signature names are canonicalised (rules.dkim_verify._named): fields it does not name,
    above, between and below the signed ones, some with a signed field's name in another case or a copy of one the
    signature counts once, decide as dkimpy decides with them all canonicalised."""
    extra = ("Received: from relay.nhs.net by mx.nhs.net;\r\n\tThu, 26 Nov 2026 09:00:01 +0000\r\n"
             "X-MS-Exchange-Organization-SCL: -1\r\nsubject: a lower-case Subject below the signed one\r\n"
             "X-Mailer: Microsoft Outlook 16.0\r\n")
    raw = sign(message(extra=extra), RSA, canonicalize=canonicalize)
    raw = raw.replace(b"\r\nTo:", b"\r\nReceived: by relay.nhs.net\r\nARC-Seal: i=1; cv=none\r\nTo:")
    same(raw, RSA.record, True)
    same(raw.replace(b"X-Mailer: Microsoft", b"X-Mailer: Mozilla"), RSA.record, True)  # unsigned: may change
    same(raw.replace(b"a lower-case Subject", b"another Subject"), RSA.record, False)  # the bottom one is signed
    same(raw.replace(b"Received: by relay", b"TO: x@nhs.net\r\nReceived: by relay"), RSA.record, True)
    covering = sign(message(extra=extra), RSA, canonicalize=canonicalize,
                    headers=("from", "to", "subject", "x-ms-exchange-organization-scl", "x-mailer", "x-mailer",
                             "arc-seal"))
    same(covering, RSA.record, True)
    same(covering.replace(b"X-Mailer: Microsoft", b"X-Mailer: Mozilla"), RSA.record, False)
    same(covering.replace(b"SCL: -1", b"SCL: 9"), RSA.record, False)
    same(covering.replace(b"\tThu, 26 Nov", b"\tFri, 27 Nov"), RSA.record, True)  # Received: not signed


_B_PIECES = st.sampled_from([b"b", b"=", b";", b" ", b"\t", b"\r", b"\n", b"\r\n", b"\r\n\t", b"\x0b", b"\x0c", b"A",
                             b"z", b"9", b"+", b"/", b"bh", b"-", b"\x00", b"\xff", b"b=", b"; b="])


@settings(max_examples=1500, deadline=None)
@given(pieces=st.lists(_B_PIECES, max_size=24))
def test_b_is_taken_out_as_dkimpy_takes_it_out(pieces: list[bytes]) -> None:
    value = b"".join(pieces)
    assert without_b(value) == dkim.RE_BTAG.sub(b"\\1", value)


def test_b_is_taken_out_of_real_signatures_as_dkimpy_takes_it_out() -> None:
    for canonicalize in CANONICALISATIONS:
        for key in (RSA, ed25519_key()):
            for field in split_message(sign(message(), key, canonicalize=canonicalize)).named("DKIM-Signature"):
                value = field.value + b"\r\n"
                assert without_b(value) == dkim.RE_BTAG.sub(b"\\1", value) != value
