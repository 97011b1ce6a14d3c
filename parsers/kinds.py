"""Which of the SPEC 1 kinds a parsed message is, and why, in the order the checks must run.

1. A notice from Open Exeter's system address (before the automatic checks: the system may mark its notices as
   automatic). 2. Automatic mail, including mail from our own mailbox (a loop). 3. A follow-up to one of our
   messages. Then by content: the permission request template; a PDF (a Primary User form, unless the template says
   otherwise); text plainly about the Primary User form; a guidance question (a picture beside one is a screenshot);
   a permission request in free wording; a picture (a scanned form); else unclear. Pure and deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from parsers.automatic import automatic_signs
from parsers.guidance import Topic, guidance_topic
from parsers.message import Attachment, ParsedMessage
from parsers.notice import looks_like_notice
from parsers.permission_email import parse_permission_email
from parsers.polarity import Polarity
from parsers.recipients import loose_addresses
from parsers.register_words import Vocabulary
from parsers.request_reader import MessageText, RequestReading, read_request
from parsers.sniff import IMAGE_TYPES, PDF
from parsers.vocabulary.kinds import Kind
from parsers.word_documents import describe, is_request_form, word_documents

# What a message asks for is said at its start; reading no further keeps hostile mail cheap.
CLASSIFY_CHARS = 65_536
# Logos in signatures are a few kilobytes; a page scanned or photographed is rarely under this.
INLINE_SCAN_MIN_BYTES = 200_000
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
GUIDES_BEFORE_FORM = frozenset({Topic.WHO_IS_PRIMARY, Topic.NO_SIGNATORY, Topic.FORMS})
ASKS_FOR_ACCESS = re.compile(
    r"\b(add|grant|give|enable|request\w*|need\w*|require\w*|set up|provide|allow|assign)\b[^.?!]{0,80}"
    r"\b(applications?|permissions?|access|modules?)\b"
    r"|\b(applications?|permissions?|access)\b[^.?!]{0,40}\b(for|to)\b", re.I)


@dataclass(frozen=True)
class KindContext:
    mailbox_address: str  # our own address (pcse.openexeter@nhs.net)
    system_address: str  # Open Exeter's notice sender
    message_id_domain: str  # domain of OUR Message-IDs: ours look like <OE-2026-000123.2@domain>
    # The catalogue and the organisations, to recognise a request in free wording (the shell fills it per message).
    vocabulary: Vocabulary = field(default_factory=Vocabulary)


@dataclass(frozen=True)
class Classification:
    kind: Kind
    follow_up_reference: str | None  # "OE-YYYY-NNNNNN" when a follow-up
    notes: tuple[str, ...]  # why it was classified so (plain English, for staff)
    topic: Topic | None = None  # the guide that answers a guidance question
    # The header fields (lower-case) that name the follow-up's case: "in-reply-to", "references", "subject". An
    # answer that changes accounts counts only when one of them is signed (rules.checks.replay).
    follow_up_named_by: tuple[str, ...] = ()


def reclassified(msg: ParsedMessage, found: Classification) -> Classification:
    """FOUND, once the message is to be handled (not merely explained): a reply to one of our rejections that
    carries the corrected form is a new request (linked to the old case), not just a note on it: people put things
    right by answering our reply. A Word file in place of the PDF form gets the same clear answer (send the PDF)."""
    if found.kind != Kind.FOLLOW_UP:
        return found
    if any(a.sniffed_type == PDF for a in possible_forms(msg)):
        return replace(found, kind=Kind.PRIMARY_USER_REQUEST, notes=(*found.notes, "a reply to our message, "
                                                                                   "carrying a form"))
    if word_documents(msg):
        return replace(found, kind=Kind.PRIMARY_USER_REQUEST, notes=(
            *found.notes, "a reply to our message, carrying a word-processor file instead of the PDF form"))
    return found


def from_addresses(msg: ParsedMessage) -> tuple[str, ...]:
    """Every address in every From header, lower-case. Read from the undecoded value: an address is never inside
    an encoded word, and decoding first would let a display name smuggle one in. Read in one pass whatever the
    nesting (the standard library's getaddresses recursed once per nested comment or group)."""
    found: list[str] = []
    for name, value in msg.raw_headers:
        if name.lower() == "from":
            found.extend(loose_addresses(value))
    return tuple(found)


def _references_named(msg: ParsedMessage, ctx: KindContext) -> list[tuple[str, str, str]]:
    """(case reference, header field, note) for each place MSG names one of our cases, In-Reply-To first, then
    References (newest first), then the subject."""
    domain = ctx.message_id_domain.strip().lower()
    named = []
    for header, ids in (("in-reply-to", [msg.in_reply_to] if msg.in_reply_to else []),
                        ("references", list(reversed(msg.references)))):
        for ident in ids:
            match = OUR_MESSAGE_ID.match(ident)
            if match and domain and match.group(2).lower() == domain:
                shown = "In-Reply-To" if header == "in-reply-to" else "References"
                named.append((match.group(1).upper(), header, f"{shown} names our message {ident}"))
    found = CASE_REFERENCE.search(msg.subject)
    if found:
        named.append((f"OE-{found.group(1)}-{found.group(2)}", "subject",
                      f"the subject carries the case reference {found.group(0)}"))
    return named


def _follow_up_reference(msg: ParsedMessage, ctx: KindContext) -> tuple[str, str, tuple[str, ...]] | None:
    """The case MSG follows up, why, and every header field that names that same case."""
    named = _references_named(msg, ctx)
    if not named:
        return None
    reference, _, note = named[0]
    return reference, note, tuple(dict.fromkeys(header for ref, header, _ in named if ref == reference))


def possible_forms(msg: ParsedMessage) -> tuple[Attachment, ...]:
    """The attachments that may be a Primary User request form: every PDF (by its bytes), and pictures that are
    attached, or pasted into the text and big enough to be a scan (small inline pictures are signature logos)."""
    return tuple(a for a in msg.attachments if a.sniffed_type == PDF or (
        a.sniffed_type in IMAGE_TYPES and (not a.embedded or a.size >= INLINE_SCAN_MIN_BYTES)))


def _form_notes(attachments: tuple[Attachment, ...]) -> tuple[str, ...]:
    notes = []
    for a in attachments:
        name = a.filename or "an unnamed attachment"
        where = " (inside a forwarded message)" if a.embedded and a.sniffed_type == PDF else (
            " (pasted into the text)" if a.embedded else "")
        kind = "a PDF" if a.sniffed_type == PDF else f"a picture ({a.sniffed_type}), possibly a scanned form"
        notes.append(f"{name} is {kind}{where}")
    return tuple(notes)


def _is_notice(msg: ParsedMessage, ctx: KindContext, senders: tuple[str, ...]) -> bool:
    system = ctx.system_address.strip().lower()
    text = (msg.text or msg.body_text)[:CLASSIFY_CHARS]
    return bool(system) and senders == (system,) and looks_like_notice(msg.subject, text)


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
        return Classification(Kind.FOLLOW_UP, follow_up[0], (follow_up[1],), follow_up_named_by=follow_up[2])
    return _by_content(msg, ctx, senders)


def read_free_wording(msg: ParsedMessage, ctx: KindContext, sender: str) -> RequestReading:
    """The request reader over MSG's new text (never its quoted or forwarded text, which is only shown)."""
    text = MessageText(subject=msg.subject, new_text=msg.text[:CLASSIFY_CHARS],
                       signature=msg.signature_text[:CLASSIFY_CHARS], quoted=msg.quoted_text[:CLASSIFY_CHARS])
    return read_request(text, ctx.vocabulary, sender=sender, mailbox=ctx.mailbox_address)


def asks_for_applications(reading: RequestReading) -> str | None:
    """Why READING is a permission request in free wording (catalogue applications named with a request, a
    refusal or a removal, outside a question about them); None when it is not one."""
    if not reading.mentions or reading.asked_about:
        return None
    changes = [m for m in reading.mentions if m.polarity in (Polarity.NEGATED, Polarity.REMOVAL)]
    if not reading.asks and not changes:
        return None
    named = ", ".join(dict.fromkeys(f'"{m.written}"' for m in reading.mentions))
    return f"names applications ({named}) and asks for a change to them in its own words"


def _by_content(msg: ParsedMessage, ctx: KindContext, senders: tuple[str, ...]) -> Classification:
    if msg.encrypted:  # its subject may say "form", but neither a form nor a request can be seen: a person opens it
        return Classification(Kind.UNCLEAR, None, ("the message is encrypted (S/MIME): its text and attachments "
                                                   "cannot be read",))
    forms = possible_forms(msg)
    pdf_notes = _form_notes(tuple(a for a in forms if a.sniffed_type == PDF))
    picture_notes = _form_notes(tuple(a for a in forms if a.sniffed_type != PDF))
    text = (msg.text or msg.body_text)[:CLASSIFY_CHARS]
    both = f"{msg.subject}\n{text}"
    permission = parse_permission_email(text, sender=senders[0] if senders else "", mailbox=ctx.mailbox_address)
    if permission.from_template:
        # The template is explicit; a PDF beside it is more likely a letter than a Primary User form.
        also = tuple(f"also attached: {n}" for n in pdf_notes + picture_notes)
        return Classification(Kind.PERMISSION_REQUEST, None,
                              ("the message follows the permission request template (Applications: with an "
                               "organisation code or user)", *also))
    if pdf_notes:
        return Classification(Kind.PRIMARY_USER_REQUEST, None, pdf_notes + picture_notes)
    documents = word_documents(msg)
    word_notes = tuple(f"{describe(a)} is a word-processor file, not the PDF form" for a in documents)
    if any(is_request_form(a) for a in documents):
        # The form filled in Word or LibreOffice: a Primary User request, whose reply says what to send.
        return Classification(Kind.PRIMARY_USER_REQUEST, None, picture_notes + word_notes)
    reading = read_free_wording(msg, ctx, senders[0] if senders else "")
    free = asks_for_applications(reading)
    if free:
        return Classification(Kind.PERMISSION_REQUEST, None, (free, *(f"also attached: {n}" for n in picture_notes)))
    topic = guidance_topic(both)
    if topic is None and reading.how_to_question:
        topic = Topic.REQUEST_APPLICATIONS  # "how do I get <application> for ...?" names a catalogue application
    about_form = ABOUT_PRIMARY_USER_FORM.search(both)
    # A guide answers "who is our Primary User" and "we have no signatory" even when the form is mentioned; a
    # mention of the form wins over the other guides only when it is plainly about sending or nominating.
    form_wins = topic is None or (topic not in GUIDES_BEFORE_FORM and bool(PLAINLY_ABOUT_FORM.search(both)))
    if about_form and form_wins:
        said = f"the text is about a Primary User request form (\"{about_form.group(0)}\")"
        if picture_notes or word_notes:
            return Classification(Kind.PRIMARY_USER_REQUEST, None, (said, *picture_notes, *word_notes))
        return Classification(Kind.PRIMARY_USER_REQUEST, None, (f"{said}, though none is attached",))
    if topic is not None:
        # A picture beside a question is usually a screenshot of the problem, not a form.
        also = tuple(f"also attached: {n}" for n in picture_notes)
        return Classification(Kind.GUIDANCE, None, (f"a question the {topic.value} guide answers", *also), topic)
    asks = ASKS_FOR_ACCESS.search(both)
    if asks and (permission.org_code or permission.user):
        return Classification(Kind.PERMISSION_REQUEST, None,
                              (f"asks for access (\"{asks.group(0)}\") for a named user or organisation",))
    if picture_notes:
        return Classification(Kind.PRIMARY_USER_REQUEST, None, picture_notes)
    return Classification(Kind.UNCLEAR, None, ("none of the message kinds could be recognised",))
