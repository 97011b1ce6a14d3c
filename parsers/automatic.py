"""The signs that a message was sent by a machine (RFC 3834 and what mail systems actually do), as notes.

X-Auto-Response-Suppress alone is not one of them: Outlook puts it on ordinary mail sent to groups. It counts
only with an out-of-office subject, which is how Exchange marks auto-replies that carry no Auto-Submitted. A subject
that starts with an auto-responder's own prefix ("Automatic reply:", "Auto-reply:") counts alone.
"""

from __future__ import annotations

import re

from parsers.message import ParsedMessage

AUTOMATIC_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
OUT_OF_OFFICE_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[\s-]?reply|auto(matic)?[\s-]?response|out of (the )?office|ooo\b|"
    r"away from (the )?office|on leave|abwesenheitsnotiz|réponse automatique|respuesta automática)", re.I)
# The prefixes auto-responders put on the subject, colon and all ("Automatic reply: ..." is Exchange's and
# Outlook's); people do not write them, so they count alone, for mail systems that add no RFC 3834 header. A person
# may write "Out of Office: back Monday", so that one still needs X-Auto-Response-Suppress.
AUTO_REPLY_PREFIX = re.compile(
    r"^\s*(automatic reply|auto[\s-]?reply|auto[\s-]?response|out of office auto[\s-]?reply|abwesenheitsnotiz|"
    r"réponse automatique|respuesta automática)\s*:", re.I)
ROBOT_SENDER = re.compile(r"(^|<|\s)(mailer-daemon|postmaster)@", re.I)
# Headers whose mere presence marks an automatic message (list software, auto-responders, bounce generators).
MARKER_HEADERS = (
    ("List-Id", "a List-Id header (mailing list)"),
    ("List-Unsubscribe", "a List-Unsubscribe header (bulk or list mail)"),
    ("X-Autoreply", "an X-Autoreply header (auto-responder)"),
    ("X-Autorespond", "an X-Autorespond header (auto-responder)"),
    ("X-Failed-Recipients", "an X-Failed-Recipients header (a bounce)"),
)


def _token(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def automatic_signs(msg: ParsedMessage) -> tuple[str, ...]:
    """Why MSG looks machine-sent: one note per sign found; empty when none is."""
    signs: list[str] = []
    for value in msg.headers_named("Auto-Submitted"):
        if _token(value) not in ("", "no"):
            signs.append(f"Auto-Submitted: {_token(value)}")
    for value in msg.headers_named("Precedence"):
        if _token(value) in AUTOMATIC_PRECEDENCE:
            signs.append(f"Precedence: {_token(value)}")
    if any(re.fullmatch(r"\s*<\s*>\s*", v) for v in msg.headers_named("Return-Path")):
        signs.append("a null return path (Return-Path: <>), as bounces and auto-replies carry")
    if msg.is_report:
        signs.append("a delivery or read report (multipart/report)")
    for name, note in MARKER_HEADERS:
        if msg.header(name) is not None:
            signs.append(note)
    if any(ROBOT_SENDER.search(v) for v in msg.headers_named("From")):
        signs.append("From a mailer daemon or postmaster (a bounce)")
    if msg.header("X-Auto-Response-Suppress") is not None and OUT_OF_OFFICE_SUBJECT.match(msg.subject):
        signs.append("an out-of-office subject with X-Auto-Response-Suppress (an Exchange auto-reply)")
    elif AUTO_REPLY_PREFIX.match(msg.subject):
        signs.append(f"the subject starts as auto-responders start theirs ({msg.subject.split(':', 1)[0]!r})")
    return tuple(signs)
