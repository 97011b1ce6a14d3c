"""Putting marks on a form's page as PDF tools do: annotations (ink, stamp) and drawings merged into the page."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable

from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

Rect = tuple[float, float, float, float]


def _rect(rect: Rect) -> ArrayObject:
    return ArrayObject(FloatObject(v) for v in rect)


def _appearance(writer: PdfWriter, rect: Rect, content: bytes, resources: DictionaryObject | None = None) -> object:
    left, bottom, right, top = rect
    stream = DecodedStreamObject()
    stream.set_data(content)
    stream.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): _rect((0, 0, right - left, top - bottom)),
    })
    if resources is not None:
        stream[NameObject("/Resources")] = resources
    return writer._add_object(stream)


def ink_annotation(rect: Rect, appearance: bool = True) -> Callable[[PdfWriter], DictionaryObject]:
    """An /Ink annotation: a zigzag pen stroke across RECT, with its appearance stream unless told not to."""
    left, bottom, right, top = rect
    points = [(left + i * (right - left) / 12, bottom + (0.8 if i % 2 else 0.2) * (top - bottom)) for i in range(13)]

    def make(writer: PdfWriter) -> DictionaryObject:
        path = " ".join(f"{x - left:.1f} {y - bottom:.1f} {'m' if i == 0 else 'l'}" for i, (x, y) in enumerate(points))
        annot = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Ink"),
            NameObject("/Rect"): _rect(rect), NameObject("/F"): NumberObject(4),
            NameObject("/InkList"): ArrayObject([ArrayObject(FloatObject(v) for p in points for v in p)]),
            NameObject("/C"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(0.5)]),
        })
        if appearance:
            ap = _appearance(writer, rect, f"0 0 0.5 RG 2 w 1 J 1 j {path} S".encode())
            annot[NameObject("/AP")] = DictionaryObject({NameObject("/N"): ap})
        return annot

    return make


def free_text_annotation(rect: Rect, text: str) -> Callable[[PdfWriter], DictionaryObject]:
    """A /FreeText annotation (a viewer's "Fill & Sign" text box) saying TEXT."""
    left, bottom, right, top = rect

    def make(writer: PdfWriter) -> DictionaryObject:
        resources = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/Helv"): DictionaryObject({
            NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica")})})})
        ap = _appearance(writer, rect, f"BT /Helv 14 Tf 0 g 4 8 Td ({text}) Tj ET".encode(), resources)
        return DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/FreeText"),
            NameObject("/Rect"): _rect(rect), NameObject("/F"): NumberObject(4),
            NameObject("/Contents"): TextStringObject(text), NameObject("/DA"): TextStringObject("/Helv 14 Tf 0 g"),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): ap}),
        })

    return make


def stamp_annotation(rect: Rect) -> Callable[[PdfWriter], DictionaryObject]:
    """A /Stamp annotation whose appearance is a filled, outlined box with a cross (an "Approved" stamp)."""
    left, bottom, right, top = rect
    w, h = right - left, top - bottom

    def make(writer: PdfWriter) -> DictionaryObject:
        ap = _appearance(writer, rect, f"0.7 0 0 RG 0.9 0.8 0.8 rg 3 w 2 2 {w - 4:.1f} {h - 4:.1f} re B "
                                       f"2 2 m {w - 2:.1f} {h - 2:.1f} l S".encode())
        return DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Stamp"),
            NameObject("/Rect"): _rect(rect), NameObject("/F"): NumberObject(4),
            NameObject("/Name"): NameObject("/Approved"), NameObject("/AP"): DictionaryObject({NameObject("/N"): ap}),
        })

    return make


def add_annotation(pdf: bytes, page: int, make: Callable[[PdfWriter], DictionaryObject]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    target = writer.pages[page]
    ref = writer._add_object(make(writer))
    if "/Annots" not in target:
        target[NameObject("/Annots")] = ArrayObject()
    target["/Annots"].append(ref)  # type: ignore[union-attr]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.cache
def signature_image_png() -> bytes:
    """A picture of a handwritten signature: dark strokes on white."""
    image = Image.new("RGB", (360, 120), "white")
    pen = ImageDraw.Draw(image)
    pen.line([(20, 80), (60, 20), (90, 95), (130, 30), (160, 90), (210, 25), (250, 85), (300, 40), (340, 70)],
             fill=(10, 10, 60), width=6)
    pen.line([(40, 100), (320, 100)], fill=(10, 10, 60), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def signature_image() -> ImageReader:
    return ImageReader(io.BytesIO(signature_image_png()))


def draw_over_page(pdf: bytes, page: int, draw: Callable[[Canvas], None]) -> bytes:
    """PDF with what DRAW puts on a reportlab canvas merged into PAGE's own content (no annotation)."""
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[page].mediabox
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=(float(box.width), float(box.height)), invariant=1)
    draw(canvas)
    canvas.save()
    writer = PdfWriter(clone_from=reader)
    writer.pages[page].merge_page(PdfReader(io.BytesIO(overlay.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
