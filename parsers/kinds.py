"""Which of the SPEC 1 kinds a parsed message is, and why, in the order the checks must run.

1. A notice from Open Exeter's system address (before the automatic checks: the system may mark its notices as
   automatic). 2. Automatic mail, including mail from our own mailbox (a loop). 3. A follow-up to one of our
   messages. 4. A Primary User request (a PDF or picture attached, or text plainly about the form). 5. A permission
   request. 6. A guidance question. 7. Unclear. Pure and deterministic: the same message always gets the same answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import getaddresses

from parsers.automatic import automatic_signs
from parsers.guidance import Topic, guidance_topic
from parsers.message import ParsedMessage
from parsers.notice import looks_like_notice
from parsers.permission_email import parse_permission_email
from parsers.sniff import IMAGE_TYPES, PDF
from rules.reasons import Kind

CASE_REFERENCE = re.compile(r"\bOE-(\d{4})-(\d{6})\b", re.I)
# Our own Message-IDs: <OE-2026-000123.2@domain>
OUR_MESSAGE_ID = re.compile(r"^<(OE-\d{4}-\d{6})\.\d+@([^<>\s]+)>$", re.I)
ABOUT_PRIMARY_USER_FORM = re.compile(
    r"\bprimary[\s-]+user\b[^.?!\n]{0,60}\b(request|form|nominat\w*|appoint\w*|application|registration|register)\b"
    r"|\b(request|form|nominat\w*|appoint\w*|register\w*)\b[^.?!\n]{0,60}\bprimary[\s-]+user\b"
    r"|\bPU\s+(request\s+)?form\b", re.I)
PLAINLY_ABOUT_FORM = re.compile(
    r"\bprimary[\s-]+user\s+(request\s+|nomination\s+|application\s+|registration\s+)?form\b"
    r"|\b(nominat\w*|appoint\w*)\b[^.?!\n]{0,40}\bprimary[\s-]+users?\b", re.I)
GUIDES_BEFORE_FORM = frozenset({Topic.WHO_IS_PRIMARY, Topic.NO_SIGNATORY})
ASKS_FOR_ACCESS = re.compile(
    r"\b(add|grant|give|enable|request\w*|need\w*|require\w*|set up|provide|allow|assign)\b[^.?!]{0,80}"
    r"\b(applications?|permissions?|access|modules?)\b"
    r"|\b(applications?|permissions?|access)\b[^.?!]{0,40}\b(for|to)\b", re.I)


@dataclass(frozen=True)
class KindContext:
    mailbox_address: str  # our own address (pcse.openexeter@nhs.net)
    system_address: str  # Open Exeter's notice sender
    message_id_domain: str  # domain of OUR Message-IDs: ours look like <OE-2026-000123.2@domain>


@dataclass(frozen=True)
class Classification:
    kind: Kind
    follow_up_reference: str | None  # "OE-YYYY-NNNNNN" when a follow-up
    notes: tuple[str, ...]  # why it was classified so (plain English, for staff)


def from_addresses(msg: ParsedMessage) -> tuple[str, ...]:
    """Every address in every From header, lower-case."""
    try:
        pairs = getaddresses(list(msg.headers_named("From")))
    except Exception:  # noqa: BLE001 - getaddresses has raised on hostile input in some Python releases
        return ()
    return tuple(addr.strip().lower() for _, addr in pairs if "@" in addr)


def _follow_up_reference(msg: ParsedMessage, ctx: KindContext) -> tuple[str, str] | None:
    domain = ctx.message_id_domain.strip().lower()
    ids = ([msg.in_reply_to] if msg.in_reply_to else []) + list(reversed(msg.references))
    for ident in ids:
        match = OUR_MESSAGE_ID.match(ident)
        if match and domain and match.group(2).lower() == domain:
            header = "In-Reply-To" if ident == msg.in_reply_to else "References"
            return match.group(1).upper(), f"{header} names our message {ident}"
    found = CASE_REFERENCE.search(msg.subject)
    if found:
        return f"OE-{found.group(1)}-{found.group(2)}", f"the subject carries the case reference {found.group(0)}"
    return None


def _form_attachments(msg: ParsedMessage) -> list[str]:
    notes = []
    for a in msg.attachments:
        name = a.filename or "an unnamed attachment"
        if a.sniffed_type == PDF:
            notes.append(f"{name} is a PDF")
        elif a.sniffed_type in IMAGE_TYPES and not a.embedded:
            notes.append(f"{name} is a picture ({a.sniffed_type}), possibly a scanned form")
    return notes


def _is_notice(msg: ParsedMessage, ctx: KindContext, senders: tuple[str, ...]) -> bool:
    system = ctx.system_address.strip().lower()
    return bool(system) and senders == (system,) and looks_like_notice(msg.subject, msg.text or msg.body_text)


def classify(msg: ParsedMessage, ctx: KindContext) -> Classification:
    """The kind of MSG, the case it follows up (if any), and plain-English notes saying why."""
    senders = from_addresses(msg)
    if _is_notice(msg, ctx, senders):
        return Classification(Kind.NEW_USER_NOTIFICATION, None,
                              (f"from Open Exeter's system address {ctx.system_address}, in the notice format",))
    mailbox = ctx.mailbox_address.strip().lower()
    signs = list(automatic_signs(msg))
    if mailbox and mailbox in senders:
        signs.append(f"From is our own mailbox {ctx.mailbox_address} (a mail loop)")
    if signs:
        return Classification(Kind.AUTOMATIC, None, tuple(signs))
    follow_up = _follow_up_reference(msg, ctx)
    if follow_up:
        return Classification(Kind.FOLLOW_UP, follow_up[0], (follow_up[1],))
    forms = _form_attachments(msg)
    if forms:
        return Classification(Kind.PRIMARY_USER_REQUEST, None, tuple(forms))
    return _by_text(msg, ctx, senders)


def _by_text(msg: ParsedMessage, ctx: KindContext, senders: tuple[str, ...]) -> Classification:
    text = msg.text or msg.body_text
    both = f"{msg.subject}\n{text}"
    permission = parse_permission_email(text, sender=senders[0] if senders else "", mailbox=ctx.mailbox_address)
    if permission.from_template:
        return Classification(Kind.PERMISSION_REQUEST, None,
                              ("the message follows the permission request template (Applications: with an "
                               "organisation code or user)",))
    topic = guidance_topic(both)
    about_form = ABOUT_PRIMARY_USER_FORM.search(both)
    # A guide answers "who is our Primary User" and "we have no signatory" even when the form is mentioned; a
    # mention of the form wins over the other guides only when it is plainly about sending or nominating.
    form_wins = topic is None or (topic not in GUIDES_BEFORE_FORM and bool(PLAINLY_ABOUT_FORM.search(both)))
    if about_form and form_wins:
        return Classification(Kind.PRIMARY_USER_REQUEST, None,
                              (f"the text is about a Primary User request form (\"{about_form.group(0)}\"), though "
                               "none is attached",))
    if topic is not None:
        return Classification(Kind.GUIDANCE, None, (f"a question the {topic.value} guide answers",))
    asks = ASKS_FOR_ACCESS.search(both)
    if asks and (permission.org_code or permission.user):
        return Classification(Kind.PERMISSION_REQUEST, None,
                              (f"asks for access (\"{asks.group(0)}\") for a named user or organisation",))
    return Classification(Kind.UNCLEAR, None, ("none of the message kinds could be recognised",))
