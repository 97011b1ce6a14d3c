"""Readings of a corpus of forms, to show a change to the form reader reads every one of them the same (a CPU
saving must not change a reading): the committed PDFs under tests/forms, and generated ones: ours filled and signed
every way, flattened, printed over, edited after signing; other people's layouts signed every way; scans; hostile
files. The corpus is written once (its signed and scanned files differ at each making), then read by each checkout,
each with its own venv, and the two readings compared byte for byte:

    .venv/bin/python -m bench.form_readings write CORPUS_FOLDER
    .venv/bin/python -m bench.form_readings read CORPUS_FOLDER READINGS.json   # in each checkout, to its own file
    .venv/bin/python -m bench.form_readings compare MAIN_READINGS.json BRANCH_READINGS.json

`read` imports the reader of the checkout it runs in (copy this file into the other checkout's bench/ when it has
none). Each file is read in process with read_form (the full reader: OCR and signature validation as needed),
validated as at a fixed moment.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
VALIDATION_TIME = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def corpus() -> Iterator[tuple[str, bytes]]:
    """(name, file) for every form of the corpus."""
    from tests.support import foreign_forms as ff
    from tests.support import foreign_marks as fm
    from tests.support import forms_fixtures as fx
    from tests.support import forms_printed as fp
    from tests.support import scanned_forms as sf

    for folder in ("fixtures", "other_tools"):
        for path in sorted((TESTS / "forms" / folder).glob("*.pdf")):
            yield f"{folder}/{path.name}", path.read_bytes()
    for form_type in ("gp", "other"):
        for signature in fx.SIGNATURES:
            yield f"ours/{form_type}-{signature}", fx.filled_form(form_type, fx.GOOD_VALUES, signature)
            if signature != "digital":
                yield f"ours/{form_type}-{signature}-flat", fx.filled_form(form_type, fx.GOOD_VALUES, signature,
                                                                           flatten=True)
        yield f"ours/{form_type}-blank", fx.blank_form(form_type)
        yield f"ours/{form_type}-stale-fields", fx.flattened_leaving_stale_fields(form_type, fx.GOOD_VALUES)
    signed = fx.filled_form("gp", fx.GOOD_VALUES, "digital")
    yield "ours/edited-after-signing", fx.edited_after_signing(signed)
    yield "ours/signed-on-page-2", fx.digitally_signed(fx.filled_form("gp", fx.GOOD_VALUES), on_page_2=True)
    yield "ours/bogus-signature-value", fx.with_bogus_signature_value(fx.filled_form("gp", fx.GOOD_VALUES))
    yield "ours/drawn-ink", fx.with_drawn_ink(fx.filled_form("gp", fx.GOOD_VALUES))
    yield "ours/image-only-scan", fx.image_only_scan(fx.filled_form("gp", fx.GOOD_VALUES, "ink", flatten=True))
    yield "ours/scanned-page-png", fx.scanned_page_png(fx.filled_form("gp", fx.GOOD_VALUES, "ink", flatten=True))
    yield "ours/encrypted-empty-password", fx.encrypted(fx.filled_form("gp", fx.GOOD_VALUES, "ink"), "")
    yield "ours/encrypted", fx.encrypted(fx.filled_form("gp", fx.GOOD_VALUES, "ink"), "secret")
    yield "ours/truncated", fx.truncated(fx.filled_form("gp", fx.GOOD_VALUES, "ink"))
    yield "ours/printed-as-lines", fp.printed_as_lines("gp_practice", fx.GOOD_VALUES)
    yield "ours/printed-as-lines-image", fp.printed_as_lines("gp_practice", fx.GOOD_VALUES, signed_with_image=True)
    yield "ours/reprinted-with-spaces", fp.reprinted_with_spaces("gp_practice", fx.GOOD_VALUES)
    yield "ours/fitted-to-letter", fp.fitted_to_letter(fx.filled_form("gp", fx.GOOD_VALUES, "ink", flatten=True))
    for layout in ff.LAYOUTS:
        for seed, paper in enumerate(ff.PAPERS, start=1):
            form = ff.foreign_form(layout, paper, seed=seed)
            for how in fm.SIGNINGS:
                yield (f"foreign/{layout}-{paper}-{how}",
                       fm.signed(form.pdf, form.box, how, name=form.values["sig_full_name"]))
    for names in ("names", "none"):
        yield f"foreign/fillable-{names}", ff.foreign_form("fillable", fillable_names=names, seed=7).pdf
    yield "foreign/retyped", ff.foreign_form("retyped", seed=8).pdf
    yield "foreign/fillable-signature-page-2", ff.foreign_form("fillable", seed=9, signature_page=1).pdf
    for form in (ff.foreign_form("table", seed=3), ff.foreign_form("stacked", "letter", seed=4)):
        yield (f"foreign/{form.layout}-turned-90", fm.turned(fm.signed(form.pdf, form.box, "ink"), 90, True))
        yield f"foreign/{form.layout}-fitted", fm.fitted(fm.signed(form.pdf, form.box, "image"), ff.PAPERS["letter"])
        yield (f"foreign/{form.layout}-shifted",
               fm.shifted_and_cropped(fm.signed(form.pdf, form.box, "vectors"), 12, -8, 20))
    for dpi, signed_by_hand in ((150, True), (200, False)):
        yield (f"scan/gp-{dpi}-{'signed' if signed_by_hand else 'unsigned'}",
               sf.scanned_form("gp_practice", fx.GOOD_VALUES, signed=signed_by_hand, dpi=dpi, seed=dpi))
    yield "hostile/bomb", fx.decompression_bomb()
    yield "hostile/circular-xref", fx.circular_xref()
    yield "hostile/object-loop", fx.object_loop()
    yield "hostile/huge-image", fx.huge_image()
    yield "hostile/shared-appearance-states", fx.shared_appearance_states()
    yield "hostile/dense-drawing", fx.dense_drawing(20_000)
    yield "hostile/other-pdf", fx.other_pdf()
    yield "hostile/not-a-pdf", b"Hello, this is not a PDF at all.\n" * 10


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name, data in corpus():
        names.append(name)
        (folder / name.replace("/", "__")).write_bytes(data)
    print(f"{len(names)} files in {folder}")


def read(folder: Path, out: Path) -> None:
    from parsers.forms.options import FormReadOptions
    from parsers.forms.reading import read_form
    from parsers.forms.result import reading_as_data

    options = FormReadOptions(validation_time=VALIDATION_TIME)
    readings = {path.name: reading_as_data(read_form(path.read_bytes(), options))
                for path in sorted(folder.iterdir())}
    out.write_text(json.dumps(readings, indent=1, sort_keys=True, default=str) + "\n")
    print(f"{len(readings)} readings in {out}")


def compare(before: Path, after: Path) -> int:
    old, new = json.loads(before.read_text()), json.loads(after.read_text())
    differing = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
    for name in differing:
        print(f"differs: {name}\n  before {old.get(name)}\n  after  {new.get(name)}")
    same = before.read_bytes() == after.read_bytes()
    print(f"{len(old)} and {len(new)} readings; {len(differing)} differ; files byte-identical: {same}")
    return 0 if same and not differing else 1


def main() -> int:
    parser = argparse.ArgumentParser(description="readings of a corpus of forms, for A/B of the form reader")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("write").add_argument("folder", type=Path)
    reading = commands.add_parser("read")
    reading.add_argument("folder", type=Path)
    reading.add_argument("out", type=Path)
    comparing = commands.add_parser("compare")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "write":
        write(args.folder)
    elif args.command == "read":
        read(args.folder, args.out)
    else:
        return compare(args.before, args.after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
