"""What the daemon asks of the message pipeline: one call per message, one transaction that also finishes the
message's intake claim.

    handler(raw, claim) -> HandleResult

The handler may do slow work first (parsing, DNS, forms in the sandbox) with no transaction open; then, in ONE
transaction of its own, it writes the case(s) and outbox rows and calls `claim.complete(session, result)`. If the
claim was taken over by another daemon, complete raises LostClaim and the transaction must roll back. A handler
raises TryLater (below) when the message cannot be judged now: the one "try later" of the contract.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from mailbot.processing.over_limit import OverLimit
from parsers.dkim_body import body_start
from store import intake
from store.db import transaction


@dataclass(frozen=True)
class HandleResult:
    outcome: str  # the case's outcome (the worst of several: flagged first); decides the folder
    case_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class IntakeClaim:
    key: str  # e.g. imap:INBOX/UIDVALIDITY/UID: also the StoredMessage's source
    source: str  # the mailbox
    owner: str
    now: datetime
    message_id: str | None
    content_hash: str
    attempts: int
    # Why a key look-up that fails for now is no longer waited for ("" while the message may still wait): it has
    # waited [auth] dns_give_up_hours since it was first seen, so it is judged without the key, never passed.
    give_up_waiting: str = ""
    # For a message over the size limit, of which only the first part is handed over: its whole size and body
    # hashes, taken while the rest went by (mailbot.processing.over_limit).
    over_limit: OverLimit | None = None

    def complete(self, session: Session, result: HandleResult) -> None:
        """Mark the message done inside SESSION's transaction; raises store.intake.LostClaim if no longer ours."""
        intake.complete(session, key=self.key, owner=self.owner, now=self.now, outcome=result.outcome,
                        case_ids=result.case_ids, message_id=self.message_id, content_hash=self.content_hash)


Handler = Callable[[bytes, IntakeClaim], HandleResult]


class GroupRecording(Protocol):
    """A message's recording (a handler's second step, mailbot.processing.mail_handler), for a handler that says
    `records_in_group`: called with no session it records in a transaction of its own, as above; given GROUP, a
    session whose transaction records several messages one after another, in a savepoint of that transaction (rolled
    back alone if it raises; the group's owner commits). Raises RegisterMoved, nothing recorded, when what it was
    understood on moved: called again without a session, once the group is committed, it understands again."""

    def __call__(self, group: Session | None = None) -> HandleResult: ...


# Set in a group's session.info while its transaction holds no message yet: the first recording may do without a
# savepoint (two statements fewer, each a round trip on PostgreSQL), as the group, should it fail, is rolled back
# whole, holding nothing else. Taken (popped) by the recording that uses it (`recording_session`).
FIRST_IN_GROUP = "mailbot.first_in_group"


@contextmanager
def recording_session(sessions: sessionmaker[Session], group: Session | None) -> Iterator[Session]:
    """Where a GroupRecording writes: a transaction of its own (GROUP None), committed when the block ends; else
    GROUP's transaction, in a savepoint rolled back alone if the block raises (the group's first message without
    one: FIRST_IN_GROUP)."""
    if group is None:
        with transaction(sessions) as session:
            yield session
    elif group.info.pop(FIRST_IN_GROUP, False):
        yield group
    else:
        with group.begin_nested():
            yield group


class TryLater(Exception):
    """The message cannot be judged now for a reason outside it (a DKIM key look-up failed for the moment, the
    message left the folder): nothing is recorded, the message is tried again later, and the try does not count
    towards setting the message aside. Never a reason to accept it."""


OUTCOME_ORDER = ("flagged", "pending", "rejected", "approved", "answered", "ignored")


def overall_outcome(outcomes: list[str]) -> str:
    """One outcome for a message with several cases: the one most in need of a person."""
    for outcome in OUTCOME_ORDER:
        if outcome in outcomes:
            return outcome
    return outcomes[0] if outcomes else "flagged"


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def header_message_id(raw: bytes) -> str | None:
    """The Message-ID as written (for matching sightings only; the pipeline parses the message properly)."""
    head = raw[:body_start(raw)]  # a slice of the header block only: split() would copy the whole body
    try:
        value = BytesHeaderParser().parsebytes(head + b"\r\n\r\n").get("Message-ID")
    except Exception:  # noqa: BLE001 - a broken header is the pipeline's to report, not ours
        return None
    text = " ".join(str(value).split()) if value else ""
    return text[:998] or None
