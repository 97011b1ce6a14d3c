"""What each kind of message does, one entry a kind, as rules/chains.py is for checks: how it is read, its chain,
how an approved case of it is applied, which mails it writes, which fields staff can correct.

The shell never branches on a kind: it looks the kind up here (`spec_of`) and does what the entry says.
tests/test_add_a_kind.py holds every module of mailbot/ to that, and adds a kind at run time in three places (the
kind as classify tells it, its chain, its entry here); docs/architecture.md, "Add a message kind", is the recipe.

The pure parts stay where they belong and are only pointed to: the chain is rules/chains.py's, the request a kind
carries is a class of rules/requests.py (its correctable fields are that class's), how a message is classified is
parsers/kinds.py's, the reply text is templates/replies/<kind>/<outcome>.txt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from mailbot.outbox.case_mail import (
    CaseMail,
    MailPolicy,
    MailWriter,
    follow_up_mails,
    guidance_mails,
    no_mails,
    nothing_of_its_own,
    notification_mails,
    permission_mails,
    primary_user_mails,
    written,
)
from mailbot.outbox.replies import OutgoingMail, ReplyContext
from parsers.guidance import Topic, guidance_topic
from parsers.kinds import Classification
from parsers.message import ParsedMessage
from parsers.notice import parse_notice
from parsers.request_reader import RequestReading
from parsers.vocabulary.kinds import Kind
from rules.chains import CHAINS, Chain
from rules.outcome import Decision
from rules.requests import (
    NewUserNotice,
    PermissionRequest,
    PrimaryUserRequest,
    Request,
    notice_request,
    permission_request,
)
from store.changes import Applied, apply_notice, apply_permissions, apply_primary_user


@dataclass(frozen=True)
class Read:
    """What a message of a kind carries, read before any transaction (forms are read after, in the sandbox)."""

    requests: tuple[Request, ...] = ()
    topic: Topic | None = None


# How a kind is read: the parsed message, how it was classified, and what the request reader understood of its text
# (None unless the kind's entry says reads_text).
Reader = Callable[[ParsedMessage, Classification, "RequestReading | None"], Read]


def _nothing(parsed: ParsedMessage, found: Classification, reading: RequestReading | None) -> Read:
    return Read()


class Apply(Protocol):
    """The store change an approved case of a kind makes (store/changes.py)."""

    def __call__(self, session: Session, request: Request, *, now: datetime, actor: str,
                 case_id: int) -> Applied: ...


@dataclass(frozen=True)
class KindSpec:
    kind: Kind
    label: str  # the kind in words, for staff (the queue, the case page)
    what_happens: str  # `mailbot explain`'s "then": what the mailbot does with such a message, for staff
    read: Reader = _nothing  # what it carries, from the parsed message (before any forms are read)
    request: type[Request] | None = None  # what its case carries (rules/requests.py); staff correct its fields
    reads_text: bool = False  # the request reader reads its new text (staff see the reading on the case)
    reads_forms: bool = False  # its attachments are read as forms, in the sandbox (mailbot/processing/sandbox.py)
    apply: Apply | None = None  # the store change an approved case makes; None: it changes nothing
    mails: MailWriter = nothing_of_its_own  # the mails its decided case sends (mailbot/outbox/case_mail.py)
    waits_for_keys: bool = True  # a DKIM key look-up failing for now makes it wait (try later)
    on_a_case: bool = False  # it is about a case already open: it goes on that case, and may be a signatory's answer

    @property
    def chain(self) -> Chain:
        """Its checks, as rules/chains.py declares them."""
        return CHAINS[self.kind]

    @property
    def correctable(self) -> tuple[str, ...]:
        """The fields of its request a member of staff may correct; none when it carries no request."""
        return self.request.correctable() if self.request is not None else ()


def _form_to_come(parsed: ParsedMessage, found: Classification, reading: RequestReading | None) -> Read:
    return Read(requests=(PrimaryUserRequest(),))  # until its forms are read (Understander.with_forms)


def _permission(parsed: ParsedMessage, found: Classification, reading: RequestReading | None) -> Read:
    return Read(requests=(permission_request(reading),) if reading is not None else ())


def _notice(parsed: ParsedMessage, found: Classification, reading: RequestReading | None) -> Read:
    return Read(requests=(notice_request(parse_notice(parsed.text or parsed.body_text)),))


def _guidance(parsed: ParsedMessage, found: Classification, reading: RequestReading | None) -> Read:
    return Read(topic=found.topic or guidance_topic(f"{parsed.subject}\n{parsed.text}"))


def _apply_primary_user(session: Session, request: Request, *, now: datetime, actor: str, case_id: int) -> Applied:
    assert isinstance(request, PrimaryUserRequest)
    return apply_primary_user(session, request, now=now, actor=actor, case_id=case_id)


def _apply_permissions(session: Session, request: Request, *, now: datetime, actor: str, case_id: int) -> Applied:
    assert isinstance(request, PermissionRequest)
    return apply_permissions(session, request, now=now, actor=actor, case_id=case_id)


def _apply_notice(session: Session, request: Request, *, now: datetime, actor: str, case_id: int) -> Applied:
    assert isinstance(request, NewUserNotice)
    return apply_notice(session, request, now=now, actor=actor, case_id=case_id)


KINDS: dict[str, KindSpec] = {spec.kind.value: spec for spec in (
    KindSpec(Kind.PRIMARY_USER_REQUEST, "Primary User request (form)",
             "the attached form is read in the sandbox and the Primary User checks run",
             read=_form_to_come, request=PrimaryUserRequest, reads_forms=True, apply=_apply_primary_user,
             mails=primary_user_mails),
    KindSpec(Kind.PERMISSION_REQUEST, "Request for more applications",
             "the permission request checks run (NHS sender, DKIM, signatory on record, active user, catalogue)",
             read=_permission, request=PermissionRequest, reads_text=True, apply=_apply_permissions,
             mails=permission_mails),
    KindSpec(Kind.NEW_USER_NOTIFICATION, "New user notice from Open Exeter", "the Open Exeter notice checks run",
             read=_notice, request=NewUserNotice, apply=_apply_notice, mails=notification_mails),
    KindSpec(Kind.GUIDANCE, "Question", "answered with the guide, when the sender is authenticated",
             read=_guidance, mails=guidance_mails),
    # Never what classify says: record makes a follow-up this kind when it recognises a signatory's answer.
    KindSpec(Kind.SIGNATORY_CONFIRMATION, "Signatory's answer", "", mails=no_mails),
    KindSpec(Kind.FOLLOW_UP, "Reply to one of our messages",
             "added to its case for staff; or, authenticated and from the signatory a case waits for, their answer "
             "to our confirmation request (signatory_confirmation), read as shown",
             mails=follow_up_mails, on_a_case=True),
    KindSpec(Kind.AUTOMATIC, "Automatic mail", "ignored (no reply)", waits_for_keys=False),
    KindSpec(Kind.UNCLEAR, "Not clear what is asked", "flagged for staff (request.unclear)", reads_text=True),
)}


def spec_of(kind: str) -> KindSpec:
    """The entry of KIND (a Kind, or the kind a case recorded)."""
    try:
        return KINDS[kind]
    except KeyError:
        raise KeyError(f"no entry for the message kind {kind!r} in mailbot/processing/kinds.py") from None


def apply_change(session: Session, kind: str, request: Request | None, *, now: datetime, actor: str,
                 case_id: int) -> Applied | None:
    """The store change of an approved case of KIND, made now; None when its kind (or its request) changes nothing."""
    spec = spec_of(kind)
    if spec.apply is None or spec.request is None or not isinstance(request, spec.request):
        return None
    return spec.apply(session, request, now=now, actor=actor, case_id=case_id)


def mails_for(*, kind: str, decision: Decision, request: Request | None, applied: Applied | None,
              ctx: ReplyContext, policy: MailPolicy, now: datetime, topic: Topic | None = None,
              org_name: str = "", signatory_address: str | None = None) -> list[OutgoingMail]:
    """Every mail a decided case of KIND sends, in the order they are queued (mailbot/outbox/case_mail.py)."""
    return written(spec_of(kind).mails, CaseMail(decision, request, applied, ctx, policy, now, topic, org_name,
                                                 signatory_address))
