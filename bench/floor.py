"""The in-process floor: the same messages handled with no IMAP, no SMTP and no scheduler. For "simple" that is
the tests' handler writing to a fresh SQLite store; for "pipeline", understand (parse, authenticate, read forms)
and record (decide, apply, queue replies) on a fresh store holding the same register.

Beside the rate, the SQL statements each message cost (bench/sql_count.py), by the kind of case it made: the
handler's own (understanding's register reads, the recording transaction) apart from the intake claim the floor
makes first, as the daemon does: in a transaction of its own for each batch of messages (claim_batch)."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import mean, median

from sqlalchemy import func, select

from bench.common import Bench
from bench.pipeline_mail import FAULT_HEADER
from bench.sql_count import StatementCounter
from mailbot.processing.contract import IntakeClaim, content_hash, header_message_id
from mailbot.processing.unprocessable import record_unprocessable
from store import intake
from store.db import make_engine, sessions, transaction, upgrade
from store.models import Case


@dataclass
class Floor:
    rate: float
    cpu_ms_per_message: float = 0.0  # this process's CPU time (not the form-reading children's): less noisy than rate
    # kind of case -> one Counter of statements (by verb) per message of that kind
    statements: dict[str, list[Counter[str]]] = field(default_factory=dict)
    claim_statements: float = 0.0
    examples: dict[str, list[str]] = field(default_factory=dict)  # kind -> one message's statements, when traced
    fill_seconds: float = 0.0  # filling the store first (cases_in_store)
    claim_batch: int = 1  # messages claimed in one transaction

    def statements_per_message(self) -> dict[str, dict[str, float]]:
        """Mean statements per message by kind: the total, by verb, and those of the recording transaction."""
        table: dict[str, dict[str, float]] = {}
        for kind, counts in sorted(self.statements.items()):
            verbs = sorted({v for c in counts for v in c})
            total = [sum(n for v, n in c.items() if not v.startswith("(")) for c in counts]
            table[kind] = {"messages": len(counts), "total": round(mean(total), 2),
                           **{v: round(mean(c[v] for c in counts), 2) for v in verbs if v != "(recording CPU us)"}}
            # CPU of this process recording the message (after understanding it): the median, as a few messages
            # meet the start of the run or another process's burst.
            table[kind]["(recording CPU ms, median)"] = round(median(c["(recording CPU us)"] for c in counts) / 1000, 2)
        return table


def floor_rate(bench: Bench, messages: list[bytes], url: str | None = None, *, trace: bool = False,
               cases_in_store: int = 0, claim_batch: int = 1) -> Floor:
    """CLAIM_BATCH: how many messages are claimed in one transaction, as the daemon claims each batch it fetches
    ([imap] batch_size); 1 claims each message alone, just before it is handled."""
    url = url or f"sqlite:///{bench.work / 'floor.db'}"
    engine = make_engine(url)
    upgrade(engine)
    filled = time.monotonic()
    if cases_in_store:  # in a process of its own: filling here would slow what is measured here (store_fill.py)
        from bench.store_fill import fill_in_child
        fill_in_child(url, cases_in_store)
    filled = time.monotonic() - filled
    factory = sessions(engine)
    handler, close = _handler(bench, factory, url)
    counter = StatementCounter(engine, keep_text=trace)
    per_message: list[tuple[tuple[int, ...], Counter[str], list[str]]] = []
    claims: list[float] = []
    unprocessable: set[int] = set()
    try:
        with factory() as session:  # the cases this run makes come after it
            before = session.scalar(select(func.coalesce(func.max(Case.id), 0)))
        began, cpu_began = time.monotonic(), time.process_time()
        # Another round on the same store: other messages, other keys.
        keys = [f"floor:{content_hash(raw)[:20]}" for raw in messages]
        for index, raw in enumerate(messages):
            key = keys[index]
            if index % claim_batch == 0:
                batch = keys[index:index + claim_batch]
                with counter.counting() as claimed, transaction(factory) as session:  # as IntakeWorker.claim
                    intake.claim_all(session, source="floor", keys=batch, owner="floor", now=datetime.now(UTC),
                                     lease=timedelta(minutes=5))
                claims.extend([sum(claimed.values()) / len(batch)] * len(batch))
            now = datetime.now(UTC)
            logged = len(counter.log)
            with counter.counting() as handled:
                recording_cpu = 0.0
                if FAULT_HEADER.encode() + b": yes" in raw:
                    case_ids = _unprocessable(factory, raw, key, now)
                    unprocessable.update(case_ids)
                else:
                    claim = IntakeClaim(key=key, source="floor", owner="floor", now=now,
                                        message_id=header_message_id(raw), content_hash=content_hash(raw),
                                        attempts=1)
                    # The pipeline's two steps apart (as the daemon takes them), so the recording's CPU is seen.
                    recording = handler.read_ahead(raw, claim) if hasattr(handler, "read_ahead") else (
                        lambda raw=raw, claim=claim: handler(raw, claim))
                    recording_began = time.process_time()
                    result = recording()
                    recording_cpu = time.process_time() - recording_began
                    case_ids = tuple(getattr(result, "case_ids", ()))
            handled["(recording transaction)"] = counter.transactions[-1] if counter.transactions else 0
            handled["(recording CPU us)"] = round(recording_cpu * 1e6)
            per_message.append((case_ids, handled, counter.log[logged:]))
        rate = len(messages) / (time.monotonic() - began)
        cpu_ms = (time.process_time() - cpu_began) * 1000 / max(len(messages), 1)
        with factory() as session:
            # This run's cases alone: reading a big store's every case here grew the heap of the process that
            # measures the next store (1,000,000 rows: 300 MB).
            kinds = {case_id: "unprocessable" if case_id in unprocessable else kind
                     for case_id, kind in session.execute(select(Case.id, Case.kind).where(Case.id > before))}
        by_kind: dict[str, list[Counter[str]]] = defaultdict(list)
        examples: dict[str, list[str]] = {}
        for case_ids, counted, texts in per_message:
            kind = "+".join(sorted({kinds.get(i, "?") for i in case_ids})) or "?"
            by_kind[kind].append(counted)
            if trace and len(by_kind[kind]) == 3:  # the third of its kind: past the first-use reads
                examples[kind] = texts
        return Floor(rate, round(cpu_ms, 2), dict(by_kind), mean(claims) if claims else 0.0, examples, filled,
                     claim_batch)
    finally:
        counter.close()
        close()
        engine.dispose()


def _unprocessable(factory, raw: bytes, key: str, now: datetime) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    """What the daemon's worker does with a message that failed its last attempt (mailbot/intake/worker.py): its
    intake record set aside and its `message.unprocessable` case, in one transaction."""
    with transaction(factory) as session:
        status = intake.fail(session, key=key, owner="floor", now=now, error="RuntimeError: the bench's fault",
                             max_attempts=1, retry_after=timedelta(minutes=5), counts=True)
        assert status == intake.SET_ASIDE, status
        case = record_unprocessable(session, raw=raw, source=key, now=now, error="RuntimeError: the bench's fault",
                                    attempts=1, message_id=header_message_id(raw), content_hash=content_hash(raw))
        intake.attach_cases(session, key=key, case_ids=[case.id])
        return (case.id,)


def _handler(bench: Bench, factory, url: str):  # type: ignore[no-untyped-def]
    if bench.kind == "simple":
        from tests.support.simple_handler import SimpleHandler
        return SimpleHandler(factory), lambda: None
    from bench.pipeline_mail import pipeline_handler
    return pipeline_handler(bench, factory, url)
