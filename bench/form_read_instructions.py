"""A callgrind target for the instructions a form read costs, by kind of form (bench_form_cpu's kinds: "filled",
"flattened", "real-world"): each PDF of the kind read once to warm up, then READS times more, in process with the
lean reader as the child reads. Run it with 0 and with N reads; the difference over N (and over the kind's files)
is the instructions per read, whatever the machine's load:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python -m bench.form_read_instructions filled 0
    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python -m bench.form_read_instructions filled 4
    # ("Collected : ..." in each; (second - first) / 4, divided by the kind's files for "real-world")
"""

from __future__ import annotations

import argparse

from bench.bench_form_cpu import fixtures
from parsers.forms.reading import read_form


def main() -> None:
    parser = argparse.ArgumentParser(description="read one kind of form READS times (a callgrind target)")
    parser.add_argument("kind", choices=["filled", "flattened", "real-world"])
    parser.add_argument("reads", type=int)
    args = parser.parse_args()
    pdfs = next(pdfs for name, pdfs in fixtures().items() if name.startswith(args.kind))
    for pdf in pdfs:
        read_form(pdf, lean=True)
    for _ in range(args.reads):
        for pdf in pdfs:
            read_form(pdf, lean=True)
    print(f"{args.kind}: {len(pdfs)} file(s), read {args.reads} time(s) after one warm-up read")


if __name__ == "__main__":
    main()
