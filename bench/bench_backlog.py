"""Backlog throughput: N messages waiting in Dovecot when the daemon starts, timed until every reply has been
accepted by the SMTP server; beside it the in-process floor (the same handling with no IMAP, SMTP or scheduler)
and the daemon's peak RSS.

    .venv/bin/python -m bench.bench_backlog --messages 1000 [--kind simple|pipeline] [--store-url URL]
        [--workers N] [--read-ahead N] [--mix requests|all] [--trace-sql] [--daemons N] [--processes N]
        [--floor-only [--cases-in-store N[,N...]] [--rounds R] [--postgres URL]]

Beside the rates, the SQL statements per message by kind of case (in the floor run: bench/sql_count.py), the
figure that does not move with the machine's load. `--floor-only` skips the daemon (no Dovecot run);
`--trace-sql` prints one message's statements of each kind. The floor claims `--batch-size` messages in one
transaction, as the daemon claims each batch it fetches (`--batch-size 1`: each message alone, the floor of
before). `--mix all` (pipeline) adds every other kind of case to the permission requests and forms: a
signatory's confirmation, an Open Exeter notice, an unprocessable message.
`--postgres URL` runs the daemons and the floor each on a database of its own made on that server (dropped
afterwards).
`--daemons N` starts N `mailbot run` processes on the one config and store (replicas on one host, each its own
owner id); `--processes N` one `mailbot run` with `[daemon] processes = N` (its supervisor keeps N daemons);
`--sender-process` sets `[daemon] sender_process` (the outbox sent by a process of its own). The figures say how
the mails were shared out among the senders and whether any message was answered twice, and each role's own CPU
a message and largest peak RSS (intake, sender, supervisor, other: the form readers).

Targets (issues 6 and 15, 2-core machine): at least 150 messages/s and at least half the floor; peak RSS under
200 MB; the floor no more than 10% slower with 1,000,000 cases in the store than with none (the store-size table
gives the floor's CPU time a message beside its rate: on a shared machine the steadier of the two; each store is
filled by a process of its own, as a daemon's store is).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from statistics import median

from bench.common import (
    Bench,
    add_daemon_arguments,
    by_role_figures,
    daemon_section,
    family_by_role,
    family_cpu_seconds,
    family_memory_mb,
    machine_cpu,
    peak_rss_mb,
    stop,
)
from bench.floor import Floor, floor_rate

TARGETS = {"messages_per_second": 150, "share_of_floor": 0.5, "peak_rss_mb": 200, "share_of_first": 0.9}


@dataclass
class _Replies:
    """Replies (not notices) accepted so far: one per message handled. Each mail is looked at once: the SMTP
    server runs in this process, and scanning every mail again each time round slowed it down with 10,000."""

    bench: Bench
    looked_at: int = 0
    count: int = 0

    def __call__(self) -> int:
        assert self.bench.smtp is not None
        new = self.bench.smtp.messages()[self.looked_at:]
        self.looked_at += len(new)
        self.count += sum(1 for r in new if b"\nIn-Reply-To:" in r.content)
        return self.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    add_daemon_arguments(parser)
    parser.add_argument("--kind", choices=["simple", "pipeline"], default="simple")
    parser.add_argument("--store-url", default=None)
    parser.add_argument("--batch-size", type=int, default=100,
                        help="messages the daemon fetches and claims at a time ([imap] batch_size); the floor claims "
                             "as many in one transaction (1: each message alone, as the floor did before)")
    parser.add_argument("--daemons", type=int, default=1, help="this many `mailbot run` processes on one store")
    parser.add_argument("--floor-only", action="store_true", help="the in-process floor alone, no daemon")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --floor-only: measure each store this many times (fresh messages each time)")
    parser.add_argument("--trace-sql", action="store_true", help="print one message's statements of each kind")
    parser.add_argument("--mix", choices=["requests", "all"], default="requests",
                        help="pipeline: permission requests and forms, or every kind of case")
    parser.add_argument("--postgres", default=None, metavar="URL",
                        help="the daemons' store and the floor's, each a new database on this PostgreSQL server "
                             "(dropped at the end)")
    parser.add_argument("--cases-in-store", default="0",
                        help="with --floor-only: the store first holds this many old cases (bench/store_fill.py); "
                             "several, comma-separated (0,100000,1000000), make a table, a fresh store each")
    args = parser.parse_args()
    if args.floor_only:
        floor_only(args)
        return
    expected = args.messages  # one reply to each message (approved permission requests also notify the user)
    daemon = daemon_section(args)
    load_before = _load()
    with Bench(kind=args.kind, mix=args.mix) as bench, ExitStack() as stores:
        floor_url = None
        if args.postgres:  # the daemons' store and the floor's, each a new database on that server
            args.store_url = stores.enter_context(_database(args.postgres))
            floor_url = stores.enter_context(_database(args.postgres))
        assert bench.dovecot is not None and bench.smtp is not None
        if args.store_url:  # an empty PostgreSQL database: give it the schema first
            from store.db import make_engine, upgrade
            engine = make_engine(args.store_url)
            upgrade(engine)
            engine.dispose()
        if args.kind == "pipeline":
            from bench.pipeline_mail import prepare
            from tests.support.real_mail import prepare_store
            prepare_store(bench.write_config(store_url=args.store_url, batch_size=args.batch_size,
                                             extra={**prepare(bench), "daemon": daemon}))
        else:
            bench.write_config(store_url=args.store_url, batch_size=args.batch_size,
                               extra={"daemon": daemon})
        messages = bench.messages(args.messages)
        with bench.dovecot.client(None) as client:
            for raw in messages:
                client.append("INBOX", raw)
        began, machine_began = time.monotonic(), machine_cpu()
        procs = [bench.start_daemon() for _ in range(args.daemons)]
        replies = _Replies(bench)
        peak = 0.0
        try:
            deadline = began + max(600, args.messages / 2)  # a slow, shared machine: 2 messages/s at least
            while replies() < expected and time.monotonic() < deadline:
                time.sleep(0.1)
                peak = max(peak, sum(peak_rss_mb(p.pid) for p in procs))
            elapsed = time.monotonic() - began
            received = [r for r in bench.smtp.messages() if r.message.get("In-Reply-To")]
            first = min(r.at for r in received) if received else began
            last = max(r.at for r in received) if received else began
            family_peak, family_pss = family_memory_mb([p.pid for p in procs])
            cpu = family_cpu_seconds([p.pid for p in procs])
            roles = family_by_role([p.pid for p in procs])
            busy, idle = (now - then for now, then in zip(machine_cpu(), machine_began, strict=True))
            shares = _sent_by(args.store_url or f"sqlite:///{bench.work / 'store.db'}")
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                stop(proc)
        found = floor_rate(bench, messages, floor_url, trace=args.trace_sql, claim_batch=args.batch_size)
        floor = found.rate
        rate = len(received) / elapsed if elapsed else 0.0
        steady = (len(received) - 1) / (last - first) if last > first else 0.0
        print(json.dumps({
            "kind": args.kind, "messages": args.messages, "replies_accepted": len(received),
            "seconds_from_start": round(elapsed, 2), "messages_per_second": round(rate, 1),
            "messages_per_second_after_first_reply": round(steady, 1),
            "floor_messages_per_second": round(floor, 1),
            "share_of_floor": round(rate / floor, 2) if floor else None,
            "peak_rss_mb": round(peak, 1), "peak_rss_mb_with_children": round(family_peak, 1),
            "pss_mb_with_children_at_end": round(family_pss, 1),
            "daemons_cpu_ms_per_message": round(1000 * cpu / max(1, len(received)), 1),
            "machine_busy_share": round(busy / (busy + idle), 2) if busy + idle else None,
            **by_role_figures(roles, len(received)),
            "daemons": args.daemons, "processes": args.processes, "sender_process": args.sender_process,
            "mails_sent_by_each_daemon": shares,
            "messages_answered_twice": sum(1 for n in Counter(r.message["In-Reply-To"] for r in received).values()
                                           if n > 1),
            "workers": args.workers, "read_ahead": args.read_ahead,
            "store": "postgresql" if args.store_url else "sqlite", "targets": TARGETS,
            **_statements(found), "load_average_before": load_before, "load_average": _load(),
        }, indent=2))
        _print_trace(found)


def floor_only(args: argparse.Namespace) -> None:
    bench = Bench(kind=args.kind, mix=args.mix)  # not entered: no Dovecot or SMTP server
    stores = ExitStack()  # with --postgres, a database of its own for each store size, dropped at the end
    try:
        if args.kind == "pipeline":
            from bench.pipeline_mail import prepare
            prepare(bench)
        sizes = [int(n) for n in str(args.cases_in_store).split(",")]
        rates: dict[int, list[float]] = {n: [] for n in range(len(sizes))}
        cpu: dict[int, list[float]] = {n: [] for n in range(len(sizes))}  # CPU ms a message: steadier than rates
        rows: dict[int, dict[str, object]] = {}
        urls = [stores.enter_context(_database(args.postgres)) or f"sqlite:///{bench.work / f'floor-{n}.db'}"
                for n in range(len(sizes))]
        for round_ in range(args.rounds):
            # Later rounds visit the stores in the other order, each with messages of its own, so that the
            # machine's load drifting (it is shared) weighs on every size alike.
            order = list(range(len(sizes)))[:: -1 if round_ % 2 else 1]
            for n in order:
                size = sizes[n]
                batch = bench.messages(args.messages, start=round_ * args.messages)
                found = floor_rate(bench, batch, urls[n], trace=args.trace_sql and n == 0 and round_ == 0,
                                   cases_in_store=size if round_ == 0 else 0, claim_batch=args.batch_size)
                rates[n].append(found.rate)
                cpu[n].append(found.cpu_ms_per_message)
                if round_ == 0:
                    rows[n] = {"cases_in_store": size, "fill_seconds": round(found.fill_seconds, 1),
                               **_statements(found)}
                    _print_trace(found)
                print(json.dumps({"kind": args.kind, "mix": args.mix, "messages": args.messages, "round": round_,
                                  "store": "postgresql" if args.postgres else "sqlite",
                                  "cases_in_store": size, "floor_messages_per_second": round(found.rate, 1),
                                  "floor_cpu_ms_per_message": found.cpu_ms_per_message,
                                  "load_average": _load()}), flush=True)
        for n in rows:
            rows[n]["floor_messages_per_second"] = [round(r, 1) for r in rates[n]]
            rows[n]["median"] = round(median(rates[n]), 1)
            rows[n]["share_of_first"] = round(median(rates[n]) / median(rates[0]), 2)
            rows[n]["floor_cpu_ms_per_message"] = cpu[n]
            rows[n]["cpu_ms_median"] = round(median(cpu[n]), 2)
            rows[n]["cpu_share_of_first"] = round(median(cpu[n]) / median(cpu[0]), 2)
            print(json.dumps(rows[n], indent=2))
        if len(sizes) > 1:
            print(f"| cases in store | fill (s) | floor messages/s, {args.rounds} rounds | median | share of the "
                  "first | CPU ms a message | median | against the first |")
            print("|---:|---:|---|---:|---:|---|---:|---:|")
            for row in rows.values():
                print(f"| {row['cases_in_store']:,} | {row['fill_seconds']} | "
                      f"{', '.join(str(r) for r in row['floor_messages_per_second'])} | {row['median']} | "
                      f"{row['share_of_first']} | {', '.join(str(c) for c in row['floor_cpu_ms_per_message'])} | "
                      f"{row['cpu_ms_median']} | {row['cpu_share_of_first']} |")
        print("load average at the end:", " ".join(str(x) for x in _load()))
    finally:
        stores.close()
        shutil.rmtree(bench.work, ignore_errors=True)


@contextmanager
def _database(server_url: str | None) -> Iterator[str | None]:
    """None (the floor's own SQLite file), or the URL of a new database on SERVER_URL's PostgreSQL, dropped when
    the block ends: the benchmark never writes into a database someone else uses."""
    if server_url is None:
        yield None
        return
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from store.db import make_engine
    name = f"mailbot_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sent_by(store_url: str) -> list[int]:
    """How many mails each daemon sent (outbox rows by the sender that claimed them), most first."""
    from sqlalchemy import func, select

    from store.db import make_engine, sessions
    from store.models import OutboxMessage
    engine = make_engine(store_url)
    try:
        with sessions(engine)() as session:
            counts = session.execute(select(OutboxMessage.claimed_by, func.count()).group_by(OutboxMessage.claimed_by))
            return sorted((n for _, n in counts), reverse=True)
    finally:
        engine.dispose()


def _statements(found: Floor) -> dict[str, object]:
    return {"sql_statements_per_message": found.statements_per_message(),
            "sql_statements_per_intake_claim": round(found.claim_statements, 2), "claim_batch": found.claim_batch}


def _print_trace(found: Floor) -> None:
    for kind, texts in found.examples.items():
        print(f"-- {kind}: {len(texts)} statements")
        for text in texts:
            print("   ", text)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


if __name__ == "__main__":  # the forms sandbox starts child processes: they must not run this again
    main()
