"""Replicas under SIGKILL (issue 17): two `mailbot run` replicas (the real pipeline) sharing one PostgreSQL store,
as on two hosts (each its own MAILBOT_HOSTNAME and health port), N messages waiting in Dovecot, K SIGKILLs spread
over the backlog and over both replicas, each killed replica restarted at once. Timed until every message has its
reply accepted by the SMTP server (or shown to staff as uncertain: cut off by a kill after DATA began); then
checked: none lost, none answered or sent twice.

    .venv/bin/python -m bench.bench_replica_kills [--messages 600] [--kills 10] [--store-url URL]

Without --store-url it makes a database of its own on the local PostgreSQL (postgresql://postgres@127.0.0.1:5432)
and drops it afterwards. Target (2-core machine): under 2 minutes for 600 messages and 10 kills.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url

from bench.common import ROOT, Bench, stop
from bench.pipeline_mail import prepare
from store.db import make_engine, sessions, upgrade
from store.models import Case, IntakeRecord, OutboxMessage
from tests.support.real_mail import prepare_store

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
LIVENESS = {"heartbeat_seconds": 1, "stale_seconds": 4, "lease_seconds": 300, "workers": 2}


def _replica(bench: Bench, config: Path, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MAILBOT_HOSTNAME": name}
    log = open(bench.work / f"{name}.log", "ab")  # noqa: SIM115 - the process holds it
    return subprocess.Popen([sys.executable, "-m", "mailbot", "--config", str(config), "run"], cwd=bench.work,
                            env=env, stdout=log, stderr=subprocess.STDOUT)


def _replies(bench: Bench) -> int:
    assert bench.smtp is not None
    return sum(1 for r in bench.smtp.messages() if b"\nIn-Reply-To:" in r.content)


def _finished(engine: Engine, count: int) -> bool:
    """Every message recorded, and every reply either accepted by the server or, cut off by a kill after DATA
    began, shown to staff as uncertain (never resent)."""
    with sessions(engine)() as session:
        intake = Counter(session.scalars(select(IntakeRecord.status)))
        outbox = Counter(session.scalars(select(OutboxMessage.status)))
    return intake["done"] == count and not (outbox["pending"] or outbox["sending"] or outbox["transmitting"])


def _all_done(engine: Engine, keys: set[str]) -> bool:
    if not keys:
        return True
    with sessions(engine)() as session:
        return set(session.scalars(select(IntakeRecord.status).where(IntakeRecord.key.in_(keys)))) == {"done"}


def _fresh_database() -> tuple[str, str]:
    name = f"mailbot_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False), name


def _drop_database(name: str) -> None:
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--store-url", default=None)
    args = parser.parse_args()
    url, made = (args.store_url, None) if args.store_url else _fresh_database()
    engine = make_engine(url)
    upgrade(engine)
    load_before = os.getloadavg()
    try:
        with Bench(kind="pipeline") as bench:
            assert bench.dovecot is not None and bench.smtp is not None
            config = bench.write_config(store_url=url, batch_size=20, extra={**prepare(bench), "daemon": LIVENESS})
            prepare_store(config)
            messages = bench.messages(args.messages)
            with bench.dovecot.client(None) as client:
                for raw in messages:
                    client.append("INBOX", raw)
            names = ["replica-a", "replica-b"]
            began = time.monotonic()
            procs = {name: _replica(bench, config, name) for name in names}
            # Kills at evenly spread points of the backlog, alternating replicas.
            marks = [args.messages * (i + 1) // (args.kills + 1) for i in range(args.kills)]
            kills: list[dict[str, object]] = []
            waiting: dict[int, tuple[set[str], float]] = {}  # kill -> (the keys it held, when)
            deadline = began + 600
            try:
                while not _finished(engine, args.messages) and time.monotonic() < deadline:
                    if len(kills) < len(marks) and _replies(bench) >= marks[len(kills)]:
                        name = names[len(kills) % 2]
                        victim = procs[name]
                        victim.send_signal(signal.SIGKILL)
                        victim.wait(10)
                        with sessions(engine)() as session:
                            held = set(session.scalars(select(IntakeRecord.key).where(
                                IntakeRecord.status == "claimed",
                                IntakeRecord.lease_owner.like(f"%:{victim.pid}:%"))))
                        waiting[len(kills)] = (held, time.monotonic())
                        kills.append({"replica": name, "at_reply": _replies(bench), "claims_held": len(held),
                                      "at_seconds": round(time.monotonic() - began, 1)})
                        procs[name] = _replica(bench, config, name)  # restarted at once
                    for index, (held, killed_at) in list(waiting.items()):
                        if _all_done(engine, held):
                            kills[index]["held_answered_after_seconds"] = round(time.monotonic() - killed_at, 1)
                            del waiting[index]
                    time.sleep(0.1)
                elapsed = time.monotonic() - began
            finally:
                for proc in procs.values():
                    stop(proc)
            load_after = os.getloadavg()
            with sessions(engine)() as session:
                intake = Counter(session.scalars(select(IntakeRecord.status)))
                cases = len(set(session.scalars(select(Case.message_row_id))))
                outbox = Counter(session.scalars(select(OutboxMessage.status)))
            delivered = Counter(bench.smtp.message_ids())
            in_reply_to = Counter(" ".join(str(r.message.get("In-Reply-To", "")).split())
                                  for r in bench.smtp.messages() if r.message.get("In-Reply-To"))
            print(json.dumps({
                "messages": args.messages, "kills": len(kills), "replies_accepted": _replies(bench),
                "seconds_until_every_message_answered": round(elapsed, 1),
                "messages_recorded_once": cases, "intake": dict(intake), "outbox": dict(outbox),
                "mails_sent_twice": sum(1 for n in delivered.values() if n > 1),
                "messages_answered_twice": sum(1 for n in in_reply_to.values() if n > 1),
                "claims_held_at_kills": sum(int(str(k["claims_held"])) for k in kills),
                "slowest_take_over_seconds": max((float(str(k.get("held_answered_after_seconds", 0)))
                                                  for k in kills), default=0.0),
                "kill_log": kills,
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in load_after],
                "cpus": os.cpu_count(),
            }, indent=2))
    finally:
        engine.dispose()
        if made:
            _drop_database(made)


if __name__ == "__main__":
    main()
