"""One email, bytes to plain immutable data: headers decoded, body text split into new, quoted and signature
parts, attachments typed from their bytes. Never raises: whatever is wrong is kept as a plain-English note."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from functools import cached_property

from parsers.big_parts import SetAside, set_aside
from parsers.feed_parser import BytesFeedParser
from parsers.header_guard import MAX_MIME_HEADER, shorten_mime_headers
from parsers.headers import (
    decode_unfolded,
    header_date,
    message_id,
    raw_header_text,
    reference_ids,
    unfolded_header_text,
)
from parsers.html_text import html_to_text
from parsers.mime_body import REPORT_TYPES, WalkResult, defect_text, is_blank, walk_parts
from parsers.payload import Decoded, Payload
from parsers.quoting import split_reply
from parsers.smime import sealed

# Headers a message should carry once; a second one is how some spoofing and some broken mailers show.
SINGLE_HEADERS = ("from", "sender", "to", "subject", "date", "message-id", "in-reply-to", "reply-to")
HEADER_DEFECTS = frozenset({"MissingHeaderBodySeparatorDefect", "FirstHeaderLineIsContinuationDefect",
                            "MisplacedEnvelopeHeaderDefect"})
HEADER_END = re.compile(rb"\r?\n\r?\n")
MAX_HEADER_BYTES = 1_048_576
# Past these, a body is not a request anyone typed; the limits keep hostile mail to seconds, not minutes.
MAX_SPLIT_CHARS = 1_000_000
MAX_HTML_CHARS = 5_000_000
MAX_HEADERS = 1000  # real mail carries well under 200, Received lines included
FEED_BYTES = 65536
# A header value holding bytes that were not ASCII: the parser hands them over as lone surrogates.
RAW_8BIT = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class MessageLimits:
    max_bytes: int = 26_214_400  # bigger: too_large=True, headers still parsed, body/attachments not read
    max_parts: int = 200
    max_depth: int = 10
    # At most this many bytes of a message's parts are decoded at parse time and, with its forms, at intake
    # ([limits] max_decoded_bytes); counted at their encoded size, so a part never costs more than it says.
    max_decoded_bytes: int = 26_214_400


@dataclass(frozen=True)
class Attachment:
    filename: str  # decoded, path parts and control chars stripped; "" when none
    declared_type: str  # lower-case Content-Type as declared
    sniffed_type: str  # from the bytes (parsers.sniff), never from the name; a big one's from its first bytes
    size: int  # decoded
    payload: Payload = field(repr=False)
    embedded: bool  # inline image, or part of a forwarded message/rfc822

    @property
    def data(self) -> bytes:
        """The content, decoded now (a big attachment is a place in the raw message until asked for): hold it only
        as long as it is needed."""
        return self.payload.decode()

    def decoded(self) -> Decoded:
        """The content, to be decoded a slice at a time as it is read (never held whole)."""
        return Decoded(self.payload)


@dataclass(frozen=True)
class ParsedMessage:
    raw: bytes = field(repr=False)
    size: int
    content_hash: str  # sha256 hex of raw
    headers: tuple[tuple[str, str], ...]  # (name, decoded value) in order
    raw_headers: tuple[tuple[str, str], ...]  # (name, undecoded value) in order
    header_defects: tuple[str, ...]
    message_id: str | None  # "<id@host>" form; None when missing or garbage
    in_reply_to: str | None
    references: tuple[str, ...]  # each "<...>"
    subject: str  # decoded, "" when missing
    date: datetime | None  # timezone-aware UTC; None when missing or unparseable
    content_type: str
    part_types: tuple[str, ...]
    body_text: str  # whole text body (text/plain, or HTML converted to text)
    text: str  # the new text only: no quoted reply, no signature block
    quoted_text: str
    signature_text: str
    html_only: bool
    attachments: tuple[Attachment, ...]
    too_large: bool
    defects: tuple[str, ...]  # plain-English notes of what was wrong (for staff)
    decoded_bytes: int = 0  # what parsing decoded (text parts, small attachments): counts towards the cap

    def header(self, name: str) -> str | None:
        """The first header called NAME (any case), decoded; None when there is none."""
        values = self._by_name.get(name.lower())
        return values[0] if values else None

    def headers_named(self, name: str) -> tuple[str, ...]:
        """Every header called NAME (any case), decoded, in order."""
        return self._by_name.get(name.lower(), ())

    @cached_property
    def _by_name(self) -> dict[str, tuple[str, ...]]:
        """The decoded values by lower-case header name, each name's in order: the classifier asks for headers by
        name a dozen times a message, and each asking lower-cased every header's name."""
        grouped: dict[str, list[str]] = {}
        for key, value in self.headers:
            grouped.setdefault(key.lower(), []).append(value)
        return {key: tuple(values) for key, values in grouped.items()}

    @property
    def encrypted(self) -> bool:
        """An S/MIME part that could not be opened (encrypted) stands in for the text: nothing else can be read."""
        return not self.text.strip() and any(sealed(a.declared_type, a.filename) for a in self.attachments)

    @property
    def is_report(self) -> bool:
        """A delivery or read report (multipart/report, or a part that is a report about another message)."""
        return self.content_type == "multipart/report" or any(t in REPORT_TYPES for t in self.part_types)


def _parse(data: bytes, headers_only: bool) -> Message:
    if headers_only:
        return BytesParser(policy=compat32).parsebytes(data, headersonly=True)
    # Fed a slice at a time: BytesParser.parsebytes decodes the whole message to one str and reads it through a
    # StringIO, which holds it again at four bytes a character (over 120 MB for a 25 MB message). The feed parser
    # gives the same tree, as parsebytes itself feeds it in pieces (parsers.feed_parser: the stdlib's, without a
    # regular expression compiled for each boundary).
    parser = BytesFeedParser(policy=compat32)
    view = memoryview(data)
    for start in range(0, len(view), FEED_BYTES):
        parser.feed(view[start: start + FEED_BYTES].tobytes())
    return parser.close()


def _header_block(raw: bytes) -> bytes:
    end = HEADER_END.search(raw, 0, MAX_HEADER_BYTES)
    return raw[: end.end()] if end else raw[:MAX_HEADER_BYTES]


def _headers(msg: Message) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]:
    decoded: list[tuple[str, str]] = []
    undecoded: list[tuple[str, str]] = []
    defects: list[str] = []
    for index, (name, value) in enumerate(msg.raw_items()):
        if index >= MAX_HEADERS:
            defects.append(f"more than {MAX_HEADERS:,} header lines: the rest were not read")
            break
        name = raw_header_text(str(name)).strip()
        value = str(value)
        if not value.isascii() and RAW_8BIT.search(value):  # (its surrogates are never ASCII)
            note = f"the {name} header has raw 8-bit bytes (not encoded as RFC 2047 requires)"
            if note not in defects:
                defects.append(note)
        text = unfolded_header_text(value)  # (once for both: decode_header_value(value) is decode_unfolded(text))
        undecoded.append((name, text.strip()))
        decoded.append((name, decode_unfolded(text)))
    counts = Counter(name.lower() for name, _ in decoded)
    for name in SINGLE_HEADERS:
        if counts[name] > 1:
            defects.append(f"{counts[name]} {name.title()} headers where there should be one")
    for defect in msg.defects:
        if type(defect).__name__ in HEADER_DEFECTS:
            defects.append(f"the message: {defect_text(defect)}")
    return decoded, undecoded, defects


def _first(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _content_type(msg: Message) -> str:
    try:
        return msg.get_content_type().lower()
    except Exception:  # noqa: BLE001
        return "text/plain"


def parse_message(raw: bytes, limits: MessageLimits = MessageLimits()) -> ParsedMessage:  # noqa: B008
    """RAW as a ParsedMessage. Never raises: a message that cannot be read at all comes back empty, with a note."""
    try:
        raw = raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else bytes(raw)
    except Exception:  # noqa: BLE001 - not bytes at all: a caller's mistake, still not a crash
        raw = b""
    try:
        return _parse_message(raw, limits)
    except Exception as exc:  # noqa: BLE001 - one bad message must never stop the mailbox
        return _unreadable(raw, f"the message could not be parsed ({type(exc).__name__})")


def _unreadable(raw: bytes, note: str) -> ParsedMessage:
    return ParsedMessage(
        raw=raw, size=len(raw), content_hash=hashlib.sha256(raw).hexdigest(), headers=(), raw_headers=(),
        header_defects=(), message_id=None, in_reply_to=None, references=(), subject="", date=None,
        content_type="text/plain", part_types=(), body_text="", text="", quoted_text="", signature_text="",
        html_only=False, attachments=(), too_large=False, defects=(note,))


def _parse_message(raw: bytes, limits: MessageLimits) -> ParsedMessage:
    too_large = len(raw) > limits.max_bytes
    defects: list[str] = []
    msg: Message
    body_readable = False
    aside: SetAside | None = None
    parseable, shortened = shorten_mime_headers(_header_block(raw) if too_large else raw)
    if shortened:
        defects.append(f"{shortened} Content-* header(s) longer than {MAX_MIME_HEADER:,} bytes were cut short")
    if too_large:
        defects.append(f"the message is {len(raw):,} bytes, over the {limits.max_bytes:,} byte limit: only its "
                       "headers were read")
        msg = _parse(parseable, headers_only=True)
    else:
        try:
            aside = set_aside(parseable)  # its big base64 bodies kept out of the parser's hands
            msg = _parse(aside.shrunk, headers_only=False)
            body_readable = True
        except RecursionError:
            defects.append("the MIME structure is nested too deeply to read: only the headers were read")
            msg = _parse(_header_block(parseable), headers_only=True)
    decoded, undecoded, header_defects = _headers(msg)

    raw_id = _first(decoded, "message-id")
    ident = message_id(raw_id)
    if raw_id is None:
        header_defects.append("no Message-ID header")
    elif ident is None:
        header_defects.append("the Message-ID header is not of the form <id@host>")
    raw_date = _first(decoded, "date")
    date = header_date(raw_date)
    if raw_date is None:
        header_defects.append("no Date header")
    elif date is None:
        header_defects.append("the Date header cannot be read as a date")

    walked = WalkResult()
    if body_readable:
        walked = walk_parts(msg, limits.max_parts, limits.max_depth, raw=parseable,
                            max_decoded=limits.max_decoded_bytes, aside=aside)
    body_text, html_only = _body_text(walked, defects)
    if len(body_text) > MAX_SPLIT_CHARS:
        defects.append(f"the text is longer than {MAX_SPLIT_CHARS:,} characters: only its start was split into new "
                       "text, quoted reply and signature")
    reply = split_reply(body_text[:MAX_SPLIT_CHARS])
    attachments = tuple(Attachment(filename=a.filename, declared_type=a.declared_type, sniffed_type=a.sniffed_type,
                                   size=a.size, payload=a.payload, embedded=a.embedded) for a in walked.attachments)
    return ParsedMessage(
        raw=raw, size=len(raw), content_hash=hashlib.sha256(raw).hexdigest(),
        headers=tuple(decoded), raw_headers=tuple(undecoded), header_defects=tuple(header_defects),
        message_id=ident, in_reply_to=message_id(_first(decoded, "in-reply-to")),
        references=reference_ids(tuple(v for k, v in decoded if k.lower() == "references")),
        subject=_first(decoded, "subject") or "", date=date, content_type=_content_type(msg),
        part_types=tuple(walked.part_types) or (_content_type(msg),),
        body_text=body_text, text=reply.new_text, quoted_text=reply.quoted_text, signature_text=reply.signature_text,
        html_only=html_only, attachments=attachments, too_large=too_large,
        defects=tuple(dict.fromkeys([*header_defects, *defects, *walked.defects])), decoded_bytes=walked.decoded_bytes,
    )


def _body_text(walked: WalkResult, defects: list[str]) -> tuple[str, bool]:
    plain = [t for t in walked.plain if not is_blank(t)]
    if plain:
        return "\n\n".join(t.strip("\r\n") for t in plain), False
    if walked.html:
        if any(len(h) > MAX_HTML_CHARS for h in walked.html):
            defects.append(f"an HTML body is longer than {MAX_HTML_CHARS:,} characters: only its start was read")
        return "\n\n".join(html_to_text(h[:MAX_HTML_CHARS]) for h in walked.html), True
    return "", False
