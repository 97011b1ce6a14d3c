"""Signing a form every way people and their tools do, over a box given in the page's own coordinates, and
printing it through other producers: Ghostscript, "fit to page" onto other paper, turned pages, cropped and
shifted pages. Nothing here knows where our own template puts anything."""

from __future__ import annotations

import io
import shutil
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    RectangleObject,
    StreamObject,
)
from reportlab.pdfgen.canvas import Canvas

from tests.support.forms_drawing import (
    add_annotation,
    draw_over_page,
    free_text_annotation,
    ink_annotation,
    signature_image,
    signature_image_png,
    stamp_annotation,
)

Rect = tuple[float, float, float, float]
SIGNINGS = ("none", "ink", "ink_no_appearance", "stamp", "stamp_no_appearance", "image", "inline_image",
            "image_in_form", "vectors", "typed_text_box")


def inside(box: Rect) -> Rect:
    """Where a signature goes in BOX: its middle, clear of the edges."""
    left, bottom, right, top = box
    width, height = right - left, top - bottom
    return (left + width * 0.12, bottom + height * 0.2, left + width * 0.7, bottom + height * 0.8)


def signed(pdf: bytes, box: Rect, how: str, name: str = "", page: int = 0) -> bytes:
    """PDF signed over BOX on PAGE as HOW (one of SIGNINGS); NAME is what a typed signature says."""
    area = inside(box)
    if how == "none":
        return pdf
    if how in ("ink", "ink_no_appearance"):
        return add_annotation(pdf, page, ink_annotation(area, appearance=how == "ink"))
    if how == "stamp":
        return add_annotation(pdf, page, stamp_annotation(area))
    if how == "stamp_no_appearance":
        return add_annotation(pdf, page, _bare_stamp(area))
    if how == "image":
        return draw_over_page(pdf, page, lambda c: c.drawImage(signature_image(), area[0], area[1],
                                                               area[2] - area[0], area[3] - area[1]))
    if how == "inline_image":
        return _with_content(pdf, page, _inline_image(area))
    if how == "image_in_form":
        return _with_image_in_form(pdf, page, area)
    if how == "vectors":
        return draw_over_page(pdf, page, lambda c: _pen_strokes(c, area))
    if how == "typed_text_box":
        return add_annotation(pdf, page, free_text_annotation(area, name))
    raise ValueError(how)


def _bare_stamp(rect: Rect) -> Callable[[PdfWriter], DictionaryObject]:
    """A /Stamp annotation with no appearance stream (viewers draw their own "Draft"-like icon)."""
    def make(_: PdfWriter) -> DictionaryObject:
        return DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Stamp"),
            NameObject("/Rect"): ArrayObject(FloatObject(v) for v in rect), NameObject("/F"): NumberObject(4),
            NameObject("/Name"): NameObject("/Approved")})
    return make


def _pen_strokes(canvas: Canvas, area: Rect) -> None:
    """A handwritten-looking signature of curves, drawn into the page as vector strokes."""
    left, bottom, right, top = area
    width, height = right - left, top - bottom
    path = canvas.beginPath()
    path.moveTo(left, bottom + height * 0.3)
    for i in range(6):
        x = left + width * (i + 1) / 6
        path.curveTo(x - width / 9, top, x - width / 18, bottom, x, bottom + height * (0.3 + 0.1 * (i % 2)))
    canvas.setLineWidth(1.6)
    canvas.setStrokeColorRGB(0.05, 0.1, 0.45)
    canvas.drawPath(path, stroke=1, fill=0)


def _signature_pixels() -> Image.Image:
    return Image.open(io.BytesIO(signature_image_png())).convert("L").resize((120, 40))


def _inline_image(area: Rect) -> bytes:
    picture = _signature_pixels()
    data = zlib.compress(picture.tobytes())
    left, bottom, right, top = area
    return (f"q {right - left:.2f} 0 0 {top - bottom:.2f} {left:.2f} {bottom:.2f} cm\n"
            f"BI /W {picture.width} /H {picture.height} /CS /G /BPC 8 /F /Fl ID\n").encode() + data + b"\nEI Q\n"


def _with_content(pdf: bytes, page: int, content: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    target = writer.pages[page]
    stream = DecodedStreamObject()
    stream.set_data(content)
    existing = target["/Contents"].get_object()
    parts = list(existing) if isinstance(existing, ArrayObject) else [target.raw_get("/Contents")]
    # The page's own content wrapped in q/Q, as editors do: Chromium's leaves its flipped coordinates in force.
    save, restore = DecodedStreamObject(), DecodedStreamObject()
    save.set_data(b"q\n")
    restore.set_data(b"\nQ\n")
    target[NameObject("/Contents")] = ArrayObject([writer._add_object(save), *parts, writer._add_object(restore),
                                                   writer._add_object(stream)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _with_image_in_form(pdf: bytes, page: int, area: Rect) -> bytes:
    """The signature image inside a Form XObject (as PDF editors paste pictures), the form placed over AREA."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    picture = _signature_pixels()
    image = StreamObject()
    image._data = zlib.compress(picture.tobytes())
    image.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
                  NameObject("/Width"): NumberObject(picture.width),
                  NameObject("/Height"): NumberObject(picture.height),
                  NameObject("/ColorSpace"): NameObject("/DeviceGray"),
                  NameObject("/BitsPerComponent"): NumberObject(8), NameObject("/Filter"): NameObject("/FlateDecode")})
    form = DecodedStreamObject()
    form.set_data(b"q 100 0 0 100 0 0 cm /SigPic Do Q")
    form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): ArrayObject(FloatObject(v) for v in (0, 0, 100, 100)),
                 NameObject("/Resources"): DictionaryObject({NameObject("/XObject"): DictionaryObject(
                     {NameObject("/SigPic"): writer._add_object(image)})})})
    target = writer.pages[page]
    resources = target["/Resources"].get_object()
    if "/XObject" not in resources:
        resources[NameObject("/XObject")] = DictionaryObject()
    resources["/XObject"].get_object()[NameObject("/SigForm")] = writer._add_object(form)
    left, bottom, right, top = area
    out = io.BytesIO()
    writer.write(out)
    return _with_content(out.getvalue(), page, f"q {(right - left) / 100:.4f} 0 0 {(top - bottom) / 100:.4f} "
                                               f"{left:.2f} {bottom:.2f} cm /SigForm Do Q\n".encode())


# --- printing through other producers -------------------------------------------------------------------------

def through_ghostscript(pdf: bytes, folder: Path, flatten_annotations: bool = True) -> bytes:
    """PDF printed to PDF by Ghostscript (pdfwrite): a new producer writes every page again; with
    FLATTEN_ANNOTATIONS the annotations' appearances become page content, as printing does."""
    gs = shutil.which("gs")
    if gs is None:
        raise RuntimeError("Ghostscript (gs) is not installed: scripts/lib/setup.sh installs it")
    source, target = folder / "in.pdf", folder / "out.pdf"
    source.write_bytes(pdf)
    options = ["-dPreserveAnnots=false", "-dShowAnnots=true"] if flatten_annotations else []
    subprocess.run([gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", *options,
                    f"-sOutputFile={target}", str(source)], check=True, capture_output=True, timeout=60)
    return target.read_bytes()


def fitted(pdf: bytes, paper: tuple[float, float], scale: float | None = None) -> bytes:
    """Every page printed "fit to page" onto PAPER: scaled to fit (or by SCALE) and centred. Printing drops
    annotations and fields."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        factor = scale or min(paper[0] / width, paper[1] / height)
        page.add_transformation(Transformation().scale(factor).translate((paper[0] - width * factor) / 2,
                                                                         (paper[1] - height * factor) / 2))
        page.mediabox = RectangleObject([0, 0, *paper])
        page.cropbox = RectangleObject([0, 0, *paper])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def turned(pdf: bytes, degrees: int, compensated: bool) -> bytes:
    """Page 1 with /Rotate DEGREES. COMPENSATED: its content drawn turned the other way first (as scanners and
    "print as landscape" do), so it still shows upright; else it shows turned, as after "rotate page" in a
    viewer."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    page = writer.pages[0]
    if compensated:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        # Turn the content anticlockwise by DEGREES (about the origin), then move it back onto the page.
        shift = {90: (height, 0.0), 180: (width, height), 270: (0.0, width)}[degrees]
        page.add_transformation(Transformation().rotate(degrees).translate(*shift))
        if degrees in (90, 270):
            page.mediabox = RectangleObject([0, 0, height, width])
            page.cropbox = RectangleObject([0, 0, height, width])
    page[NameObject("/Rotate")] = NumberObject(degrees)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def shifted_and_cropped(pdf: bytes, dx: float, dy: float, margin: float) -> bytes:
    """Page 1's content moved by DX, DY within a MediaBox that no longer starts at 0,0, and a CropBox that cuts
    MARGIN off every side: the page's coordinates no longer start at its corner."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    page = writer.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    page.add_transformation(Transformation().translate(dx, dy))
    page.mediabox = RectangleObject([dx - 20, dy - 30, dx + width + 20, dy + height + 30])
    page.cropbox = RectangleObject([dx - 20 + margin, dy - 30 + margin, dx + width + 20 - margin,
                                    dy + height + 30 - margin])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
