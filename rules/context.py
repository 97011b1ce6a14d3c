"""Everything a check may look at, as plain data: the message's facts, the sender verdict, the request, the
register snapshot and the policy from the config. Built by the shell; `now` is passed in, never read here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from parsers.vocabulary.kinds import Kind
from rules.dkim_checks import SignedBy
from rules.register import RegisterView
from rules.requests import Request


class SenderFacts(Protocol):
    """What the checks need of rules.sender.SenderVerdict."""

    @property
    def address(self) -> str | None: ...
    @property
    def domain(self) -> str | None: ...
    @property
    def ambiguous(self) -> bool: ...
    @property
    def nhs(self) -> bool: ...
    @property
    def authenticated(self) -> bool: ...
    @property
    def method(self) -> str | None: ...
    @property
    def problems(self) -> tuple[str, ...]: ...
    @property
    def passing(self) -> tuple[SignedBy, ...]: ...


@dataclass(frozen=True)
class Policy:
    nhs_domains: frozenset[str] = frozenset({"nhs.net"})
    secure_domains: frozenset[str] = frozenset({"nhs.net"})
    system_address: str = "openexeter-noreply@nhs.net"
    accept_typed_signature: bool = True
    max_message_bytes: int = 26214400
    max_age_days: int = 30
    replies_per_sender_per_day: int = 10
    # The mailbox's own address and its [mailbox] aliases, normalised (parsers.recipients.normalise_address).
    mailbox_addresses: frozenset[str] = frozenset({"pcse.openexeter@nhs.net"})
    max_forms_per_message: int = 5


@dataclass(frozen=True)
class MessageFacts:
    size: int
    date: datetime | None
    subject: str = ""
    defects: tuple[str, ...] = ()
    replies_to_sender_today: int = 0  # automatic replies already sent (or queued) to this address today
    duplicate_of: str | None = None  # the case that first handled the same message
    notes: tuple[str, ...] = ()  # what the classifier saw (e.g. why the mail is automatic)
    recipients: tuple[tuple[str, str], ...] = ()  # (field, address) of To and Cc (parsers.recipients)
    forms_attached: int = 0  # attachments that may be forms (PDFs, scans)
    encrypted: bool = False  # an S/MIME message nobody here can open (parsers.message.ParsedMessage.encrypted)


@dataclass(frozen=True)
class ConfirmationFacts:
    """A signatory's answer to our confirmation request (SPEC 17): who answered (the authenticated sender, which
    the shell has already matched to the address the request went to) and what their new text says."""

    address: str
    answer: str  # yes / no / unclear (parsers.confirmation_answer)
    why: str = ""  # the words that decided it, for staff


@dataclass(frozen=True)
class CheckContext:
    kind: Kind
    now: datetime
    message: MessageFacts
    sender: SenderFacts
    policy: Policy = field(default_factory=Policy)
    request: Request | None = None
    register: RegisterView = field(default_factory=lambda: RegisterView(org=None))
    follow_up_of: str | None = None  # the case reference a follow-up names
    follow_up_case_found: bool = False
    follow_up_named_by: tuple[str, ...] = ()  # the header fields (lower-case) that name that case
    # Who the follow-up comes from, for the case it names: "sender", "signatory" or "nominee" (authenticated, so
    # it goes on that case), or "" (anyone else: a case of its own, linked to it).
    follow_up_from: str = ""
    # The signatory's answer: on a signatory_confirmation message, and when the case it confirms is checked again.
    signatory_confirmation: ConfirmationFacts | None = None
