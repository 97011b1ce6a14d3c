"""The audit trail's hash chain: every event chained as it is written, and `audit verify` names an edited, a deleted
and an inserted row after plain SQL changed them behind the triggers' back, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Engine, insert, select, text

from store.audit_chain import GENESIS, ChainHead, _link, event_hash, hash_of_row, read_head
from store.audit_verify import DELETED, EDITED, INSERTED, verify_chain
from store.db import sessions
from store.models import AuditEvent
from tests.store.audit_tampering import append_events, unguarded
from tests.support.cli import ROOT, mailbot, write_config


def events_of(engine: Engine) -> list[AuditEvent]:
    with sessions(engine)() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def test_each_event_carries_the_hash_of_the_one_before(engine: Engine) -> None:
    append_events(engine, 5)
    events = events_of(engine)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert all(hash_of_row(e) == e.hash for e in events)
    with engine.connect() as conn:
        assert read_head(conn) == ChainHead(5, events[-1].hash)
    report = verify_chain(engine)
    assert report.intact and report.events == 5 and report.head == ChainHead(5, events[-1].hash)


def test_an_empty_trail_verifies(engine: Engine) -> None:
    report = verify_chain(engine)
    assert report.intact and report.events == 0


def test_the_hash_covers_each_field_and_the_previous_hash() -> None:
    fields = {"seq": 3, "at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "actor": "a", "action": "x",
              "case_id": 7, "org_code": "A81001", "detail": {"b": [1, 2], "a": "é"}, "prev_hash": "1" * 64}
    original = event_hash(**fields)  # type: ignore[arg-type]
    changes = {"seq": 4, "at": datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=UTC), "actor": "b", "action": "y",
               "case_id": None, "org_code": "B", "detail": {"b": [2, 1], "a": "é"}, "prev_hash": "2" * 64}
    for name, value in changes.items():
        assert event_hash(**{**fields, name: value}) != original, name  # type: ignore[arg-type]
    # Key order of the detail is not content: the canonical form sorts keys.
    assert event_hash(**{**fields, "detail": {"a": "é", "b": [1, 2]}}) == original  # type: ignore[arg-type]


def test_an_event_chained_carries_the_hash_its_fields_give() -> None:
    """_link writes a plain detail's canonical text into the whole rather than encoding it again (_spliced): the
    hash is still canonical_bytes' over the detail as stored, whatever the detail, its text, the org or the time
    zone; a detail that is not plain (nested objects, numbers of every kind) goes through canonical_bytes itself."""
    details = [{}, {"kind": "permission_request", "mails": 1, "outcome": "approved", "reasons": ["a.b", "c"]},
               {"z": "é\u2028\"\\\n\x01<>&", "a": [1, None, True, False, "x"], "big": 2**70},
               {"nested": {"2": 1, "10": [1.5]}, "f": 0.1}, None]
    times = [datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
             datetime(2026, 1, 2, 4, 4, 5, tzinfo=timezone(timedelta(hours=1)))]
    rows = [{"at": at, "actor": "mailbot", "action": "case.decided", "case_id": case_id, "org_code": org,
             "detail": detail}
            for detail in details for at in times for case_id, org in ((None, None), (12, "A81001"), (0, "Ü"))]
    head = _link(rows, ChainHead(41, "3" * 64))
    previous = "3" * 64
    for seq, row in enumerate(rows, start=42):
        assert (row["seq"], row["prev_hash"]) == (seq, previous)
        assert row["detail"] == json.loads(json.dumps(row["detail"]))
        assert row["hash"] == event_hash(seq=seq, at=row["at"], actor=row["actor"], action=row["action"],
                                         case_id=row["case_id"], org_code=row["org_code"], detail=row["detail"],
                                         prev_hash=previous)
        previous = row["hash"]
    assert head == ChainHead(41 + len(rows), previous)


def test_verify_catches_an_edited_row(engine: Engine) -> None:
    append_events(engine, 5)
    with unguarded(engine) as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE seq = 3"))
    report = verify_chain(engine)
    assert not report.intact
    first = report.breaks[0]
    assert (first.kind, first.seq) == (EDITED, 3)
    assert len(report.breaks) == 1  # the rows after it still follow the hash it claims


def test_verify_catches_an_edited_detail(engine: Engine) -> None:
    append_events(engine, 3)
    with unguarded(engine) as conn:
        row = conn.execute(text("SELECT id FROM audit_events WHERE seq = 2")).scalar_one()
        conn.execute(AuditEvent.__table__.update().where(AuditEvent.__table__.c.id == row)
                     .values(detail={"n": 99, "note": "ünïcode ✓"}))
    assert [(b.kind, b.seq) for b in verify_chain(engine).breaks] == [(EDITED, 2)]


def test_verify_catches_a_deleted_row(engine: Engine) -> None:
    append_events(engine, 5)
    with unguarded(engine) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    report = verify_chain(engine)
    assert [(b.kind, b.seq) for b in report.breaks] == [(DELETED, 2)]
    assert "seq 2 missing" in report.breaks[0].why


def test_verify_catches_the_newest_rows_deleted(engine: Engine) -> None:
    append_events(engine, 5)
    with unguarded(engine) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq >= 4"))
    report = verify_chain(engine)
    assert [(b.kind, b.seq) for b in report.breaks] == [(DELETED, 4)]
    assert "seq 4 to 5" in report.breaks[0].why


def forged_row(engine: Engine, *, seq: int, prev_hash: str) -> dict[str, object]:
    row = {"at": datetime(2026, 12, 1, 10, 0, tzinfo=UTC), "actor": "mallory", "action": "review.approved",
           "case_id": None, "org_code": "A81001", "detail": {}, "seq": seq, "prev_hash": prev_hash}
    return {**row, "hash": event_hash(**row)}  # type: ignore[arg-type]


def test_verify_catches_a_row_inserted_after_the_head(engine: Engine) -> None:
    """A forger who chains the row correctly to the last one is still beyond the chain head."""
    append_events(engine, 3)
    last = events_of(engine)[-1]
    with unguarded(engine) as conn:
        conn.execute(insert(AuditEvent.__table__).values(**forged_row(engine, seq=4, prev_hash=last.hash)))
    report = verify_chain(engine)
    assert [(b.kind, b.seq) for b in report.breaks] == [(INSERTED, 4)]


def test_verify_catches_a_row_put_in_place_of_a_deleted_one(engine: Engine) -> None:
    append_events(engine, 4)
    events = events_of(engine)
    with unguarded(engine) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 2"))
        conn.execute(insert(AuditEvent.__table__).values(**forged_row(engine, seq=2, prev_hash=events[0].hash)))
    report = verify_chain(engine)
    # The forged row is consistent in itself and follows seq 1; the genuine seq 3 no longer follows it.
    assert [(b.kind, b.seq) for b in report.breaks] == [(INSERTED, 3)]


def test_verify_catches_a_repeated_seq(engine: Engine) -> None:
    append_events(engine, 3)
    events = events_of(engine)
    with unguarded(engine, drop_unique_seq=True) as conn:
        conn.execute(insert(AuditEvent.__table__).values(**forged_row(engine, seq=2, prev_hash=events[0].hash)))
        conn.commit()
        report = verify_chain(engine)
    assert report.breaks and (report.breaks[0].kind, report.breaks[0].seq) == (INSERTED, 2)


def test_an_anchor_kept_elsewhere_catches_a_rewritten_chain(engine: Engine) -> None:
    append_events(engine, 3)
    anchor = verify_chain(engine).head
    assert anchor is not None and verify_chain(engine, anchor).intact
    other = ChainHead(anchor.seq, "f" * 64)
    report = verify_chain(engine, other)
    assert [(b.kind, b.seq) for b in report.breaks] == [(EDITED, 3)]


def test_concurrent_writers_leave_one_intact_chain(engine: Engine) -> None:
    """Threads with connections of their own append at once (the database serialises them, not Python)."""
    writers, each = 4, 15
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(name: str) -> None:
        try:
            start.wait()
            append_events(engine, each, actor=name)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(f"writer{n}",)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures
    events = events_of(engine)
    assert [e.seq for e in events] == list(range(1, writers * each + 1))
    assert len({e.actor for e in events[: writers * each // 2]}) > 1  # they really interleaved
    report = verify_chain(engine)
    assert report.intact, report.breaks


APPENDER = """
import sys
import os, time
from store.db import make_engine
from tests.store.audit_tampering import append_events
engine = make_engine(sys.argv[1])
with engine.connect() as conn:  # connected before the start
    pass
while not os.path.exists(sys.argv[3]):
    time.sleep(0.01)
append_events(engine, int(sys.argv[2]), actor=f"process{os.getpid()}")
"""


def test_two_processes_appending_at_once_leave_one_intact_chain(engine: Engine, store_url: str,
                                                                tmp_path: Path) -> None:
    """Two daemons' worth of writers: separate processes, separate connections, one chain."""
    each, go = 25, tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, store_url, str(each), str(go)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    time.sleep(1.0)  # both have loaded and connected
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-2000:]
    events = events_of(engine)
    assert [e.seq for e in events] == list(range(1, 2 * each + 1))
    assert len({e.actor for e in events}) == 2
    assert verify_chain(engine).intact


def test_audit_verify_command_exit_status_and_json(tmp_path: Path, engine: Engine, store_url: str) -> None:
    config = write_config(tmp_path, store_url)
    append_events(engine, 3)
    ok = mailbot("--config", config, "audit", "verify")
    assert ok.status == 0 and "intact: 3 event(s)" in ok.out
    with unguarded(engine) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    broken = mailbot("--config", config, "audit", "verify", "--json")
    assert broken.status == 1
    doc = json.loads(broken.out)
    assert doc["intact"] is False and doc["first_break"]["kind"] == "deleted" and doc["first_break"]["seq"] == 2
    bad = mailbot("--config", config, "audit", "verify", "--anchor", "nonsense")
    assert bad.status == 2 and "SEQ:HASH" in bad.err
