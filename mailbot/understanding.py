"""Understanding a message before any transaction opens: parse, classify, authenticate, read its forms (in the
sandbox), and build the request(s) the checks will judge. Slow or remote work (DNS, PDF parsing) happens here so
the store is never locked while it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from parsers.forms.result import FormReading
from parsers.guidance import Topic, guidance_topic
from parsers.kinds import Classification, KindContext, classify, possible_forms
from parsers.message import MessageLimits, ParsedMessage, parse_message
from parsers.notice import parse_notice
from parsers.register_words import OrgEntry, UserEntry, Vocabulary
from parsers.request_reader import MessageText, RequestReading, read_in_two_passes
from parsers.sniff import IMAGE_TYPES, PDF
from parsers.word_documents import describe, word_documents
from rules.form_signature import is_signed
from rules.reasons import Kind
from rules.requests import NewUserNotice, PermissionRequest, PrimaryUserRequest, Request
from rules.sender import AuthPolicy, KeyLookup, SenderVerdict, authenticate_sender


class TryLater(Exception):
    """The message cannot be judged now (a DKIM key look-up failed for the moment); nothing is recorded, and the
    message is tried again later. Never a reason to accept it."""


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


ReadForm = Callable[[bytes], FormReading]


@dataclass
class Understander:
    kind_context: KindContext
    auth_policy: AuthPolicy
    key_lookup: KeyLookup
    read_form: ReadForm  # through mailbot.sandbox: never in this process
    catalogue: Callable[[], tuple[str, ...]]
    limits: MessageLimits
    accept_typed_signature: bool = True
    # The register as words for the request reader: every organisation's code and name, and one's users.
    organisations: Callable[[], tuple[OrgEntry, ...]] = field(default=lambda: ())
    users_of: Callable[[str], tuple[UserEntry, ...]] = field(default=lambda code: ())

    def vocabulary(self) -> Vocabulary:
        return Vocabulary(catalogue=self.catalogue(), organisations=self.organisations())

    def read(self, parsed: ParsedMessage, sender: str, vocabulary: Vocabulary) -> RequestReading:
        """The request reader over PARSED's new text, with the named organisation's users."""
        text = MessageText(subject=parsed.subject, new_text=parsed.text, signature=parsed.signature_text,
                           quoted=parsed.quoted_text)
        return read_in_two_passes(text, vocabulary, self.users_of, sender=sender,
                                  mailbox=self.kind_context.mailbox_address)

    def understand(self, raw: bytes) -> Understanding:
        """Everything about RAW that needs no database, except its forms: see with_forms."""
        parsed = parse_message(raw, self.limits)
        vocabulary = self.vocabulary()
        found = classify(parsed, replace(self.kind_context, vocabulary=vocabulary))
        sender = authenticate_sender(parsed, self.auth_policy, self.key_lookup)
        if sender.temporary_failure and found.kind != Kind.AUTOMATIC:
            raise TryLater("; ".join(sender.problems) or "a DKIM key look-up failed for now")
        kind, notes = self._kind(parsed, found)
        requests: tuple[Request, ...] = ()
        topic = None
        reading = None
        if kind in (Kind.PERMISSION_REQUEST, Kind.UNCLEAR):
            reading = self.read(parsed, sender.address or "", vocabulary)
        if kind == Kind.PRIMARY_USER_REQUEST:
            requests = (PrimaryUserRequest(),)  # until with_forms reads them
        elif kind == Kind.PERMISSION_REQUEST and reading is not None:
            requests = (permission_request(reading),)
        elif kind == Kind.NEW_USER_NOTIFICATION:
            n = parse_notice(parsed.text or parsed.body_text)
            requests = (NewUserNotice(org_code=n.org_code, username=n.username, full_name=n.full_name, email=n.email,
                                      created_by=n.created_by, applications=n.applications),)
        elif kind == Kind.GUIDANCE:
            topic = found.topic or guidance_topic(f"{parsed.subject}\n{parsed.text}")
        return Understanding(raw, parsed, kind, notes, found.follow_up_reference, sender, requests, topic, reading)

    def with_forms(self, u: Understanding) -> Understanding:
        """U with its attached forms read (in the sandbox), one request per form. Skipped for a message seen
        before, or too large to read, so a resent bomb costs nothing twice."""
        if u.kind != Kind.PRIMARY_USER_REQUEST or u.parsed.too_large:
            return u
        return replace(u, requests=self._forms(u.parsed))

    def _kind(self, parsed: ParsedMessage, found: Classification) -> tuple[Kind, tuple[str, ...]]:
        # A reply to one of our rejections that carries the corrected form is a new request (linked to the old
        # case), not just a note on it: people put things right by answering our reply.
        if found.kind == Kind.FOLLOW_UP and any(a.sniffed_type == PDF for a in possible_forms(parsed)):
            return Kind.PRIMARY_USER_REQUEST, (*found.notes, "a reply to our message, carrying a form")
        if found.kind == Kind.FOLLOW_UP and word_documents(parsed):
            # The form again, but as a Word file: they get the same clear answer (send the PDF).
            return Kind.PRIMARY_USER_REQUEST, (*found.notes, "a reply to our message, carrying a word-processor "
                                                             "file instead of the PDF form")
        return found.kind, found.notes

    def _forms(self, parsed: ParsedMessage) -> tuple[PrimaryUserRequest, ...]:
        forms: list[PrimaryUserRequest] = []
        not_forms: list[str] = []
        for attachment in possible_forms(parsed):  # PDFs and pictures big enough to be a scan, not logos
            name = attachment.filename or "unnamed attachment"
            if attachment.sniffed_type in IMAGE_TYPES:
                forms.append(PrimaryUserRequest(reading="unreadable", attachment=name,
                                                problems=("a picture, not a PDF form: a person must read it",)))
                continue
            reading = self.read_form(attachment.data)
            if reading.status == "not_a_form":
                not_forms.append(name)
                continue
            forms.append(self._request(reading, name))
        documents = word_documents(parsed)
        if not forms and documents:
            # The form filled in Word or LibreOffice: SPEC 9's form is the PDF, signed at the bottom of page 1.
            forms.append(PrimaryUserRequest(reading="word_document", attachment=", ".join(
                a.filename or "unnamed attachment" for a in documents), problems=tuple(
                f"{describe(a)} is a word-processor file, not the PDF form" for a in documents)))
        if not forms and not_forms:
            forms.append(PrimaryUserRequest(reading="not_a_form", attachment=", ".join(not_forms),
                                            problems=("not one of the published Primary User request forms",)))
        return tuple(forms) or (PrimaryUserRequest(),)

    def _request(self, reading: FormReading, attachment: str) -> PrimaryUserRequest:
        if reading.status != "read":
            return PrimaryUserRequest(reading=reading.status, attachment=attachment, problems=tuple(reading.problems))
        f = reading.fields
        signature = is_signed(reading, self.accept_typed_signature, f.get("sig_full_name", ""))
        values = {name: f.get(name, "") for name in (
            "org_name", "org_code", "pu_full_name", "pu_job_title", "pu_email", "pu_phone", "pu_request",
            "pu_replaces", "sig_full_name", "sig_role", "sig_email", "sig_date", "sig_typed")}
        return PrimaryUserRequest(form_type=reading.form_type or "", reading="read", signature=signature.verdict,
                                  signature_how=signature.how, attachment=attachment,
                                  problems=tuple(reading.problems), how_read=reading.how_read(), **values)


def permission_request(reading: RequestReading) -> PermissionRequest:
    """The request the checks judge: only the parts the reader is sure of; the others stay empty, with what was
    seen, so the case goes to staff as `request.unclear`. Never a guessed part: an application name with a slip is
    carried as written, so the checks reject it as unknown and the reply suggests the catalogue name."""
    apps = reading.applications
    return PermissionRequest(org_code=reading.org.value if reading.org.acted_on else "",
                             user=reading.user.value if reading.user.acted_on else "",
                             applications=apps.items if apps.acted_on else (),
                             signatory_role=reading.role.value, not_understood=reading.not_understood())
