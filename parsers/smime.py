"""The message inside an opaque-signed S/MIME part (application/pkcs7-mime; smime-type=signed-data, smime.p7m).

Outlook signing without "send clear text signed message" wraps the whole message, text and attachments, inside a
CMS SignedData structure: every other mail program shows only "smime.p7m". The signed content is taken out as it is
(BER, as Outlook writes it with indefinite lengths and chunked octet strings, or DER); the signature is not
checked, as the sender is told by DKIM (SPEC 4), never by a certificate the sender chose.
"""

from __future__ import annotations

from dataclasses import dataclass

# The S/MIME part types (RFC 8551 3.2.1; the x- one is what older Outlook writes).
PKCS7_MIME = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})
SIGNED_DATA = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2
SEQUENCE, OID, OCTETS, CONSTRUCTED_OCTETS, EXPLICIT_0 = 0x30, 0x06, 0x04, 0x24, 0xA0
MAX_DEPTH = 32
MAX_LENGTH_BYTES = 4


class _NotCms(ValueError):
    """The bytes are not the BER of a SignedData this reads."""


@dataclass(frozen=True)
class _Element:
    tag: int
    start: int  # of the contents
    end: int  # of the contents (before an indefinite length's end-of-contents octets)
    after: int  # where the next element starts


def _element(data: bytes, pos: int, depth: int = 0) -> _Element:
    if depth > MAX_DEPTH or pos + 2 > len(data):
        raise _NotCms("cut short or nested too deep")
    tag, first = data[pos], data[pos + 1]
    if tag & 0x1F == 0x1F:
        raise _NotCms("a high tag number")
    pos += 2
    if first == 0x80:  # indefinite: the contents are elements up to two zero octets
        if not tag & 0x20:
            raise _NotCms("an indefinite length on a primitive element")
        end = pos
        while data[end:end + 2] != b"\x00\x00":
            end = _element(data, end, depth + 1).after
        return _Element(tag, pos, end, end + 2)
    if first & 0x80:
        count = first & 0x7F
        if not 0 < count <= MAX_LENGTH_BYTES or pos + count > len(data):
            raise _NotCms("a length that cannot be read")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > len(data):
        raise _NotCms("cut short")
    return _Element(tag, pos, pos + length, pos + length)


def _children(data: bytes, parent: _Element) -> list[_Element]:
    found, pos = [], parent.start
    while pos < parent.end:
        child = _element(data, pos)
        found.append(child)
        pos = child.after
    return found


def _octets(data: bytes, element: _Element, depth: int = 0) -> bytes:
    if element.tag == OCTETS:
        return data[element.start:element.end]
    if element.tag != CONSTRUCTED_OCTETS or depth > MAX_DEPTH:
        raise _NotCms("not an octet string")
    return b"".join(_octets(data, chunk, depth + 1) for chunk in _children(data, element))


def _only(elements: list[_Element], tag: int, index: int) -> _Element:
    if len(elements) <= index or elements[index].tag != tag:
        raise _NotCms(f"element {index} is not the one expected")
    return elements[index]


def signed_content(data: bytes) -> bytes | None:
    """The content a CMS SignedData in DATA carries (for S/MIME, a whole MIME entity); None when DATA is not one,
    or carries none (a detached signature)."""
    try:
        info = _element(data, 0)
        if info.tag != SEQUENCE:
            return None
        parts = _children(data, info)
        oid = _only(parts, OID, 0)
        if data[oid.start:oid.end] != SIGNED_DATA:
            return None
        signed = _only(_children(data, _only(parts, EXPLICIT_0, 1)), SEQUENCE, 0)
        encapsulated = _only(_children(data, signed), SEQUENCE, 2)  # after the version and the digest algorithms
        inner = _children(data, encapsulated)
        if len(inner) < 2:
            return None
        wrapped = _children(data, _only(inner, EXPLICIT_0, 1))
        return _octets(data, wrapped[0]) if wrapped else None
    except (_NotCms, IndexError, RecursionError):
        return None


def sealed(declared_type: str, filename: str) -> bool:
    """Whether an attachment is an S/MIME part left as it came: an opaque-signed one is opened where it is met
    (parsers.mime_body), so one still here is encrypted (enveloped-data) or could not be read."""
    return declared_type.split(";")[0].strip().lower() in PKCS7_MIME or filename.lower().endswith(".p7m")
