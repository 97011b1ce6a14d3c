"""Time to read one form, child process included (FormReader.read: send, parse, render the box, answer), for filled
and flattened forms; the in-process read_form time alongside; the children's resident memory after text forms and
after a scan (children start lean and are replaced by full ones for a scan or a digital signature: see
mailbot/processing/sandbox.py). Run from the repository root:

    .venv/bin/python bench/bench_forms.py [--count 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mailbot.processing.sandbox import FormReader  # noqa: E402
from parsers.forms.reading import read_form  # noqa: E402
from tests.support import forms_fixtures as fx  # noqa: E402
from tests.support.foreign_forms import foreign_form  # noqa: E402
from tests.support.foreign_marks import signed  # noqa: E402


def timings(read: Callable[[bytes], object], pdf: bytes, count: int) -> list[float]:
    read(pdf)  # warm up
    spent = []
    for _ in range(count):
        started = time.perf_counter()
        read(pdf)
        spent.append(time.perf_counter() - started)
    return spent


def summary(spent: list[float]) -> str:
    ordered = sorted(spent)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"median {statistics.median(ordered) * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms"


def children_rss(reader: FormReader) -> str:
    """Each child's resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    shown = []
    for pid in reader.pids():
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
        now, peak = (int(status[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM"))
        shown.append(f"{now:.0f} MB (peak {peak:.0f})")
    return ", ".join(shown)


def _foreign(layout: str, how: str) -> bytes:
    form = foreign_form(layout, "letter", seed=5)
    return signed(form.pdf, form.box, how)


def main() -> None:
    parser = argparse.ArgumentParser(description="time per form read, child process included")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    forms = {
        "filled (AcroForm), ink signature": fx.filled_form("gp", fx.GOOD_VALUES, "ink"),
        "flattened, ink signature": fx.filled_form("gp", fx.GOOD_VALUES, "ink", flatten=True),
        "another tool's layout, image": _foreign("table", "image"),
        "another tool's fillable form, ink": _foreign("fillable", "ink"),
        "filled, digitally signed": fx.filled_form("gp", fx.GOOD_VALUES, "digital"),  # last: children go full
    }
    started = time.perf_counter()
    with FormReader(workers=args.workers) as reader:
        print(f"pool of {args.workers} children started in {(time.perf_counter() - started) * 1000:.0f} ms")
        for name, pdf in forms.items():
            if name == "filled, digitally signed":
                print(f"{'children after the text forms':36} {children_rss(reader)}")
            print(f"{name:36} child: {summary(timings(reader.read, pdf, args.count))}   "
                  f"in process: {summary(timings(read_form, pdf, args.count))}   ({len(pdf):,} bytes)")
        print(f"{'children after digital signatures':36} {children_rss(reader)} ({reader.upgraded} made full)")
        scan = fx.image_only_scan(forms["filled (AcroForm), ink signature"])
        print(f"{'a scan read by OCR':36} child: {summary(timings(reader.read, scan, 2))}")
        print(f"{'children after a scan':36} {children_rss(reader)}")
        bomb = fx.decompression_bomb()
        print(f"{'decompression bomb, 1 GiB inflated':36} child: {summary(timings(reader.read, bomb, 10))}")
        os.kill(reader.pids()[0], signal.SIGKILL)
        time.sleep(0.05)
        spent = [0.0]
        for _ in range(args.workers):  # one of them meets the dead child and replaces it
            started = time.perf_counter()
            reader.read(forms["flattened, ink signature"])
            spent.append(time.perf_counter() - started)
        print(f"{'read that replaced a killed child':36} {max(spent) * 1000:.0f} ms (replaced {reader.replaced})")


if __name__ == "__main__":
    main()
