"""Walk the audit chain and say where it breaks, and how: a row edited, deleted or inserted.

The walk goes through the events in `seq` order (events with no seq last), keeping the seq and prev_hash the next
event must have, and compares the last event with the chain head row. What each finding means:

- edited: the event's own hash no longer matches its content (any of the hashed fields, seq and prev_hash
  included, was changed after it was written). The walk carries on from the hash the row claims.
- deleted: a gap in seq (seq k is missing: the rows in between were removed), or the chain head records more
  events than there are (the newest were removed).
- inserted: an event with no place in the chain (no seq or hash), a seq that appears twice, an event beyond the
  chain head, or an event that is consistent in itself but does not follow the one before it (its prev_hash is
  not that event's hash: it, or the event before it, was written outside the chain with a hash worked out by hand;
  a row put in place of a deleted one shows like this too).

A writer who can rewrite every row and the head, recomputing every hash, leaves a chain that verifies: that is why
the head (seq and hash) is exported on /metrics and logged daily, so a copy kept elsewhere can anchor it
(`--anchor SEQ:HASH` checks that event SEQ still has that hash).

Read in one snapshot (REPEATABLE READ on PostgreSQL, one read transaction on SQLite), so events appended while the
walk runs do not look like a head that ran ahead of its events.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from store.audit_chain import GENESIS, ChainHead, hash_of_row, read_head
from store.models import AuditEvent

EDITED, DELETED, INSERTED = "edited", "deleted", "inserted"


@dataclass(frozen=True)
class Break:
    kind: str  # edited, deleted or inserted
    seq: int | None  # the seq where the chain breaks (the first missing seq for a deletion)
    row_id: int | None  # the row found there, if any
    why: str


@dataclass
class ChainReport:
    events: int = 0
    head: ChainHead | None = None
    breaks: list[Break] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks

    def as_json(self) -> dict[str, Any]:
        return {"intact": self.intact, "events": self.events,
                "head": asdict(self.head) if self.head else None,
                "first_break": asdict(self.breaks[0]) if self.breaks else None,
                "breaks": [asdict(b) for b in self.breaks]}


@dataclass
class _Walk:
    report: ChainReport
    expected_seq: int = 1
    expected_prev: str = GENESIS
    last_seq: int = 0
    last_hash: str = GENESIS

    def found(self, kind: str, seq: int | None, row_id: int | None, why: str) -> None:
        self.report.breaks.append(Break(kind, seq, row_id, why))

    def step(self, row: Any) -> None:
        if row.seq is None or row.hash is None or row.prev_hash is None:
            self.found(INSERTED, None, row.id, f"event id {row.id} has no place in the chain (no seq or hash)")
            return
        if hash_of_row(row) != row.hash:
            self.found(EDITED, row.seq, row.id, f"event seq {row.seq} (id {row.id}): its content no longer "
                                                "matches its hash")
            self.follow(row)
            return
        if row.seq < self.expected_seq:
            self.found(INSERTED, row.seq, row.id, f"event id {row.id} repeats seq {row.seq}")
            return
        if row.seq > self.expected_seq:
            missing = (f"seq {self.expected_seq}" if row.seq == self.expected_seq + 1
                       else f"seq {self.expected_seq} to {row.seq - 1}")
            self.found(DELETED, self.expected_seq, row.id, f"{missing} missing before event seq {row.seq}")
        elif row.prev_hash != self.expected_prev:
            self.found(INSERTED, row.seq, row.id,
                       f"event seq {row.seq} (id {row.id}) is consistent in itself but does not follow event seq "
                       f"{row.seq - 1}: one of them was written outside the chain")
        self.follow(row)

    def follow(self, row: Any) -> None:
        self.expected_seq = max(self.expected_seq, row.seq + 1)
        self.expected_prev = row.hash
        self.last_seq, self.last_hash = row.seq, row.hash

    def finish(self, head: ChainHead | None) -> None:
        if head is None:
            if self.report.events:
                self.found(DELETED, None, None, "the chain head row is missing")
            return
        if head.seq > self.last_seq:
            missing = (f"seq {self.last_seq + 1}" if head.seq == self.last_seq + 1
                       else f"seq {self.last_seq + 1} to {head.seq}")
            self.found(DELETED, self.last_seq + 1, None, f"the newest events are missing: {missing} "
                                                         f"(the chain head is at seq {head.seq})")
        elif head.seq < self.last_seq:
            self.found(INSERTED, head.seq + 1, None, f"events beyond the chain head (seq {head.seq}) up to seq "
                                                     f"{self.last_seq}")
        elif head.hash != self.last_hash:
            self.found(INSERTED, head.seq, None, f"event seq {head.seq} is not the one the chain head recorded: "
                                                 "it was replaced")


def verify_chain(engine: Engine, anchor: ChainHead | None = None) -> ChainReport:
    """Walk the whole chain of ENGINE's store; ANCHOR, a head recorded earlier, must still be in it."""
    report = ChainReport()
    walk = _Walk(report)
    options: dict[str, Any] = ({"sqlite_begin": "DEFERRED"} if engine.dialect.name == "sqlite"
                               else {"isolation_level": "REPEATABLE READ"})
    columns = (AuditEvent.id, AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash, AuditEvent.at,
               AuditEvent.actor, AuditEvent.action, AuditEvent.case_id, AuditEvent.org_code, AuditEvent.detail)
    anchored: str | None = None
    with engine.execution_options(**options).begin() as conn:
        head = read_head(conn)
        report.head = head
        query = select(*columns).order_by(AuditEvent.seq.is_(None), AuditEvent.seq, AuditEvent.id)
        for row in conn.execution_options(yield_per=2000).execute(query):
            report.events += 1
            walk.step(row)
            if anchor is not None and row.seq == anchor.seq and anchored is None:
                anchored = row.hash
        walk.finish(head)
    if anchor is not None and anchored != anchor.hash:
        found = "no event with that seq" if anchored is None else f"it has hash {anchored}"
        walk.found(EDITED if anchored else DELETED, anchor.seq, None,
                   f"the anchor says event seq {anchor.seq} had hash {anchor.hash}, but {found}: the chain was "
                   "rewritten since")
    return report
