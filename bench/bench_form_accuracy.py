"""How well scanned and photographed forms are read by OCR (SPEC 9), through the real sandbox (FormReader: child
processes with their limits): seeded generated forms in five layouts (four of other people's, tests/support/
foreign_forms.py, and ours printed flat), A4 and Letter, half of them signed by hand, sent as

  scan 150/200/300 dpi  a PDF of page images (turned up to ±3°, speckle, JPEG quality 40-90; some with page 2)
  photo                 a phone photo as a JPEG (perspective, light falling off to one side, blur)
  picture 200 dpi       a scan sent as a PNG, a TIFF or a JPEG picture

Per method: the share of fields read exactly, left empty for staff (unsure, or not found) and read wrong; the
signed/unsigned confusion (a box with some ink, less than a clear signature, goes to staff: "to staff" of the
signed boxes, "blank->staff" of the blank ones); time per read (median, p95: one page read by OCR, child process
included, with --workers children reading side by side); the children's peak memory. Run from the repository root:

    .venv/bin/python bench/bench_form_accuracy.py [--count 300] [--workers 2] [--method "scan 200 dpi"]...
        [--layout table]... [--show-wrong] [--show-empty]

--method and --layout (repeatable) read only forms sent that way or of that layout: the same seeded forms a run
over all of them reads, --count of them. --show-wrong lists each value read wrong, --show-empty each field left
empty and why.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mailbot.processing.sandbox import FormReader  # noqa: E402
from parsers.form_template import PAGE_HEIGHT, SIGNATURE_BOX  # noqa: E402
from parsers.forms.result import FormReading  # noqa: E402
from tests.support import scanned_forms as sf  # noqa: E402
from tests.support.foreign_forms import foreign_form, made_up_values  # noqa: E402
from tests.support.forms_fixtures import filled_form  # noqa: E402

LAYOUTS = ("table", "stacked", "two_columns", "lines", "ours")
METHODS = ("scan 150 dpi", "scan 200 dpi", "scan 300 dpi", "photo (JPEG)", "picture 200 dpi")


@dataclass(frozen=True)
class Sample:
    seed: int
    method: str
    layout: str
    data: bytes
    values: dict[str, str]
    signed: bool


def method_of(seed: int) -> str:
    return METHODS[seed % len(METHODS)]


def layout_of(seed: int) -> str:
    return LAYOUTS[(seed // len(METHODS)) % len(LAYOUTS)]


def make_sample(seed: int) -> Sample:
    rng = random.Random(seed)
    method, layout = method_of(seed), layout_of(seed)
    signed = rng.random() < 0.5
    if layout == "ours":
        values = made_up_values(seed)
        pdf = filled_form("gp", values, flatten=True)
        box, height = SIGNATURE_BOX, PAGE_HEIGHT
    else:
        form = foreign_form(layout, rng.choice(("a4", "letter")), seed=seed)
        pdf, values, box, height = form.pdf, form.values, form.box, sf.page_height(form.pdf)
    dpi = {"scan 150 dpi": 150, "scan 300 dpi": 300}.get(method, 200)
    page = sf.rendered(pdf, dpi)
    if signed:
        page = sf.hand_signed(page, box, height, dpi, seed)
    if method == "photo (JPEG)":
        data = sf.as_picture(sf.photographed(page, seed, jpeg_quality=rng.randint(60, 90)), "JPEG", quality=90)
        return Sample(seed, method, layout, data, values, signed)
    scan = sf.scanned(page, seed, angle=rng.uniform(-3, 3), speckle=rng.uniform(0, 0.002),
                      jpeg_quality=rng.randint(40, 90))
    if method == "picture 200 dpi":
        fmt = rng.choice(("PNG", "TIFF", "JPEG"))
        return Sample(seed, method, layout, sf.as_picture(scan, fmt, dpi=dpi, quality=90), values, signed)
    pages = [scan] + ([sf.scanned(sf.rendered(pdf, dpi, 1), seed + 1)] if rng.random() < 0.3 else [])
    return Sample(seed, method, layout, sf.as_pdf(pages, dpi), values, signed)


@dataclass
class Tally:
    exact: int = 0
    empty: int = 0
    wrong: int = 0
    unreadable: int = 0
    signed_found: int = 0  # of the signed boxes: called signed ("found"), sent to staff, or called unsigned
    signed_missed: int = 0
    blank_called_signed: int = 0
    blank_unsigned: int = 0
    signed_unsure: int = 0  # some ink, less than a clear signature: staff look (form.uncertain)
    blank_unsure: int = 0

    def add(self, sample: Sample, reading: FormReading, wrongs: list[str], empties: list[str]) -> None:
        if reading.status != "read":
            self.unreadable += 1
            self.empty += len(sample.values)
            problems = "; ".join(reading.problems)
            empties.append(f"{sample.method} {sample.layout} seed {sample.seed}: unreadable: {problems}")
        else:
            for name, value in sample.values.items():
                got = reading.fields.get(name, "")
                where = f"{sample.method} {sample.layout} seed {sample.seed} {name}"
                if got == value:
                    self.exact += 1
                elif not got:
                    self.empty += 1
                    read = reading.field_reads.get(name)
                    how = "no label found" if read is None else (
                        f"unsure, confidence {read.confidence}" if read.unsure else "nothing beside its label")
                    empties.append(f"{where}: empty ({how}) for {value!r}")
                else:
                    self.wrong += 1
                    wrongs.append(f"{where}: read {got!r} for {value!r}")
        said_signed = reading.status == "read" and reading.mark_over_box
        unsure = reading.status == "read" and reading.mark_unsure
        if sample.signed:
            self.signed_found += said_signed
            self.signed_unsure += unsure
            self.signed_missed += not said_signed and not unsure
        else:
            self.blank_called_signed += said_signed
            self.blank_unsure += unsure
            self.blank_unsigned += not said_signed and not unsure


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description="accuracy and speed of reading scanned forms by OCR")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--method", action="append", choices=METHODS,
                        help="read only forms sent this way (repeatable); --count then counts those")
    parser.add_argument("--layout", action="append", choices=LAYOUTS,
                        help="read only forms of this layout (repeatable); --count then counts those")
    parser.add_argument("--show-wrong", action="store_true", help="list each value read wrong")
    parser.add_argument("--show-empty", action="store_true", help="list each field left empty, and why")
    args = parser.parse_args()
    started = time.perf_counter()
    chosen = set(args.method or METHODS)
    seeds = [seed for seed in range(len(METHODS) * len(LAYOUTS) * args.count)
             if method_of(seed) in chosen and (not args.layout or layout_of(seed) in args.layout)]
    samples = [make_sample(seed) for seed in seeds[:args.count]]
    made = time.perf_counter() - started
    tallies: dict[str, Tally] = defaultdict(Tally)
    times: dict[str, list[float]] = defaultdict(list)
    wrongs: list[str] = []
    empties: list[str] = []
    load_before = os.getloadavg()
    with FormReader(workers=args.workers, timeout=30.0) as reader:
        def read(sample: Sample) -> tuple[Sample, FormReading, float]:
            begun = time.perf_counter()
            reading = reader.read(sample.data)
            return sample, reading, time.perf_counter() - begun

        with ThreadPoolExecutor(args.workers) as pool:
            for sample, reading, spent in pool.map(read, samples):
                tallies[sample.method].add(sample, reading, wrongs, empties)
                times[sample.method].append(spent)
        peaks = [_peaks(pid) for pid in reader.pids()]
        cpu = sum(_cpu_seconds(pid) for pid in reader.pids())
    load_after = os.getloadavg()
    print(f"{len(samples)} forms ({made:.0f} s to make them), {args.workers} reading children; load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after, on {os.cpu_count()} cores")
    header = (f"{'method':<17}{'forms':>6}{'exact':>8}{'empty':>8}{'wrong':>8}{'unread':>7}{'signed found':>14}"
              f"{'to staff':>10}{'blank->signed':>15}{'blank->staff':>14}{'median s':>10}{'p95 s':>8}")
    print(header)
    for method in METHODS:
        t, spent = tallies[method], times[method]
        if not spent:
            continue
        fields = t.exact + t.empty + t.wrong
        print(f"{method:<17}{len(spent):>6}{100 * t.exact / fields:>7.1f}%{100 * t.empty / fields:>7.1f}%"
              f"{100 * t.wrong / fields:>7.2f}%{t.unreadable:>7}"
              f"{f'{t.signed_found}/{t.signed_found + t.signed_missed}':>14}"
              f"{t.signed_unsure:>10}"
              f"{f'{t.blank_called_signed}/{t.blank_called_signed + t.blank_unsure + t.blank_unsigned}':>15}"
              f"{t.blank_unsure:>14}"
              f"{statistics.median(spent):>10.2f}{percentile(spent, 0.95):>8.2f}")
    every = [s for spent in times.values() for s in spent]
    print(f"all: median {statistics.median(every):.2f} s, p95 {percentile(every, 0.95):.2f} s per read (wall, with "
          f"the load above); the children's CPU time {cpu / len(every):.2f} s a read on average (children "
          f"replaced after a limit are not counted: then this is low)")
    for pid, (rss, virtual) in zip(reader.pids() or range(len(peaks)), peaks, strict=False):
        print(f"child {pid}: peak RSS {rss / 1024:.0f} MB, peak address space {virtual / 1024:.0f} MB")
    print(f"values read wrong: {len(wrongs)}; fields left empty: {len(empties)}")
    for line in wrongs if args.show_wrong else ():
        print("WRONG", line)
    for line in empties if args.show_empty else ():
        print("EMPTY", line)


def _cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a child has used so far: what reading cost whatever else the machine ran."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peaks(pid: int) -> tuple[int, int]:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    value = {line.split(":")[0]: int(line.split()[1]) for line in status if line.startswith(("VmHWM", "VmPeak"))}
    return value.get("VmHWM", 0), value.get("VmPeak", 0)


if __name__ == "__main__":
    main()
