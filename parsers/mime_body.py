"""The MIME tree of a parsed message walked into body text and attachments, within limits on parts and depth.

The walk is iterative, stops reading (with a note) past the part or depth limit, and treats every decoding
problem as a note rather than a failure: broken base64 yields what could be decoded, a wrong charset falls back.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass, field, replace
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32

from parsers.base64_text import damaged_base64, lenient_base64
from parsers.big_parts import SetAside, restore
from parsers.flowed import unflow
from parsers.header_guard import shorten_mime_headers
from parsers.headers import decode_bytes, decode_header_value
from parsers.payload import Payload, locate
from parsers.smime import PKCS7_MIME, signed_content
from parsers.sniff import TNEF, sniff_type
from parsers.tnef import tnef_files

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_FILENAME = 255
CID_REFERENCE = re.compile(r"cid:([^\s\"'<>\]\)]{1,250})", re.I)
# Parts that are reports about another message, not something a person wrote.
REPORT_TYPES = frozenset({"message/delivery-status", "message/disposition-notification", "message/feedback-report",
                          "text/rfc822-headers", "message/global-delivery-status"})
# An attachment bigger than this (undecoded) is not decoded at parse time: its place in the raw message is kept
# (parsers.payload), its type told from its first bytes. Smaller ones are decoded at once, as it costs little.
LAZY_FROM = 262_144
LAZY_ENCODINGS = frozenset({"base64", "quoted-printable", "7bit", "8bit", "binary", ""})


@dataclass(frozen=True)
class FoundAttachment:
    filename: str
    declared_type: str
    sniffed_type: str
    payload: Payload
    size: int  # decoded
    embedded: bool
    content_id: str = ""  # without its angle brackets, lower-case; "" when none


@dataclass
class WalkResult:
    part_types: list[str] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[FoundAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    decoded_bytes: int = 0  # decoded so far (text parts and small attachments), against the message's cap
    raw_position: int = 0  # where in the raw message the next big attachment is looked for


def clean_filename(raw: str | None) -> str:
    """A sender's file name made safe to show and store: decoded, no folders, no control characters."""
    if not raw:
        return ""
    name = decode_header_value(raw) if "=?" in raw or any(ord(c) > 127 for c in raw) else raw
    name = CONTROL.sub("", name)
    name = re.split(r"[/\\]", name)[-1].strip().strip(".").strip()
    return name[:MAX_FILENAME]


def _filename(part: Message) -> str:
    try:
        return clean_filename(part.get_filename())
    except Exception:  # noqa: BLE001 - RFC 2231 parameters in the wild break the stdlib in many ways
        return ""


def _content_id(part: Message) -> str:
    try:
        value = str(part.get("Content-ID", "") or "")
    except Exception:  # noqa: BLE001
        return ""
    return value.strip().strip("<>").strip().lower()[:250]


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:  # noqa: BLE001
        return ""


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:  # noqa: BLE001
        return "application/octet-stream"


def _transfer_encoding(part: Message) -> str:
    try:
        return str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    except Exception:  # noqa: BLE001
        return ""


def _payload_bytes(part: Message, defects: list[str], where: str) -> bytes:
    if _transfer_encoding(part) == "base64":
        # The stdlib hands back the undecoded text when base64 is damaged; reading as far as it goes is kinder.
        raw = part.get_payload(decode=False)
        if isinstance(raw, str):
            if damaged_base64(raw):
                defects.append(f"{where}: damaged base64 content (read as far as it goes)")
            return lenient_base64(raw)
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encodings
        defects.append(f"{where}: its content could not be decoded")
        return b""
    if isinstance(payload, bytes):
        return payload
    return b""


def _param(part: Message, name: str) -> str:
    """A Content-Type parameter of PART, lower-case; "" when absent or unreadable."""
    try:
        value = part.get_param(name)
    except Exception:  # noqa: BLE001 - RFC 2231 parameters in the wild break the stdlib in many ways
        return ""
    return value.strip().lower() if isinstance(value, str) else ""


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:  # noqa: BLE001
        return None


# The stdlib's defect classes, in words staff can act on.
DEFECT_TEXT = {
    "InvalidBase64PaddingDefect": "base64 content with wrong padding",
    "InvalidBase64CharactersDefect": "base64 content with characters base64 cannot have",
    "InvalidBase64LengthDefect": "base64 content cut short",
    "StartBoundaryNotFoundDefect": "its boundary never appears, so its parts cannot be told apart",
    "CloseBoundaryNotFoundDefect": "its closing boundary is missing",
    "MultipartInvariantViolationDefect": "declared multipart but has no parts",
    "NoBoundaryInMultipartDefect": "declared multipart without a boundary",
    "MissingHeaderBodySeparatorDefect": "a line among its headers is not a header, so its headers may end early",
    "FirstHeaderLineIsContinuationDefect": "its first header line is a continuation line",
    "MisplacedEnvelopeHeaderDefect": "a mailbox 'From ' line among its headers",
    "InvalidHeaderDefect": "a header that cannot be read",
    "HeaderMissingRequiredValue": "a header without its value",
}


def defect_text(defect: object) -> str:
    name = type(defect).__name__
    return DEFECT_TEXT.get(name, name)


def _note_part_defects(part: Message, defects: list[str], where: str) -> None:
    for defect in getattr(part, "defects", ())[:5]:
        note = f"{where}: {defect_text(defect)}"
        if note not in defects:
            defects.append(note)


def walk_parts(message: Message, max_parts: int, max_depth: int, *, raw: bytes | None = None,
               max_decoded: int | None = None, aside: SetAside | None = None) -> WalkResult:
    """Body texts and attachments of MESSAGE, reading no more than MAX_PARTS parts nor deeper than MAX_DEPTH. RAW,
    when given, is the message MESSAGE was parsed from: big attachments are then kept as places in it, not decoded.
    No more than MAX_DECODED bytes are decoded in all. ASIDE: the big bodies of RAW that MESSAGE was parsed
    without (parsers.big_parts)."""
    result = WalkResult()
    budget = _Budget(max_decoded)
    # (part, depth, inside a forwarded message, inside multipart/related)
    stack: list[tuple[Message, int, bool, bool]] = [(message, 0, False, False)]
    count = 0
    while stack:
        part, depth, forwarded, related = stack.pop()
        count += 1
        if count > max_parts:
            result.defects.append(f"more than {max_parts} MIME parts: the rest were not read")
            break
        ctype = _content_type(part)
        result.part_types.append(ctype)
        where = "the message" if depth == 0 else f"part {count} ({ctype})"
        _note_part_defects(part, result.defects, where)
        if ctype in REPORT_TYPES:
            continue  # a report about another message: the classifier reads part_types, nobody opens it
        if part.is_multipart() or ctype == "message/rfc822":
            if depth >= max_depth:
                result.defects.append(f"MIME parts nested deeper than {max_depth} levels: the deeper ones were "
                                      "not read")
                continue
            for inner in part.walk() if ctype == "message/rfc822" else (part,):  # an encoded one is read as text
                restore(inner, aside, raw)
            children = _children(part, ctype, result.defects, where)
            for child in children:
                if _content_type(child) in ("text/plain", "text/html"):  # read as text by _preferred_alternative
                    restore(child, aside, raw)
            inner_forwarded = forwarded or ctype == "message/rfc822"
            inner_related = related or ctype == "multipart/related"
            kids = children
            if ctype == "multipart/alternative":
                kids = _preferred_alternative(kids)
            for child in reversed(kids):  # reversed: the stack pops them in document order
                stack.append((child, depth + 1, inner_forwarded, inner_related))
            continue
        if ctype in PKCS7_MIME and depth < max_depth:
            restore(part, aside, raw)
            wrapped = _opaque_signed(part, result, where, budget)
            if wrapped is not None:  # read as the message it wraps, as the sender's mail program shows it
                stack.append((wrapped, depth + 1, forwarded, related))
                continue
        _leaf(part, ctype, where, forwarded, related, result, raw, budget, aside)
    _mark_pictures_in_the_text(result)
    return result


def _opaque_signed(part: Message, result: WalkResult, where: str, budget: _Budget) -> Message | None:
    """The message inside an opaque-signed S/MIME part (smime.p7m), or None when PART is not one (an encrypted
    one cannot be read, and stays an attachment)."""
    if _param(part, "smime-type") not in ("", "signed-data"):
        return None
    encoded = _encoded(part)
    if not budget.allows(len(encoded) if encoded is not None else 0, result, where):
        return None
    content = signed_content(_payload_bytes(part, result.defects, where))
    if content is None:
        return None
    try:
        return BytesParser(policy=compat32).parsebytes(shorten_mime_headers(content)[0])
    except Exception:  # noqa: BLE001 - includes RecursionError
        result.defects.append(f"{where}: an S/MIME signed message whose content could not be read")
        return None


def _mark_pictures_in_the_text(result: WalkResult) -> None:
    """Pictures the body shows by their Content-ID (an HTML <img src="cid:...">, or the [cid:...] Outlook leaves in
    plain text) are part of the text, however they are attached: a signature's logo beside a form is not a second
    form. Outlook sending plain text attaches such logos as ordinary attachments."""
    if not any(a.content_id for a in result.attachments):
        return
    shown = {m.lower() for text in (*result.plain, *result.html) for m in CID_REFERENCE.findall(text)}
    result.attachments = [replace(a, embedded=True) if a.content_id and a.content_id in shown
                          and a.sniffed_type.startswith("image/") else a for a in result.attachments]


@dataclass
class _Budget:
    """The decoded bytes a message may still cost; None: no limit."""

    left: int | None

    def allows(self, size: int, result: WalkResult, where: str) -> bool:
        if self.left is not None and size > self.left:
            result.defects.append(f"{where}: not read: the message's parts would decode to more than the limit "
                                  "([limits] max_decoded_bytes)")
            return False
        if self.left is not None:
            self.left -= size
        result.decoded_bytes += size
        return True


def _children(part: Message, ctype: str, defects: list[str], where: str) -> list[Message]:
    if ctype == "message/rfc822" and _transfer_encoding(part) in ("base64", "quoted-printable"):
        # Not allowed by RFC 2046, but some mail programs forward messages encoded: decode, then read it.
        try:
            encoded = part.get_payload(decode=False)
            text = encoded if isinstance(encoded, str) else "".join(
                str(p) for p in encoded) if isinstance(encoded, list) else ""
            data = lenient_base64(text) if _transfer_encoding(part) == "base64" else quopri.decodestring(
                text.encode("ascii", errors="replace"))
            return [BytesParser(policy=compat32).parsebytes(shorten_mime_headers(data)[0])]
        except Exception:  # noqa: BLE001 - includes RecursionError from a message nested inside itself
            defects.append(f"{where}: an encoded forwarded message that could not be read")
            return []
    try:
        children = part.get_payload()
    except Exception:  # noqa: BLE001
        return []
    return [c for c in children if isinstance(c, Message)] if isinstance(children, list) else []


def _preferred_alternative(kids: list[Message]) -> list[Message]:
    """Of the versions of one content, the plain text one when there is one (it is what the sender typed)."""
    plain = [k for k in kids if _content_type(k) == "text/plain" and not _filename(k) and _has_text(k)]
    if plain:
        return [plain[0]] + [k for k in kids if _content_type(k) not in ("text/plain", "text/html")]
    return kids


def _has_text(part: Message) -> bool:
    """Whether a plain version holds any text: some mail programs send an empty one beside the HTML that holds
    it, and empty may be a non-breaking or zero-width space."""
    return not is_blank(decode_bytes(_payload_bytes(part, [], ""), _charset(part)))


def is_blank(text: str) -> bool:
    """Whether TEXT holds nothing to read: whitespace, non-breaking and zero-width spaces only."""
    return not text.replace("\u200b", "").replace("\ufeff", "").strip()


def _leaf(part: Message, ctype: str, where: str, forwarded: bool, related: bool, result: WalkResult,
          raw: bytes | None, budget: _Budget, aside: SetAside | None = None) -> None:
    filename = _filename(part)
    disposition = _disposition(part)
    # A multipart part the parser could not split (no boundary) is kept as text, so nothing a person wrote is lost.
    is_text = ctype in ("text/plain", "text/html") or ctype.startswith("multipart/")
    embedded = forwarded or (disposition == "inline" and ctype.startswith("image/")) or (
        related and disposition != "attachment")
    if not (is_text and not filename and disposition != "attachment" and not forwarded):
        lazy = _set_aside(part, raw, result, aside)
        if lazy is None:
            restore(part, aside, raw)
            lazy = _in_place(part, raw, result, where)
        if lazy is not None:  # big: its type from its first bytes, its size counted, nothing decoded
            found = FoundAttachment(filename=filename, declared_type=ctype, sniffed_type=sniff_type(lazy.head()),
                                    payload=lazy, size=lazy.decoded_size(), embedded=embedded,
                                    content_id=_content_id(part))
            result.attachments.append(found)
            if found.sniffed_type == TNEF and budget.allows(lazy.encoded_size, result, where):
                _tnef_contents(lazy.decode(), found, where, result)
            return
    restore(part, aside, raw)
    encoded = _encoded(part)
    if not budget.allows(len(encoded) if encoded is not None else 0, result, where):
        return
    data = _payload_bytes(part, result.defects, where)
    if is_text and not filename and disposition != "attachment" and not forwarded:
        text = decode_bytes(data, _charset(part)).replace("\r\n", "\n").replace("\r", "\n")
        if ctype == "text/plain" and _param(part, "format") == "flowed":
            text = unflow(text, delsp=_param(part, "delsp") == "yes")
        (result.html if ctype == "text/html" else result.plain).append(text)
        return
    found = FoundAttachment(filename=filename, declared_type=ctype, sniffed_type=sniff_type(data),
                            payload=Payload.of(data), size=len(data), embedded=embedded, content_id=_content_id(part))
    result.attachments.append(found)
    if found.sniffed_type == TNEF:
        _tnef_contents(data, found, where, result)


def _tnef_contents(data: bytes, tnef: FoundAttachment, where: str, result: WalkResult) -> None:
    """The files inside a winmail.dat, each as an attachment of its own after it (the form is in there), each a
    place in DATA, typed from its bytes."""
    files, problem = tnef_files(data)
    if problem:
        result.defects.append(f"{where}: {tnef.filename or 'a winmail.dat'} (Outlook's TNEF): {problem}")
    for inner in files:
        payload = Payload(data, inner.start, inner.end)
        result.attachments.append(FoundAttachment(
            filename=clean_filename(inner.title), declared_type=TNEF, sniffed_type=sniff_type(payload.decode()),
            payload=payload, size=inner.end - inner.start, embedded=tnef.embedded))


def _set_aside(part: Message, raw: bytes | None, result: WalkResult, aside: SetAside | None) -> Payload | None:
    """PART's content as a place in RAW, when it is one big base64 body set aside whole before parsing (a smaller
    one is put back and read as if never set aside)."""
    encoding = _transfer_encoding(part)
    span = aside.span_of(_encoded(part)) if aside is not None else None
    if span is None or raw is None or encoding not in LAZY_ENCODINGS or span[1] - span[0] < LAZY_FROM:
        return None
    result.raw_position = span[1]
    return Payload(raw, span[0], span[1], encoding if encoding in ("base64", "quoted-printable") else "")


def _encoded(part: Message) -> str | None:
    """PART's content as the parser read it (undecoded), without the stdlib's charset handling (which can raise)."""
    payload = getattr(part, "_payload", None)  # get_payload() re-decodes 8-bit text by a charset the sender chose
    return payload if isinstance(payload, str) else None


def _in_place(part: Message, raw: bytes | None, result: WalkResult, where: str) -> Payload | None:
    """PART's content as a place in RAW, when it is big and found there as the parser read it; else None."""
    encoding = _transfer_encoding(part)
    text = _encoded(part)
    if raw is None or text is None or len(text) < LAZY_FROM or encoding not in LAZY_ENCODINGS:
        return None
    span = locate(raw, text, result.raw_position)
    if span is None:
        return None
    if encoding == "base64" and damaged_base64(text):
        result.defects.append(f"{where}: damaged base64 content (read as far as it goes)")
    result.raw_position = span[1]
    return Payload(raw, span[0], span[1], encoding if encoding in ("base64", "quoted-printable") else "")
