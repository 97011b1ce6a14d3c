"""What is and is not a mark over the signature box: shown marks of any kind are; hidden annotations, blank
pictures, the box's own outline and rules, and printed text are not."""

from __future__ import annotations

import io
import random
from dataclasses import replace

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, NumberObject
from reportlab.lib.utils import ImageReader

from parsers.forms.marks import DARK_LEVEL, DARK_TABLE, RULE_SHARE, ruled
from parsers.forms.reading import read_form
from parsers.forms.result import FormReading, reading_as_data, reading_from_data
from rules.form_signature import is_signed
from tests.support.foreign_forms import foreign_form
from tests.support.foreign_marks import inside, signed
from tests.support.forms_drawing import draw_over_page


def verdict(pdf: bytes) -> str:
    reading = read_form(pdf)
    assert reading.status == "read", reading.problems
    return is_signed(reading, accept_typed=True, signatory_name=reading.fields["sig_full_name"]).verdict


def hidden(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for annot in writer.pages[0]["/Annots"]:
        annotation = annot.get_object()
        if annotation.get("/Subtype") != "/Widget":
            annotation[NameObject("/F")] = NumberObject(2)  # Hidden
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_hidden_annotation_over_the_box_is_no_signature() -> None:
    form = foreign_form("table", "a4", seed=40)
    for how in ("ink", "stamp"):
        pdf = signed(form.pdf, form.box, how)
        assert verdict(pdf) == "signed"
        assert verdict(hidden(pdf)) == "unsigned", how


def test_a_blank_picture_over_the_box_is_no_signature_and_a_pale_one_is() -> None:
    form = foreign_form("stacked", "letter", seed=41)
    area = inside(form.box)

    def with_picture(colour: tuple[int, int, int], strokes: bool) -> bytes:
        picture = Image.new("RGB", (300, 100), colour)
        if strokes:
            from PIL import ImageDraw
            ImageDraw.Draw(picture).line([(10, 80), (80, 20), (150, 85), (290, 15)], fill=(70, 90, 200), width=5)
        out = io.BytesIO()
        picture.save(out, "PNG")
        reader = ImageReader(io.BytesIO(out.getvalue()))
        return draw_over_page(form.pdf, 0, lambda c: c.drawImage(reader, area[0], area[1], area[2] - area[0],
                                                                 area[3] - area[1]))

    assert verdict(with_picture((255, 255, 255), strokes=False)) == "unsigned"  # a white patch over the box
    assert verdict(with_picture((255, 255, 255), strokes=True)) == "signed"  # blue pen on white


def test_text_typed_into_the_box_is_a_typed_name_only_when_it_is_the_signatorys() -> None:
    form = foreign_form("table", "a4", seed=42)
    area = inside(form.box)

    def typed(text: str) -> bytes:
        def draw(canvas: object) -> None:
            canvas.setFont("Times-Italic", 16)  # type: ignore[attr-defined]
            canvas.drawString(area[0], area[1] + 10, text)  # type: ignore[attr-defined]
        return draw_over_page(form.pdf, 0, draw)

    reading = read_form(typed(form.values["sig_full_name"]))
    assert (reading.typed_name, reading.box_ink_ratio) == (form.values["sig_full_name"], 0.0)
    assert verdict(typed(form.values["sig_full_name"])) == "signed"
    assert verdict(typed("Someone Else")) == "unsigned"
    reading = read_form(typed(form.values["sig_full_name"]))
    assert is_signed(reading, accept_typed=False, signatory_name=form.values["sig_full_name"]).verdict == "unsigned"


def test_some_ink_less_than_a_clear_signature_is_unsure_never_signed() -> None:
    """A scan's or photo's box with a little ink (a line or shadow left, a signature half outside the box found)
    is neither signed nor unsigned: "unsure", which the checks send to staff (form.uncertain)."""
    unsure = FormReading(status="read", method="ocr", fields={"sig_full_name": "Dr Ann Lee"}, mark_unsure=True)
    assert is_signed(unsure, accept_typed=True, signatory_name="Dr Ann Lee").verdict == "unsure"
    assert is_signed(replace(unsure, mark_unsure=False), accept_typed=True, signatory_name="x").verdict == "unsigned"
    assert reading_from_data(reading_as_data(unsure)).mark_unsure is True


def test_grey_levels_under_the_dark_level_are_ink_and_the_rest_are_not() -> None:
    """The table the box's picture is made two-level by (built once): level 127 is ink, 128 is paper."""
    assert len(DARK_TABLE) == 256
    grey = Image.linear_gradient("L")  # every level 0-255, top to bottom
    two_level = grey.point(DARK_TABLE)
    assert {(level, dark) for level, dark in zip(grey.tobytes(), two_level.tobytes(), strict=True)} == \
        {(level, 255 if level < DARK_LEVEL else 0) for level in range(256)}
    assert (DARK_LEVEL, DARK_TABLE[DARK_LEVEL - 1], DARK_TABLE[DARK_LEVEL]) == (128, 255, 0)


def test_the_rules_found_are_the_rows_and_columns_a_loop_over_every_level_found() -> None:
    """ruled (bytes.translate and find) against the loop it replaced, on every level and on generated rows of
    levels: the same indexes in the same order."""
    def looped(levels: bytes) -> list[int]:
        return [i for i, level in enumerate(levels) if level >= RULE_SHARE * 255]

    every = bytes(range(256))
    assert list(ruled(every)) == looped(every) and looped(every)[0] == 90
    generator = random.Random(7)
    for size in (0, 1, 2, 3, 50, 623):
        for _ in range(40):
            levels = bytes(generator.choice((0, 0, 0, 89, 90, 91, 255, generator.randrange(256)))
                           for _ in range(size))
            assert list(ruled(levels)) == looped(levels)
