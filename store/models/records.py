"""The mailbot's working records: raw messages and their keys, cases and their reasons, the append-only audit
trail and its chain head, the outbox of replies, intake and mailbox state, running daemons, signatory
confirmations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base


class StoredMessage(Base):
    """A message exactly as it arrived, kept whole so a case can always be re-read or reprocessed."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(300))  # "file:NAME", "maildir:NAME", "imap:BOX/UIDVALIDITY/UID"
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)  # sha256 hex of the raw bytes
    size: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class MessageKey(Base):
    """First sighting of a message (by Message-ID, else content hash): the primary key makes a second one fail."""

    __tablename__ = "message_keys"
    key: Mapped[str] = mapped_column(String(1000), primary_key=True)
    message_row_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))


class MessageDigest(Base):
    """A fingerprint of a message (an attachment's SHA-256, or its new text's): finds cases with the same
    attachment or the same text for staff (parsers.digests)."""

    __tablename__ = "message_digests"
    __table_args__ = (Index("ix_message_digests_kind_digest", "kind", "digest"),)
    message_row_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "attachment" or "text"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)


class ReferenceCounter(Base):
    __tablename__ = "reference_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_queue", "needs_review", "created_at"),
        Index("ix_cases_outcome_created", "outcome", "created_at"),
        Index("ix_cases_org_created", "org_code", "created_at"),  # an organisation's cases, newest first
        # The mailbox at a glance (store/insight.py): a window's cases counted from the index alone.
        Index("ix_cases_insight", "created_at", "kind", "outcome", "needs_review", "decided_by", "decided_at", "id"),
        # The review queue reads only waiting cases: partial indexes keep it as fast with a million decided
        # cases as with none (bench/bench_queue.py). The predicate is spelled exactly as the queries spell it,
        # which SQLite needs to use a partial index.
        Index("ix_cases_waiting", "created_at", "id", sqlite_where=text("needs_review IS 1"),
              postgresql_where=text("needs_review IS true")),
        Index("ix_cases_waiting_kind", "kind", "created_at", "id", sqlite_where=text("needs_review IS 1"),
              postgresql_where=text("needs_review IS true")),
        Index("ix_cases_waiting_org", "org_code", "created_at", "id", sqlite_where=text("needs_review IS 1"),
              postgresql_where=text("needs_review IS true")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # OE-YYYY-NNNNNN
    kind: Mapped[str] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[Any]] = mapped_column(default=list)  # reason codes, in check order
    checks: Mapped[list[Any]] = mapped_column(default=list)  # [{name, passed, reason, explanation}]
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what was extracted from the message/form
    changes: Mapped[list[Any]] = mapped_column(default=list)  # what was applied to the store, in words
    org_code: Mapped[str | None] = mapped_column(String(16), index=True)
    sender: Mapped[str] = mapped_column(String(320), default="", index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    message_row_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="RESTRICT"), index=True)
    part: Mapped[int | None] = mapped_column(Integer)  # which form of a message with several
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))  # "mailbot" or the staff member
    # The member of staff working on it (assign to me / release); None when nobody has taken it.
    assigned_to: Mapped[str | None] = mapped_column(String(200))
    assigned_at: Mapped[datetime | None]

    message: Mapped[StoredMessage | None] = relationship()
    parent: Mapped[Case | None] = relationship(remote_side="Case.id")


class CaseReason(Base):
    """One row per reason code of a case: lets the review queue filter by reason with an index, on both
    databases (JSON containment is spelled differently in each). Kept equal to Case.reasons by store.review."""

    __tablename__ = "case_reasons"
    __table_args__ = (
        Index("ix_case_reasons_code_case", "code", "case_id"),
        Index("ix_case_reasons_waiting", "code", "case_id", sqlite_where=text("waiting IS 1"),
              postgresql_where=text("waiting IS true")),
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    # A copy of cases.needs_review, kept equal by database triggers (migration 0004), so counting the queue by
    # reason reads one small partial index instead of visiting every case that ever had that reason.
    waiting: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AuditEvent(Base):
    """Append-only: database triggers refuse UPDATE and DELETE (see the first migration), and each event carries
    the hash of the one before (seq, prev_hash, hash: see store/audit_chain.py), so a change behind the triggers'
    back shows."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    org_code: Mapped[str | None] = mapped_column(String(16), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """One row (id 1): the newest event's seq and hash. Writers lock it to take the next place in the chain."""

    __tablename__ = "audit_chain_head"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class RegisterVersion(Base):
    """One row (id 1): a token that changes, by trigger, with every change to the register (migration 0015), so a
    snapshot of the register read under a token is good while the token stays the same (store/register_cache.py)."""

    __tablename__ = "register_version"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_recipient_created", "recipient", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    message_id: Mapped[str] = mapped_column(String(300), unique=True)  # deterministic, from the case reference
    purpose: Mapped[str] = mapped_column(String(40))  # reply, confirmation, notice, temporary_password
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # a password email holds a placeholder, never the password
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending/sending/sent/failed/uncertain
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


# replies_today counts a sender's mails by lower(recipient) (store/outbox/case_rows.py): an index on the expression,
# or every message reads the whole outbox.
Index("ix_outbox_lower_recipient_created", func.lower(OutboxMessage.recipient), OutboxMessage.created_at)


class MailboxState(Base):
    __tablename__ = "mailbox_state"
    mailbox: Mapped[str] = mapped_column(String(300), primary_key=True)
    # IMAP UIDs and UIDVALIDITY are unsigned 32-bit: past PostgreSQL's signed INTEGER.
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_poll_at: Mapped[datetime | None]


class IntakeRecord(Base):
    """One message seen in a source mailbox, keyed by where it was found, so each is processed exactly once.

    The key is `imap:FOLDER/UIDVALIDITY/UID` or `maildir:NAME`; after a UIDVALIDITY change, Message-ID and content
    hash find what was already handled. A daemon claims a row with a lease before it works on the message; the row
    turns `done` in the same transaction as the message's cases and outbox rows.
    """

    __tablename__ = "intake"
    __table_args__ = (Index("ix_intake_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(300))  # the mailbox: "imap:INBOX" or "maildir:/path/to/inbox"
    key: Mapped[str] = mapped_column(String(400), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # sha256 hex of the raw bytes
    status: Mapped[str] = mapped_column(String(16))  # claimed / done / retry / set_aside
    outcome: Mapped[str | None] = mapped_column(String(16))  # decides the folder it is moved to
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]
    case_ids: Mapped[list[Any]] = mapped_column(default=list)
    cleaned_at: Mapped[datetime | None]  # when it was moved out of the inbox (clean-up after the commit)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RunningDaemon(Base):
    """A `mailbot run` process that is (or was lately) alive: its heartbeat is renewed every
    `[daemon] heartbeat_seconds` from a thread of its own, so a stale one means a dead daemon whose claims other
    daemons take over at once, while a live one keeps its claims however long a message takes."""

    __tablename__ = "daemons"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # the owner name its claims carry
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]




class SignatoryConfirmation(Base):
    """A form's signatory asked to confirm it (SPEC 17): one row per case that waited for a signatory.

    `address` is where the request went: the signatory's address on record, never one from the form or the
    message. `status` is waiting, then confirmed / declined / unclear (their answer), expired (no answer in time)
    or closed (staff decided first). Reminders and expiry are claimed with conditional updates on `status` and
    `reminder_sent_at`, so several daemons on one store never send a reminder twice.
    """

    __tablename__ = "signatory_confirmations"
    __table_args__ = (
        Index("ix_signatory_confirmations_status_remind", "status", "remind_at"),
        Index("ix_signatory_confirmations_status_expires", "status", "expires_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), unique=True)
    address: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))  # parsers.vocabulary.roles.Role
    status: Mapped[str] = mapped_column(String(16))
    waiting_since: Mapped[datetime]  # the first request
    requested_at: Mapped[datetime]  # the latest request (staff may send it again)
    requests: Mapped[int] = mapped_column(Integer, default=1)
    remind_at: Mapped[datetime]
    reminder_sent_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    answer_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    answer_why: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(200))

    case: Mapped[Case] = relationship(foreign_keys=[case_id])
