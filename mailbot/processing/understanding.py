"""Understanding a message before any transaction opens: parse, classify, authenticate, read its forms (in the
sandbox), and build the request(s) the checks will judge. Slow or remote work (DNS, PDF parsing) happens here so
the store is never locked while it runs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from mailbot.processing.contract import TryLater
from mailbot.processing.kinds import spec_of
from mailbot.processing.over_limit import OverLimit
from mailbot.processing.sandbox import PdfBytes, too_big_to_read
from parsers.digests import message_digests
from parsers.forms.result import FormReading, reading_as_data, unreadable
from parsers.guidance import Topic
from parsers.kinds import Classification, KindContext, classify, possible_forms, reclassified
from parsers.message import Attachment, MessageLimits, ParsedMessage, parse_message
from parsers.raw_headers import split_message
from parsers.recipients import recipients
from parsers.register_words import OrgEntry, UserEntry, Vocabulary
from parsers.request_reader import MessageText, RequestReading, read_in_two_passes
from parsers.sniff import IMAGE_TYPES, JPEG, PNG, TIFF
from parsers.vocabulary.kinds import Kind
from parsers.word_documents import describe, word_documents
from rules.form_signature import is_signed
from rules.requests import NOT_READ, PrimaryUserRequest, Request
from rules.sender import AuthPolicy, KeyLookup, SenderVerdict, authenticate_sender
from store.encoded_json import EncodedJSON
from store.register_cache import Read, RegisterLook


@dataclass(frozen=True)
class Understanding:
    raw: bytes
    parsed: ParsedMessage
    kind: Kind
    notes: tuple[str, ...]
    follow_up_reference: str | None
    sender: SenderVerdict
    requests: tuple[Request, ...]
    topic: Topic | None = None
    reading: RequestReading | None = None  # what the request reader understood, part by part (staff see it)
    recipients: tuple[tuple[str, str], ...] = ()  # (field, address) of To and Cc
    forms_attached: int = 0  # attachments that may be forms
    # Each form read, by its place among the message's attachments (reading_as_data): kept on its case, so that
    # `mailbot replay` decides the case again from what was read, without reading the file again.
    form_readings: dict[int, dict[str, Any]] = field(default_factory=dict)
    follow_up_named_by: tuple[str, ...] = ()  # the header fields naming the follow-up's case (Classification)
    # What it read of the register, through a look at the store's (store.register_cache.RegisterLook): the
    # recording transaction checks it still reads so (None: read no register of the store's).
    register_reads: tuple[Read, ...] | None = None
    # Its fingerprints (parsers.digests), taken here, off the recording's path: hashing the attachments decodes
    # them, work the thread recording messages one at a time need not do (None: taken when recorded).
    digests: tuple[tuple[str, str], ...] | None = None
    # Its cases' extracted fields, encoded while it was read ahead (mailbot.processing.record.with_case_fields),
    # with what they were made from: used only while U still holds that (None: made when recorded).
    case_fields: tuple[tuple[Any, ...], tuple[tuple[Request | None, EncodedJSON], ...]] | None = None

    @property
    def forms_may_be_read(self) -> bool:
        """Whether this message's forms are read at intake: only an authenticated NHS sender's (SPEC 17), so a
        stranger cannot make us open attachments in bulk; staff open the rest."""
        return self.sender.authenticated and self.sender.nhs and not self.sender.ambiguous


# A PDF's reading, any digital signature validated as at the moment given (the message's `now`).
ReadForm = Callable[[PdfBytes, datetime], FormReading]


@dataclass
class Understander:
    kind_context: KindContext
    auth_policy: AuthPolicy
    key_lookup: KeyLookup
    read_form: ReadForm  # through mailbot.processing.sandbox: never in this process
    catalogue: Callable[[], tuple[str, ...]]
    limits: MessageLimits
    accept_typed_signature: bool = True
    max_forms_per_message: int = 5
    max_form_bytes: int | None = None  # a bigger PDF is not decoded at all ([forms] max_pdf_bytes)
    # The register as words for the request reader: every organisation's code and name, and one's users.
    organisations: Callable[[], tuple[OrgEntry, ...]] = field(default=lambda: ())
    users_of: Callable[[str], tuple[UserEntry, ...]] = field(default=lambda code: ())
    # What kind a message is: parsers.kinds.classify (tests/test_add_a_kind.py teaches it a kind at run time).
    classify: Callable[[ParsedMessage, KindContext], Classification] = classify
    # Around one message's understanding: the three register reads above take one look at the register between
    # them (mailbot.processing.services), not one each; the look is given (None: no look of the store's).
    register_look: Callable[[], AbstractContextManager[RegisterLook | None]] = nullcontext

    def vocabulary(self) -> Vocabulary:
        return Vocabulary(catalogue=self.catalogue(), organisations=self.organisations())

    def read(self, parsed: ParsedMessage, sender: str, vocabulary: Vocabulary) -> RequestReading:
        """The request reader over PARSED's new text, with the named organisation's users."""
        text = MessageText(subject=parsed.subject, new_text=parsed.text, signature=parsed.signature_text,
                           quoted=parsed.quoted_text)
        return read_in_two_passes(text, vocabulary, self.users_of, sender=sender,
                                  mailbox=self.kind_context.mailbox_address)

    def understand(self, raw: bytes, *, now: datetime, give_up_waiting: str = "",
                   over_limit: OverLimit | None = None) -> Understanding:
        """Everything about RAW that needs no database, except its forms (see with_forms), as at NOW: a DKIM
        signature's t= and x= are judged against it. GIVE_UP_WAITING, when given, says why a key look-up that fails
        for now is no longer waited for (the message has waited long enough): the sender is then judged without
        that key, never as authenticated. OVER_LIMIT: RAW is only the first part of a message over the size limit;
        its whole size and body hashes are these."""
        with self.register_look() as look:
            return self._understand(raw, now=now, give_up_waiting=give_up_waiting, over_limit=over_limit, look=look)

    def _understand(self, raw: bytes, *, now: datetime, give_up_waiting: str, over_limit: OverLimit | None,
                    look: RegisterLook | None) -> Understanding:
        with _big_work(len(raw)):
            parsed = parse_message(raw, self.limits)
            hashes = None
            if over_limit is not None and parsed.too_large:
                parsed = replace(parsed, size=over_limit.size)
                hashes = over_limit.body_hashes
            headers = split_message(parsed.raw)
            sender = authenticate_sender(parsed, self.auth_policy, self.key_lookup, hashes, now=now, headers=headers)
            digests = tuple(message_digests(parsed))
        vocabulary = self.vocabulary()
        found = self.classify(parsed, replace(self.kind_context, vocabulary=vocabulary))
        if sender.temporary_failure and spec_of(found.kind).waits_for_keys:
            if not give_up_waiting:
                raise TryLater("; ".join(sender.problems) or "a DKIM key look-up failed for now")
            sender = replace(sender, temporary_failure=False, problems=(*sender.problems, give_up_waiting))
        found = reclassified(parsed, found)
        spec = spec_of(found.kind)
        reading = self.read(parsed, sender.address or "", vocabulary) if spec.reads_text else None
        read = spec.read(parsed, found, reading)
        kind, notes, requests, topic = found.kind, found.notes, read.requests, read.topic
        # Made once, with the look's reads (all made by now: nothing below reads the register), not copied after.
        return Understanding(raw, parsed, kind, notes, found.follow_up_reference, sender, requests, topic, reading,
                             recipients=recipients(headers), forms_attached=len(possible_forms(parsed)),
                             follow_up_named_by=found.follow_up_named_by,
                             register_reads=None if look is None else tuple(look.reads), digests=digests)

    def would_read_forms(self, u: Understanding) -> bool:
        """Whether with_forms would hand any of U's attachments to the sandbox (else it costs nothing, and
        nobody need ask the store first whether U was seen before)."""
        return (spec_of(u.kind).reads_forms and not u.parsed.too_large and u.forms_attached > 0
                and u.forms_attached <= self.max_forms_per_message and u.forms_may_be_read)

    def with_forms(self, u: Understanding, *, now: datetime) -> Understanding:
        """U with its attached forms read (in the sandbox) as at NOW, one request per form. Skipped for a message seen
        before, or too large to read, so a resent bomb costs nothing twice. Not read, but one request each left
        for staff to open, when the sender is a stranger (not authenticated, or not NHS); none read and one
        request in all when there are more than max_forms_per_message."""
        if not spec_of(u.kind).reads_forms or u.parsed.too_large:
            return u
        if u.forms_attached > self.max_forms_per_message:
            names = ", ".join(a.filename or "unnamed attachment" for a in possible_forms(u.parsed)[:10])
            return replace(u, requests=(PrimaryUserRequest(reading=NOT_READ, attachment=names),))
        if not u.forms_may_be_read:
            return replace(u, requests=self._unread_forms(u.parsed))
        readings: dict[int, FormReading] = {}
        return replace(u, requests=self._forms(u.parsed, now, readings),
                       form_readings={index: reading_as_data(r) for index, r in readings.items()})

    def _forms(self, parsed: ParsedMessage, now: datetime,
               readings: dict[int, FormReading]) -> tuple[PrimaryUserRequest, ...]:
        """One request a form (READINGS gets each reading made, by attachment index)."""
        forms: list[PrimaryUserRequest] = []
        not_forms: list[str] = []
        # Decoded one at a time, each handed to the sandbox and let go before the next; never past the message's
        # decoding budget, nor when too big to read anyway.
        budget = self.limits.max_decoded_bytes - parsed.decoded_bytes
        for index, attachment in form_attachments(parsed):  # PDFs and pictures big enough to be a scan
            name = attachment.filename or "unnamed attachment"
            if attachment.sniffed_type in IMAGE_TYPES and attachment.sniffed_type not in OCR_TYPES:
                forms.append(_picture(name, index))
                continue
            if self.max_form_bytes is not None and attachment.size > self.max_form_bytes:
                reading = too_big_to_read(attachment.size, self.max_form_bytes)
            elif attachment.size > budget:
                reading = unreadable(f"not read: with it, the message's parts would decode to more than "
                                     f"{self.limits.max_decoded_bytes:,} bytes ([limits] max_decoded_bytes)")
            else:
                budget -= attachment.size
                reading = self.read_form(attachment.decoded(), now)  # decoded as it goes to the child
                readings[index] = reading
            if reading.status == "not_a_form":
                not_forms.append(name)
                continue
            forms.append(form_request(reading, name, index, accept_typed_signature=self.accept_typed_signature))
        if not forms:
            forms.extend(_word_documents(parsed))
        if not forms and not_forms:
            forms.append(PrimaryUserRequest(reading="not_a_form", attachment=", ".join(not_forms),
                                            problems=("not one of the published Primary User request forms",)))
        return tuple(forms) or (PrimaryUserRequest(),)

    def _unread_forms(self, parsed: ParsedMessage) -> tuple[PrimaryUserRequest, ...]:
        """One request a possible form, none read: staff open them (mailbot.review.deferred_forms)."""
        forms = [_picture(a.filename or "unnamed attachment", index)
                 if a.sniffed_type in IMAGE_TYPES and a.sniffed_type not in OCR_TYPES else
                 PrimaryUserRequest(reading=NOT_READ, attachment=a.filename or "unnamed attachment",
                                    attachment_index=index)
                 for index, a in form_attachments(parsed)]
        return tuple(forms) or _word_documents(parsed) or (PrimaryUserRequest(),)


# Parsing a big message and hashing its body are pure Python work, so two daemon workers doing them at once gain
# nothing (the GIL) but add their working memory together: one big message at a time. Small ones never wait.
BIG_MESSAGE_BYTES = 4 * 1024 * 1024
_BIG_WORK = threading.Lock()


@contextmanager
def _big_work(size: int) -> Iterator[None]:
    if size < BIG_MESSAGE_BYTES:
        yield
        return
    with _BIG_WORK:
        yield


# Pictures read by OCR (a scan or a photo of the form); others (GIF, BMP, WebP) go to a person as they are.
OCR_TYPES = frozenset({PNG, JPEG, TIFF})


def form_attachments(parsed: ParsedMessage) -> list[tuple[int, Attachment]]:
    """The attachments that may be forms, each with its place among all the message's attachments."""
    candidates = {id(a) for a in possible_forms(parsed)}
    return [(index, a) for index, a in enumerate(parsed.attachments) if id(a) in candidates]


def _word_documents(parsed: ParsedMessage) -> tuple[PrimaryUserRequest, ...]:
    """The form filled in Word or LibreOffice, as one request: SPEC 9's form is the PDF, signed at the bottom of
    page 1 (told from the file's bytes; its text is not read here)."""
    documents = word_documents(parsed)
    if not documents:
        return ()
    return (PrimaryUserRequest(reading="word_document", attachment=", ".join(
        a.filename or "unnamed attachment" for a in documents), problems=tuple(
        f"{describe(a)} is a word-processor file, not the PDF form" for a in documents)),)


def _picture(name: str, index: int) -> PrimaryUserRequest:
    return PrimaryUserRequest(reading="unreadable", attachment=name, attachment_index=index,
                              problems=("a picture, not a PDF form: a person must read it",))


def form_request(reading: FormReading, attachment: str, index: int, *,
                 accept_typed_signature: bool) -> PrimaryUserRequest:
    """The request a form reading makes (the same at intake and when staff open a form read later)."""
    if reading.status != "read":
        return PrimaryUserRequest(reading=reading.status, attachment=attachment, attachment_index=index,
                                  problems=tuple(reading.problems))
    f = reading.fields
    signature = is_signed(reading, accept_typed_signature, f.get("sig_full_name", ""))
    values = {name: f.get(name, "") for name in (
        "org_name", "org_code", "pu_full_name", "pu_job_title", "pu_email", "pu_phone", "pu_request",
        "pu_replaces", "sig_full_name", "sig_role", "sig_email", "sig_date", "sig_typed")}
    return PrimaryUserRequest(form_type=reading.form_type or "", reading="read", signature=signature.verdict,
                              signature_how=signature.how, attachment=attachment, attachment_index=index,
                              problems=tuple(reading.problems), how_read=reading.how_read(), **values)
