"""The one From address of a message, parsed strictly from the raw header (SPEC 4), or why there is not exactly one.

Anything a mail program might show differently from what we judge makes the sender ambiguous: more than one From,
more than one address, group or route syntax, an address (or an @ sign) in the display name, a comment or an encoded
word, a quoted local part, a domain literal, control or invisible formatting characters, or any malformed line in
the header block. Such messages go to a person; none of them is ever authenticated.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from parsers.domains import normalise_domain
from parsers.encoded_words import EncodedWordError, decoded_words
from parsers.raw_headers import RawHeaders

# Characters a reader may take for "@" (the ASCII one, full-width and small commercial at).
AT_SIGNS = ("@", "\uff20", "\ufe6b")
_ATEXT_ASCII = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]")
# An ASCII text is_dot_atom reads character by character, in one match: atoms of _ATEXT_ASCII joined by single dots.
_DOT_ATOM_ASCII = re.compile(rf"{_ATEXT_ASCII.pattern}+(?:\.{_ATEXT_ASCII.pattern}+)*")
_SPACE = " \t"
# RFC 5322 lets comments nest without limit; no mail program writes more than a level or two, and the standard
# library's parsers give up (RecursionError) or read another address a few hundred levels down.
MAX_COMMENT_DEPTH = 5


@dataclass(frozen=True)
class FromAddress:
    """ADDRESS is local@domain with the domain normalised (lower-case A-labels); both None when PROBLEMS say why."""

    address: str | None
    domain: str | None
    problems: tuple[str, ...]


class _Ambiguous(Exception):
    """One reason the From header does not hold exactly one plain address."""


@dataclass
class _Token:
    kind: str  # "word", "quoted", "comment" or "angle"
    text: str


def single_from_address(headers: RawHeaders) -> FromAddress:
    """The single From address of HEADERS, or the problems that make the sender ambiguous."""
    if headers.defects:
        return _ambiguous(*(f"the header block is malformed: {d}" for d in headers.defects))
    froms = headers.named("From")
    if not froms:
        others = [name for name in ("Sender", "Resent-From") if headers.count(name)]
        if others:
            return _ambiguous(f"there is no From header, only {' and '.join(others)}")
        return _ambiguous("there is no From header")
    if len(froms) > 1:
        return _ambiguous(f"there are {len(froms)} From headers, not one")
    try:
        value = froms[0].unfolded.decode("utf-8")
    except UnicodeDecodeError:
        return _ambiguous("the From header holds bytes that are not UTF-8 text")
    try:
        address, domain = parse_single_mailbox(value)
    except _Ambiguous as exc:
        return _ambiguous(str(exc))
    return FromAddress(address=address, domain=domain, problems=())


def parse_single_mailbox(value: str, max_comment_depth: int | None = MAX_COMMENT_DEPTH) -> tuple[str, str]:
    """(address, normalised domain) of the one mailbox in a From VALUE; raises _Ambiguous. MAX_COMMENT_DEPTH None
    reads comments nested to any depth (a recipient, which nothing trusts)."""
    # (every character of those categories is unprintable, so a printable VALUE, as nearly all are, holds none)
    for ch in () if value.isprintable() else value:
        if ch not in _SPACE and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            raise _Ambiguous(f"the From header holds an invisible or control character (U+{ord(ch):04X})")
    try:
        for decoded in decoded_words(value):
            if _looks_like_address(decoded) or "<" in decoded:
                raise _Ambiguous("the From header hides an address inside an encoded word")
    except EncodedWordError as exc:
        raise _Ambiguous(f"the From header has {exc}") from exc
    tokens = _tokens(value, max_comment_depth)
    angles = [t for t in tokens if t.kind == "angle"]
    if len(angles) > 1:
        raise _Ambiguous("the From header holds more than one address")
    for t in tokens:
        if t.kind == "comment" and _looks_like_address(t.text):
            raise _Ambiguous("a comment in the From header looks like an address")
    if angles:
        angle_at = tokens.index(angles[0])
        if any(t.kind != "comment" for t in tokens[angle_at + 1:]):
            raise _Ambiguous("the From header has text after the address in angle brackets")
        phrase = [t for t in tokens[:angle_at] if t.kind in ("word", "quoted")]
        for t in phrase:
            if _looks_like_address(t.text):
                where = "quoted display name" if t.kind == "quoted" else "text before the angle brackets"
                raise _Ambiguous(f"the {where} in the From header looks like an address")
        spec = angles[0].text
    else:
        words = [t for t in tokens if t.kind != "comment"]
        if len(words) != 1 or words[0].kind != "word":
            raise _Ambiguous("the From header is not one plain address")
        spec = words[0].text
    return _addr_spec(spec)


def display_name(value: str) -> str:
    """The display name written before the one address in angle brackets of a From VALUE, for greeting the
    sender; "" when there is none or VALUE is not a single mailbox. One pass whatever the nesting (the standard
    library's parseaddr recurses once per nested comment or group, and a From of 1,000 of them raised
    RecursionError)."""
    try:
        tokens = _tokens(value)
    except _Ambiguous:
        return ""
    angles = [i for i, t in enumerate(tokens) if t.kind == "angle"]
    if len(angles) > 1:
        return ""
    if not angles:  # "jane@nhs.net (Jane Smith)": the old style, the name in a comment
        words = [t for t in tokens if t.kind != "comment"]
        named = [t.text for t in tokens if t.kind == "comment"]
        return " ".join(" ".join(named).split()) if len(words) == 1 else ""
    return " ".join(" ".join(t.text.split()) for t in tokens[:angles[0]] if t.kind in ("word", "quoted")).strip()


def _ambiguous(*problems: str) -> FromAddress:
    return FromAddress(address=None, domain=None, problems=tuple(problems))


def _looks_like_address(text: str) -> bool:
    return any(at in text for at in AT_SIGNS)


def _tokens(value: str, max_comment_depth: int | None = MAX_COMMENT_DEPTH) -> list[_Token]:
    """VALUE split into words, quoted strings, comments and angle-bracket addresses; raises _Ambiguous on any
    special character RFC 5322 does not allow in a single mailbox."""
    tokens: list[_Token] = []
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        if ch in _SPACE:
            i += 1
        elif ch == "(":
            text, i = _enclosed(value, i, "comment", max_comment_depth)
            tokens.append(_Token("comment", text))
        elif ch == '"':
            text, i = _enclosed(value, i, "quoted string")
            tokens.append(_Token("quoted", text))
        elif ch == "<":
            end = value.find(">", i + 1)
            if end < 0:
                raise _Ambiguous("the From header has an unclosed angle bracket")
            inner = value[i + 1:end]
            if inner.startswith("@") or ":" in inner:
                raise _Ambiguous("the From address uses route syntax (<@host:address>)")
            if any(c in inner for c in '<"()\\,;[]') or any(c in inner for c in _SPACE):
                raise _Ambiguous("the address in angle brackets in the From header is malformed")
            tokens.append(_Token("angle", inner))
            i = end + 1
        elif ch == ",":
            raise _Ambiguous("the From header holds more than one address")
        elif ch in ":;":
            raise _Ambiguous("the From header uses group syntax")
        elif ch in ">[]\\)":
            raise _Ambiguous(f"the From header has a stray {ch!r}")
        else:
            start = i
            while i < n and value[i] not in _SPACE and value[i] not in '()"<>,;:[]\\':
                i += 1
            tokens.append(_Token("word", value[start:i]))
    return tokens


def _enclosed(value: str, i: int, what: str, max_depth: int | None = None) -> tuple[str, int]:
    """The text of the comment or quoted string opening at VALUE[i], escapes resolved (comments nest), and the
    index just after it."""
    opener = value[i]
    closer = ")" if opener == "(" else '"'
    depth, out = 1, []
    i += 1
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            out.append(value[i + 1])
            i += 2
            continue
        if ch == closer:
            depth -= 1
            if depth == 0:
                return "".join(out), i + 1
        elif ch == opener:
            depth += 1
            if max_depth is not None and depth > max_depth:
                raise _Ambiguous(f"the From header nests comments more than {max_depth} deep (mail programs "
                                 "read such a header differently, or not at all)")
        out.append(ch)
        i += 1
    raise _Ambiguous(f"the From header has an unclosed {what}")


def _addr_spec(spec: str) -> tuple[str, str]:
    if spec.count("@") != 1:
        raise _Ambiguous("the From header does not hold exactly one address")
    local, domain_text = spec.split("@")
    if "=?" in spec:
        raise _Ambiguous("the From address is written as an encoded word")
    if _looks_like_address(local):
        raise _Ambiguous("the local part of the From address holds a look-alike @ sign")
    if not is_dot_atom(local):
        raise _Ambiguous("the local part of the From address is malformed")
    if domain_text.startswith("["):
        raise _Ambiguous("the From address uses an IP address instead of a domain")
    domain = normalise_domain(domain_text) if is_dot_atom(domain_text) else None
    if domain is None:
        raise _Ambiguous(f"the From domain {domain_text!r} is not a valid domain name")
    return f"{local}@{domain}", domain


def is_dot_atom(text: str) -> bool:
    """RFC 5322 dot-atom-text (with RFC 6532 UTF-8 letters): atoms joined by single dots."""
    if text.isascii():  # one match for the whole text, not one a character
        return _DOT_ATOM_ASCII.fullmatch(text) is not None
    atoms = text.split(".")
    return all(atoms) and all(_ATEXT_ASCII.match(c) or (ord(c) > 127 and c.isprintable() and not c.isspace())
                              for atom in atoms for c in atom)
