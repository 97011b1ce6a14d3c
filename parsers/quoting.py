"""A message body split into what the sender wrote now, the reply they quoted, and their signature block.

Recognised quoted replies: "On ... wrote:" (Gmail, Apple Mail, Thunderbird; the line may wrap), Outlook's
"-----Original Message-----" and "From: ... Sent: ..." header blocks (after an underscore rule or not), forwarded
message markers, and `>` lines. Everything from the first reply header down is quoted; `>` lines above it are
quoted too (inline replies keep the sender's own lines between them as new text). A signature is the part after a
"-- " line, or after a sign-off ("Kind regards", "Many thanks", ...) that follows something the sender wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WROTE = re.compile(r"^\s*(On|Am|Le|El|Il|Op)\b.{0,300}\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef)\s*:\s*$",
                   re.I)
WROTE_START = re.compile(r"^\s*On\s.{0,200}$", re.I)
ORIGINAL = re.compile(r"^\s*-{2,}\s*(Original Message|Forwarded message|Begin forwarded message|Original)\s*-{2,}\s*$"
                      r"|^\s*Begin forwarded message:\s*$", re.I)
UNDERSCORE_RULE = re.compile(r"^\s*_{10,}\s*$")
HEADER_FROM = re.compile(r"^\s*\*?(From|Von|De|Van)\s*:\*?\s*\S", re.I)
HEADER_FOLLOWS = re.compile(r"^\s*\*?(Sent|Date|Gesendet|Envoyé|Enviado|Verzonden|To|Subject|Cc)\s*:", re.I)
HEADER_SENT = re.compile(r"^\s*\*?(Sent|Date|Gesendet|Envoyé|Enviado|Verzonden)\s*:", re.I)
QUOTED_LINE = re.compile(r"^\s*>")
SIGNATURE_RULE = re.compile(r"^-- ?$")
# After the sign-off phrase, at most a name of three words ("Kind regards, Jane Smith"); words are separated by
# characters no word contains, so a long line cannot make the pattern backtrack.
_NAME = r"(?:[\s,.!]+[\w'-]+){0,3}[\s,.!]*$"
SIGN_OFF = re.compile(
    r"^(?:(?:kind(?:est)?|best|warm(?:est)?|many|with)\s+)?(?:regards|wishes|thanks|thank you|rgds)" + _NAME
    + r"|^(?:regards|thanks|thank you|cheers|best|yours (?:sincerely|faithfully|truly)|sincerely|ta|thx)" + _NAME
    + r"|^sent from my \w+|^get outlook for \w+", re.I)
SIGN_OFF_MAX_LENGTH = 80
GREETING = re.compile(r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening)|to whom)\b[^.?!]{0,60}$", re.I)
HEADER_BLOCK_WINDOW = 6
# The labels of the permission request template (SPEC 10) and the notice (SPEC 11).
REQUEST_LABEL = re.compile(r"^\s*(organi[sz]ation( code)?|ods code|practice code|org code|user( ?name)?|user email|"
                           r"applications?|permissions?|signatory role|created by)\s*:", re.I)


@dataclass(frozen=True)
class ReplyParts:
    new_text: str
    quoted_text: str
    signature_text: str


def _reply_header_at(lines: list[str], i: int) -> bool:
    line = lines[i]
    if WROTE.match(line) or ORIGINAL.match(line):
        return True
    if WROTE_START.match(line) and i + 1 < len(lines) and WROTE.match(f"{line} {lines[i + 1]}"):
        return True  # "On Mon, 1 Jun 2026 at 10:00, Jane <\njane@nhs.net> wrote:"
    if UNDERSCORE_RULE.match(line) and i + 1 < len(lines) and HEADER_FROM.match(lines[i + 1]):
        return True
    if HEADER_FROM.match(line):
        window = lines[i + 1 : i + 1 + HEADER_BLOCK_WINDOW]
        follows = [w for w in window if HEADER_FOLLOWS.match(w)]
        return len(follows) >= 2 and any(HEADER_SENT.match(w) for w in follows)
    return False


def _first_reply_header(lines: list[str]) -> int | None:
    for i in range(len(lines)):
        if _reply_header_at(lines, i):
            return i
    return None


def _signature_start(lines: list[str]) -> int | None:
    # A sign-off above the lines of a request ("Thanks" then "Organisation code: ...") does not end the message.
    last_request_line = max((i for i, line in enumerate(lines) if REQUEST_LABEL.match(line)), default=-1)
    for i, line in enumerate(lines):
        if SIGNATURE_RULE.match(line) and i > last_request_line:
            return i
    wrote_something = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        is_sign_off = len(stripped) <= SIGN_OFF_MAX_LENGTH and SIGN_OFF.match(stripped)
        after_text = wrote_something or stripped.lower().startswith(("sent from", "get outlook"))
        if is_sign_off and after_text and i > last_request_line:
            return i
        if not GREETING.match(stripped):
            wrote_something = True
    return None


def _tidy(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n").rstrip()


def split_reply(body: str) -> ReplyParts:
    """BODY's new text, quoted reply and signature block (each with surrounding blank lines trimmed)."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    quoted: list[str] = []
    header = _first_reply_header(lines)
    if header is not None:
        quoted = lines[header:]
        lines = lines[:header]
    own: list[str] = []
    inline_quotes: list[str] = []
    for line in lines:
        (inline_quotes if QUOTED_LINE.match(line) else own).append(line)
    signature: list[str] = []
    start = _signature_start(own)
    if start is not None:
        signature = own[start:]
        own = own[:start]
    return ReplyParts(_tidy(own), _tidy(inline_quotes + quoted), _tidy(signature))
