"""CPU a form read costs the form-reading child (mailbot.processing.form_reader_child), by kind of form: a filled form
of ours, the same flattened, and the real tools' forms of tests/forms/other_tools (those a lean child reads: not the
scans, not the pages whose fonts give no letters, which go to OCR). The child's CPU is read from /proc before and
after (user + system time, whatever else the machine runs), so it is much steadier than wall-clock time on a shared
machine; the in-process read_form CPU alongside (the parser's own share, without the child's preloaded heap).

    .venv/bin/python -m bench.bench_form_cpu [--reads 150] [--rounds 3]

A/B: run it from each checkout's own venv (the child runs the code its venv has installed), alternately, and compare
the medians; `valgrind --tool=callgrind` on a script reading a form N times gives instruction counts for finer
differences.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
from pathlib import Path

from mailbot.processing.sandbox import FormReader
from parsers.forms.reading import read_form
from tests.support import forms_fixtures as fx

OTHER_TOOLS = Path(__file__).resolve().parent.parent / "tests" / "forms" / "other_tools"
TICKS = os.sysconf("SC_CLK_TCK")
WARM_UP = 3


def fixtures() -> dict[str, list[bytes]]:
    """Kind of form -> the PDFs read in turn for it."""
    real = [path.read_bytes() for path in sorted(OTHER_TOOLS.glob("*.pdf"))
            if "scanned" not in path.name and "no-tounicode" not in path.name]
    return {"filled": [fx.filled_form("gp", fx.GOOD_VALUES, "ink")],
            "flattened": [fx.filled_form("gp", fx.GOOD_VALUES, "ink", flatten=True)],
            f"real-world ({len(real)} files)": real}


def child_cpu_seconds(pid: int) -> float:
    """The process's user + system CPU so far (/proc/PID/stat fields 14 and 15, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_ms_per_read(reader: FormReader, pdfs: list[bytes], reads: int) -> float:
    for pdf in pdfs[:WARM_UP] * WARM_UP:
        reader.read(pdf)
    (pid,) = reader.pids()
    before = child_cpu_seconds(pid)
    for i in range(reads):
        reader.read(pdfs[i % len(pdfs)])
    if reader.pids() != [pid]:
        raise RuntimeError("the child was replaced while it was measured")
    return (child_cpu_seconds(pid) - before) * 1000 / reads


def in_process_ms_per_read(pdfs: list[bytes], reads: int) -> float:
    for pdf in pdfs[:WARM_UP]:
        read_form(pdf)
    before = own_cpu_seconds()
    for i in range(reads):
        read_form(pdfs[i % len(pdfs)])
    return (own_cpu_seconds() - before) * 1000 / reads


def main() -> None:
    parser = argparse.ArgumentParser(description="CPU ms a form read costs the form-reading child")
    parser.add_argument("--reads", type=int, default=150, help="reads of each kind per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (the kinds taken in turn in each)")
    args = parser.parse_args()
    forms = fixtures()
    child: dict[str, list[float]] = {name: [] for name in forms}
    local: dict[str, list[float]] = {name: [] for name in forms}
    with FormReader(workers=1) as reader:  # one lean child, as the daemon starts them
        for _ in range(args.rounds):
            for name, pdfs in forms.items():
                child[name].append(child_ms_per_read(reader, pdfs, args.reads))
                local[name].append(in_process_ms_per_read(pdfs, args.reads))
        if reader.upgraded or reader.replaced:
            raise RuntimeError("a child went full or was replaced: the figures would mix two children")
    print(f"{args.reads} reads of each kind a round, {args.rounds} rounds; CPU ms a read, median of the rounds "
          f"(each round's in brackets)")
    for name in forms:
        shown = ", ".join(f"{ms:.2f}" for ms in child[name])
        print(f"{name:26} child {statistics.median(child[name]):7.2f} ({shown})   "
              f"in process {statistics.median(local[name]):7.2f}")


if __name__ == "__main__":
    main()
