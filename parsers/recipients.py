"""Who a message was sent to: the addresses of its To and Cc header fields, parsed as addresses (not searched for
as text), each with the field it came from, so a check can tell a signed recipient from an added one (SPEC 17).

Reads the same header block the DKIM verifier hashed (parsers.raw_headers). Each mailbox of a list is parsed as
strictly as a From address (parsers.from_address): a display name that looks like an address, an address inside an
encoded word, route syntax, any malformed mailbox gives no address. Never raises, and costs one pass over each
field: a mailbox nobody can read as ours is never taken as sent to us.
"""

from __future__ import annotations

from parsers.domains import normalise_domain
from parsers.from_address import parse_single_mailbox
from parsers.raw_headers import RawHeaders

RECIPIENT_FIELDS = ("to", "cc")
# A field longer than this, or more addresses than this, is not a request to PCSE anyone needs to read fully.
MAX_FIELD_CHARS = 16_384
MAX_ADDRESSES = 200


def normalise_address(address: str) -> str | None:
    """ADDRESS as it is compared: lower-case, the domain as IDNA A-labels; None when it is not local@domain."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        return None
    normal = normalise_domain(domain)
    return f"{local.lower()}@{normal}" if normal else None


def recipients(headers: RawHeaders) -> tuple[tuple[str, str], ...]:
    """(field, address) for every address in the To and Cc fields, top to bottom; FIELD is "to" or "cc"."""
    found: list[tuple[str, str]] = []
    for field in headers.fields:
        if field.key not in RECIPIENT_FIELDS:
            continue
        text = field.unfolded.decode("utf-8", "replace")
        if len(text) > MAX_FIELD_CHARS:
            continue
        for mailbox in mailboxes(text):
            try:
                address, _domain = parse_single_mailbox(mailbox, max_comment_depth=None)
            except Exception:  # noqa: BLE001, S112 - a malformed mailbox is no address; the others still count
                continue
            normal = normalise_address(address)
            if normal is not None:
                found.append((field.key, normal))
            if len(found) >= MAX_ADDRESSES:
                return tuple(found)
    return tuple(found)


def loose_addresses(value: str) -> tuple[str, ...]:
    """Every address an address list VALUE names, read leniently (as a mail program would show them, for
    recognising who a message is from, never for trusting it), lower-case. One pass per mailbox, no recursion:
    nested comments, quotes and groups of any depth cost linear time and never raise."""
    found: list[str] = []
    for mailbox in mailboxes(value[:MAX_FIELD_CHARS])[:MAX_ADDRESSES]:
        try:
            address = parse_single_mailbox(mailbox, max_comment_depth=None)[0]
        except Exception:  # noqa: BLE001 - not strictly one mailbox: read it as loosely as a mail program would
            address = _loose_address(mailbox)
        if "@" in address:
            found.append(address.strip().lower())
    return tuple(found)


def _loose_address(mailbox: str) -> str:
    """The text in the last angle brackets of MAILBOX outside comments and quotes, else MAILBOX without its
    comments and quotes."""
    outside: list[str] = []
    quoted, comment, escaped = False, 0, False
    for ch in mailbox:
        if escaped:
            escaped = False
        elif ch == "\\" and (quoted or comment):
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif comment:
            comment += {"(": 1, ")": -1}.get(ch, 0)
        elif ch == '"':
            quoted = True
        elif ch == "(":
            comment = 1
        else:
            outside.append(ch)
    text = "".join(outside)
    start = text.rfind("<")
    if start >= 0:
        end = text.find(">", start)
        return text[start + 1:end if end >= 0 else len(text)].strip()
    return "".join(text.split())


def mailboxes(value: str) -> list[str]:
    """An address list split into its mailboxes: at commas and semicolons outside quoted strings, comments and
    angle brackets; a group's name (text before a top-level colon) is dropped. One pass, no recursion."""
    parts: list[str] = []
    current: list[str] = []
    quoted, comment, angle, escaped = False, 0, False, False
    for ch in value:
        if escaped:
            escaped = False
        elif ch == "\\" and (quoted or comment):
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif comment:
            comment += {"(": 1, ")": -1}.get(ch, 0)
        elif angle:
            angle = ch != ">"
        elif ch == '"':
            quoted = True
        elif ch == "(":
            comment = 1
        elif ch == "<":
            angle = True
        elif ch in ",;":
            parts.append("".join(current))
            current = []
            continue
        elif ch == ":":
            current = []  # a group: "Team: a@x, b@y;"
            continue
        current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]
