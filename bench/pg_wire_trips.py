"""PostgreSQL round trips a message over all of a daemon's threads (poll, read-ahead, outbox sender, heartbeat):
bench_backlog's daemon run under strace, every byte it sends to and receives from port 5432 parsed as PostgreSQL's
wire protocol. A round trip is one ReadyForQuery from the server (the client waited for everything it had sent to
be answered: a simple query, a pipeline's Sync); each is named by the statements it answered, so the table says
which kinds of round trip a message costs ("(nothing)": psycopg preparing a statement outside a pipeline, a Sync
of its own). Counts hardly move with the machine's load (the rate under strace does): only the size of the groups
of recordings does (a group ends at a message whose reading is not finished), by a few hundredths a message.

    .venv/bin/python -m bench.pg_wire_trips --messages 300 --read-ahead 4 \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test [--top 40] [any bench_backlog option]

The floor run is skipped (its figures come out as zeros). Needs strace (ptrace allowed).
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

_LINE = re.compile(r'^(\d+)\s+(sendto|recvfrom|write|read)\((\d+)<TCP:\[[\d.:]+:(\d+)->[\d.:]+:5432\]>, '
                   r'"((?:[^"\\]|\\.)*)"')
_UNFINISHED = re.compile(r'^(\d+)\s+(recvfrom|read)\(\d+<TCP:\[[\d.:]+:(\d+)->[\d.:]+:5432\]>,\s+<unfinished')
_RESUMED = re.compile(r'^(\d+)\s+<\.\.\. (recvfrom|read) resumed>\s*"((?:[^"\\]|\\.)*)"')
_NEGOTIATIONS = (80877103, 80877104)  # SSLRequest, GSSENCRequest: answered by one byte, not a message
_STARTUP = 196608  # protocol 3.0


def _bytes(escaped: str) -> bytes:
    return bytes(int(h, 16) for h in re.findall(r"\\x([0-9a-f]{2})", escaped))


def _words(sql: str) -> str:
    """A statement's kind: its first words, names of tables kept, literals dropped."""
    sql = " ".join(sql.split())
    match = re.match(r"(?i)(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|BEGIN|COMMIT|ROLLBACK)\b", sql)
    if match:
        return match.group(1).upper()
    match = re.match(r"(?i)(INSERT INTO \S+|UPDATE \S+|DELETE FROM \S+|SELECT .*? FROM \S+|SELECT \S+|WITH \S+)",
                     sql)
    return (match.group(1) if match else sql[:40])[:70]


class _Connection:
    """One connection's two streams, parsed as they come."""

    def __init__(self) -> None:
        self.out = b""
        self.inn = b""
        self.started = False
        self.negotiations = 0
        self.names: dict[str, str] = {}  # prepared statement -> its kind
        self.pending: list[str] = []  # kinds of statement sent since the last ReadyForQuery
        self.unnamed = ""

    def sent(self, data: bytes) -> None:
        self.out += data
        while True:
            if not self.started:
                if len(self.out) < 8:
                    return
                length, code = struct.unpack("!ii", self.out[:8])
                if len(self.out) < length:
                    return
                self.out = self.out[length:]
                if code in _NEGOTIATIONS:
                    self.negotiations += 1
                elif code == _STARTUP:
                    self.started = True
                continue
            if len(self.out) < 5:
                return
            kind = chr(self.out[0])
            length = struct.unpack("!i", self.out[1:5])[0]
            if len(self.out) < 1 + length:
                return
            body, self.out = self.out[5:1 + length], self.out[1 + length:]
            if kind == "Q":
                self.pending.append(_words(body.split(b"\0")[0].decode(errors="replace")))
            elif kind == "P":
                name, sql = body.split(b"\0")[:2]
                words = _words(sql.decode(errors="replace"))
                if name:
                    self.names[name.decode()] = words
                else:
                    self.unnamed = words
            elif kind == "B":
                name = body.split(b"\0")[1].decode()
                self.pending.append(self.names.get(name, "?") if name else self.unnamed)

    def received(self, data: bytes) -> Iterator[tuple[str, ...]]:
        self.inn += data
        while self.negotiations and self.inn:
            self.inn = self.inn[1:]
            self.negotiations -= 1
        while len(self.inn) >= 5:
            kind = chr(self.inn[0])
            length = struct.unpack("!i", self.inn[1:5])[0]
            if len(self.inn) < 1 + length:
                return
            self.inn = self.inn[1 + length:]
            if kind == "Z":
                yield tuple(self.pending)
                self.pending = []


def count(trace: Path) -> tuple[int, Counter[tuple[str, ...]]]:
    """The round trips in TRACE (strace -f -yy -xx), and how many of each kind."""
    connections: dict[str, _Connection] = {}
    kinds: Counter[tuple[str, ...]] = Counter()
    waiting: dict[str, str] = {}  # thread -> the port of its receive under way (strace prints its data later)
    total = 0
    with trace.open() as lines:
        for line in lines:
            match = _LINE.match(line)
            if match:
                _pid, call, _fd, port, escaped = match.groups()
            elif (unfinished := _UNFINISHED.match(line)) is not None:
                waiting[unfinished.group(1)] = unfinished.group(3)
                continue
            elif (resumed := _RESUMED.match(line)) is not None and resumed.group(1) in waiting:
                port, call, escaped = waiting.pop(resumed.group(1)), "recvfrom", resumed.group(3)
            else:
                continue
            connection = connections.setdefault(port, _Connection())
            data = _bytes(escaped)
            if call in ("sendto", "write"):
                connection.sent(data)
            else:
                for answered in connection.received(data):
                    total += 1
                    kinds[answered] += 1
    return total, kinds


def report(total: int, kinds: Counter[tuple[str, ...]], messages: int, top: int, trace: Path) -> None:
    print(json.dumps({"pg_round_trips": total, "messages": messages,
                      "pg_round_trips_per_message": round(total / messages, 2), "trace": str(trace)}))
    for answered, n in kinds.most_common(top):
        print(f"{n / messages:7.3f}/msg  {n:6d}  {' | '.join(answered) or '(nothing)'}")


def main(argv: Sequence[str]) -> None:
    top = 40
    args = list(argv)
    if "--top" in args:
        at = args.index("--top")
        top = int(args[at + 1])
        del args[at:at + 2]
    messages = int(args[args.index("--messages") + 1]) if "--messages" in args else 1000
    trace = Path(tempfile.mkdtemp(prefix="pg_wire_trips_")) / "strace.txt"

    from bench import bench_backlog, common
    from bench.floor import Floor

    started = common.Bench.start_daemon
    tracers: list[subprocess.Popen[bytes]] = []

    def traced(self: common.Bench, runner: Sequence[str] = ("mailbot",)) -> subprocess.Popen[bytes]:
        proc = started(self, runner)
        command = ["strace", "-f", "-yy", "-xx", "-s", "1000000", "-o", str(trace),
                   "-e", "trace=sendto,recvfrom,read,write", "-p", str(proc.pid)]
        strace = subprocess.Popen(command, stderr=subprocess.DEVNULL)  # noqa: S603,S607 - strace on PATH
        tracers.append(strace)
        return proc

    common.Bench.start_daemon = traced  # type: ignore[method-assign]
    bench_backlog.Bench.start_daemon = traced  # type: ignore[method-assign]
    bench_backlog.floor_rate = lambda *_a, **_k: Floor(rate=0.0)  # type: ignore[assignment]
    sys.argv = ["bench_backlog", "--kind", "pipeline", *args]
    bench_backlog.main()
    for strace in tracers:
        strace.wait()
    report(*count(trace), messages, top, trace)


if __name__ == "__main__":
    main(sys.argv[1:])
