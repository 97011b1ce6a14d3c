"""A callgrind target for the instructions a form read costs, by kind of form (bench_form_cpu's kinds: "filled",
"flattened", "real-world"): each PDF of the kind read once to warm up, then READS times more, in process with the
lean reader as the child reads. Run it with 0 and with N reads; the difference over N (and over the kind's files)
is the instructions per read, whatever the machine's load:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python -m bench.form_read_instructions filled 0
    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python -m bench.form_read_instructions filled 4
    # ("Collected : ..." in each; (second - first) / 4, divided by the kind's files for "real-world")

--pdf FILE (repeatable) reads those files instead of the kind's: the same file read by two checkouts' code (a
filled form made by main's form builder read by a branch's reader, say) keeps a change to how the forms are made
apart from a change to how they are read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.bench_form_cpu import fixtures
from parsers.forms.reading import read_form


def main() -> None:
    parser = argparse.ArgumentParser(description="read one kind of form READS times (a callgrind target)")
    parser.add_argument("kind", choices=["filled", "flattened", "real-world"])
    parser.add_argument("reads", type=int)
    parser.add_argument("--pdf", type=Path, action="append", default=[], help="read this file instead (repeatable)")
    args = parser.parse_args()
    pdfs = [path.read_bytes() for path in args.pdf] or next(
        pdfs for name, pdfs in fixtures().items() if name.startswith(args.kind))
    for pdf in pdfs:
        read_form(pdf, lean=True)
    for _ in range(args.reads):
        for pdf in pdfs:
            read_form(pdf, lean=True)
    read = "--pdf" if args.pdf else args.kind
    print(f"{read}: {len(pdfs)} file(s), read {args.reads} time(s) after one warm-up read")


if __name__ == "__main__":
    main()
