"""Policy replay: stored cases decided again, under a changed config or register, in a throwaway store.

Each stored message from the window on is handled again by the pipeline's own intake
(`mailbot.processing.handle`: understand, look for an earlier sighting, read the forms, record), in the order it
arrived, at the moment it arrived (`now` = the message's received time), against the copy of
`mailbot.replay.throwaway_store`. Nothing is written to the real store and nobody is mailed: the replies are queued
in the copy's outbox, which is thrown away.

What is reused as recorded, not worked out again:
- The sender verdict (DKIM or trusted Authentication-Results): the keys a signature was checked with may have been
  rotated or withdrawn since, so checking old mail again would call good mail forged. The DNS is never asked; the
  verdict kept on the case is put in place of the one made without keys. Whether the sender's domain is an NHS
  one is policy, not evidence: it is judged again under the replayed config's `[auth] nhs_domains`.
- Each form reading (kept on the case as `form_reading`): the file is read again in the sandbox only for a case
  recorded before readings were kept.

The register evolves as the replay goes: a replayed approval is applied to the copy, so a Primary User approved
in one case counts towards "at most two" in the next, exactly as when the cases were first decided. Every message
in the window is replayed, whatever `--kind` asks for, because any of them may change what the next one meets;
`--kind` only chooses the cases reported. What staff did after the mailbot decided (an approval on review) is not
replayed: a case the replay sends to staff stays with staff.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mailbot.config import Config
from mailbot.processing.handle import handle
from mailbot.processing.over_limit import OverLimit
from mailbot.processing.record import CaseOutcome
from mailbot.processing.sandbox import PdfBytes, pdf_digest
from mailbot.processing.services import understander
from mailbot.processing.settings import Settings, settings_from
from mailbot.processing.stored_case import stored_sender
from mailbot.processing.understanding import Understander, Understanding, form_attachments
from mailbot.replay.throwaway_store import first_decided, replay_store
from parsers.domains import in_domains
from parsers.forms.result import BadReading, FormReading, reading_from_data
from rules.sender import AuthPolicy, SenderVerdict
from store.models import Case, ReferenceCounter, StoredMessage
from store.upsert import insert_for

UNPROCESSABLE = "message.unprocessable"


@dataclass(frozen=True)
class Decided:
    outcome: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.outcome} ({', '.join(self.reasons) or '-'})"


@dataclass(frozen=True)
class ReplayedCase:
    """One case as first decided (BEFORE, None for a case the replay made that was not there) and as decided again
    (AFTER, None when the replay made no such case; NOTE says why)."""

    reference: str
    kind: str
    received_at: datetime
    before: Decided | None
    after: Decided | None
    note: str = ""
    message_id: str | None = None

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def transition(self) -> str:
        """'approved → rejected'; the same outcome twice when only the reasons changed."""
        before = self.before.outcome if self.before else "no case"
        after = self.after.outcome if self.after else "no case"
        return f"{before} → {after}"

    def as_record(self) -> dict[str, Any]:
        def side(d: Decided | None) -> dict[str, Any] | None:
            return None if d is None else {"outcome": d.outcome, "reasons": list(d.reasons)}
        line = {"reference": self.reference, "kind": self.kind, "received_at": self.received_at.isoformat(),
                "message_id": self.message_id, "before": side(self.before), "after": side(self.after)}
        if self.note:
            line["note"] = self.note
        return line


@dataclass
class ReplaySummary:
    messages: int = 0
    cases: int = 0  # reported cases (of --kind, when given) decided again
    changed: int = 0
    transitions: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def as_record(self) -> dict[str, Any]:
        return {"summary": {"messages": self.messages, "cases": self.cases, "changed": self.changed,
                            "transitions": dict(sorted(self.transitions.items())), "notes": self.notes}}


@dataclass(frozen=True)
class StoredEvidence:
    """What a message's cases recorded that the replay reuses: its sender verdict and its form readings."""

    sender: SenderVerdict | None = None
    readings: dict[int, FormReading] = field(default_factory=dict)  # by attachment index


def _no_keys(name: Any, timeout: int = 5) -> bytes | None:
    """The replay never asks the DNS: the stored verdict stands in for what the keys said then."""
    return None


@dataclass
class ReplayUnderstander(Understander):
    """The understander of the intake, with the sender verdict and the form readings a message's cases recorded
    put in place of new ones (set `evidence` before each message)."""

    evidence: StoredEvidence = field(default_factory=StoredEvidence)
    read_again: Callable[[PdfBytes, datetime], FormReading] | None = None  # the sandbox, for a form not kept
    _by_content: dict[str, FormReading] = field(default_factory=dict)
    reread: int = 0

    def understand(self, raw: bytes, *, now: datetime, give_up_waiting: str = "",
                   over_limit: OverLimit | None = None) -> Understanding:
        u = super().understand(raw, now=now, give_up_waiting=give_up_waiting, over_limit=over_limit)
        if self.evidence.sender is None:
            return u
        return replace(u, sender=self.evidence.sender)

    def with_forms(self, u: Understanding, *, now: datetime) -> Understanding:
        self._by_content = {pdf_digest(a.decoded()): self.evidence.readings[index]
                            for index, a in form_attachments(u.parsed) if index in self.evidence.readings}
        return super().with_forms(u, now=now)

    def stored_or_read(self, pdf: PdfBytes, now: datetime) -> FormReading:
        stored = self._by_content.get(pdf_digest(pdf))
        if stored is not None:
            return stored
        assert self.read_again is not None
        self.reread += 1
        return self.read_again(pdf, now)


def stored_verdict(case: Case, policy: AuthPolicy) -> SenderVerdict | None:
    """The sender verdict CASE recorded, with its NHS-ness judged under POLICY; None when it recorded none."""
    if not isinstance((case.fields or {}).get("sender"), dict):
        return None
    verdict = stored_sender(case)
    return replace(verdict, nhs=in_domains(verdict.domain, policy.nhs_domains))


def stored_readings(cases: list[Case]) -> dict[int, FormReading]:
    """The form readings CASES kept, by attachment index (a reading that does not check out is read again)."""
    found: dict[int, FormReading] = {}
    for case in cases:
        f = case.fields or {}
        index = (f.get("request") or {}).get("attachment_index")
        if isinstance(index, int) and "form_reading" in f:
            try:
                found[index] = reading_from_data(f["form_reading"])
            except BadReading:
                continue
    return found


def first_decision(session: Session, case: Case) -> Decided:
    """What the mailbot first decided for CASE (its first `case.decided` event), not what staff made of it later."""
    first = first_decided(session, case.id)
    if first is not None:
        return Decided(first[0], tuple(first[1]))
    return Decided(case.outcome, tuple(case.reasons or ()))


@dataclass(frozen=True)
class Window:
    """Which cases: those made since SINCE (all when None); KIND chooses those reported."""

    since: datetime | None = None
    kind: str | None = None


def _window_messages(session: Session, window: Window) -> tuple[int | None, list[int]]:
    """The first case of the window, and its messages in the order they were first recorded."""
    query = select(Case.id, Case.message_row_id).order_by(Case.id)
    if window.since is not None:
        query = query.where(Case.created_at >= window.since)
    rows = session.execute(query).all()
    first = rows[0][0] if rows else None
    return first, list(dict.fromkeys(m for _, m in rows if m is not None))


def _set_next_reference(session: Session, reference: str) -> None:
    """Make the copy's next reference REFERENCE (or later, if the copy is past it), so a replayed case keeps its
    number and follow-ups naming it find it."""
    try:
        _, year, number = reference.split("-")
        y, n = int(year), int(number)
    except ValueError:
        return
    current = session.scalar(select(ReferenceCounter.last_value).where(ReferenceCounter.year == y)) or 0
    if current >= n - 1:
        return
    session.execute(insert_for(session, ReferenceCounter).values(year=y, last_value=n - 1)
                    .on_conflict_do_update(index_elements=["year"], set_={"last_value": n - 1}))


def replay(real_sessions: sessionmaker[Session], config: Config, window: Window, *, register: Path | None,
           now: datetime, progress: Callable[[int, int], None] | None = None
           ) -> Iterator[ReplayedCase | ReplaySummary]:
    """Every case of WINDOW decided again under CONFIG (and REGISTER's files, when given), one at a time, and
    finally the summary. PROGRESS, when given, is told (done, total) messages."""
    settings = settings_from(config)
    policy = AuthPolicy.from_config(config.auth)
    summary = ReplaySummary()
    with real_sessions() as real:
        first, messages = _window_messages(real, window)
    with replay_store(real_sessions, first, register=register, now=now) as (copy, notes), \
            understander(config, copy) as base:
        summary.notes += notes
        u = ReplayUnderstander(**{f.name: getattr(base, f.name) for f in fields(Understander)})
        u.key_lookup, u.read_again, u.read_form = _no_keys, base.read_form, u.stored_or_read
        for done, message_row_id in enumerate(messages, start=1):
            with real_sessions() as real:
                yield from _replay_message(real, copy, u, message_row_id, window, settings, policy, summary)
            if progress is not None:
                progress(done, len(messages))
        if u.reread:
            summary.notes.append(f"{u.reread} form(s) recorded before readings were kept were read again")
    yield summary


def _replay_message(real: Session, copy: sessionmaker[Session], u: ReplayUnderstander, message_row_id: int,
                    window: Window, settings: Settings, policy: AuthPolicy,
                    summary: ReplaySummary) -> Iterator[ReplayedCase]:
    cases = list(real.scalars(select(Case).where(Case.message_row_id == message_row_id).order_by(Case.id)))
    if not cases or all(UNPROCESSABLE in (c.reasons or ()) for c in cases):
        return  # a failure of ours, not a decision: its message was sent through again as another row
    message = real.get(StoredMessage, message_row_id)
    assert message is not None
    summary.messages += 1
    u.evidence = StoredEvidence(next((v for c in cases if (v := stored_verdict(c, policy)) is not None), None),
                                stored_readings(cases))
    with copy() as session, session.begin():
        _set_next_reference(session, cases[0].reference)
    outcomes: list[CaseOutcome] = []
    note = ""
    try:
        outcomes = handle(copy, u, bytes(message.raw), source=message.source, now=message.received_at,
                          settings=settings)
    except Exception as exc:  # noqa: BLE001 - one message the replay cannot handle is reported, not fatal
        note = f"not decided again: {exc.__class__.__name__}: {exc}"
    real.expire(message, ["raw"])
    for original, again in zip_longest(cases, outcomes):
        kind = original.kind if original is not None else again.kind
        if window.kind is not None and window.kind not in (kind, again.kind if again is not None else None):
            continue
        result = ReplayedCase(
            reference=original.reference if original is not None else again.reference, kind=kind,
            received_at=message.received_at,
            before=first_decision(real, original) if original is not None else None,
            after=Decided(again.outcome, tuple(again.reasons)) if again is not None else None, note=note,
            message_id=message.message_id)
        summary.cases += 1
        if result.changed:
            summary.changed += 1
            summary.transitions[result.transition] += 1
            yield result
