"""Marks over the signature box (SPEC 9), wherever the box was found: an ink or stamp annotation over it (with or
without an appearance stream); an image drawn over it (an image XObject, an inline image, an image inside a Form
XObject) that shows something; or ink on the page itself (pen strokes written into the content, a scan), measured
by drawing the box and counting dark pixels once the printed matter is taken out: its text (labels, a typed name)
and its straight rules (the box's own outline, a "sign here" line). A text box typed over the box ("Fill & Sign")
is a typed name, not ink. Hidden annotations show nothing, so they are no mark."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageDraw
from pypdf import PageObject
from pypdf.generic import ArrayObject, DictionaryObject

from parsers.forms.page_objects import Drawn
from parsers.forms.page_view import Box, PageView

ANNOTATION_HOW = {"/Ink": "ink", "/Stamp": "stamp"}
HIDDEN_FLAGS = 2 | 32  # Hidden, NoView
DARK_LEVEL = 128  # grey levels below this count as ink
# An image covering more of the page than this is a scanned page (perhaps under an OCR text layer), not a signature.
MAX_IMAGE_SHARE = 0.5
# An image over the box counts when this share of its part over the box is dark (a blank white patch does not).
IMAGE_INK = 0.004
# A pixel row (column) of the box dark over this share of its length is a printed rule or the box's edge.
RULE_SHARE = 0.35
OVERLAP_MIN = 2.0  # points each way: touching the box's edge is not being over it
INSET = 2.0  # points inside the box's edges, where its outline is drawn
INVISIBLE_TEXT_MODES = (3, 7)
# Grey level -> two-level picture (255 = dark), as Image.point takes it: built once, not by calling a function on
# each of the 256 levels every time a box is drawn.
DARK_TABLE = tuple(255 if level < DARK_LEVEL else 0 for level in range(256))
# A row's or column's level -> 1 when it is a rule's (RULE_SHARE of it dark or more), as bytes.translate takes it.
RULE_TABLE = bytes(1 if level >= RULE_SHARE * 255 else 0 for level in range(256))
MAX_ANNOTATIONS = 500


@dataclass(frozen=True)
class Marks:
    over_box: bool
    how: str  # "ink" / "stamp" / "image" / ""
    ink_ratio: float
    typed_text: str = ""  # what a free-text annotation over the box says


def overlap(a: Box, b: Box) -> Box | None:
    box = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return box if box[2] - box[0] >= OVERLAP_MIN and box[3] - box[1] >= OVERLAP_MIN else None


def find_marks(page: PageObject, pdfium_page: pdfium.PdfPage, view: PageView, box: Box, drawn: Sequence[Drawn],
               ink_threshold: float, render_scale: float) -> Marks:
    """The marks over BOX (reading coordinates) on the page; DRAWN is what the page's content draws."""
    how, typed_text = annotations_over(page, view, box)
    width, height = view.size
    images = [d.box for d in drawn if d.kind == "image" and overlap(d.box, box) is not None
              and (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]) <= MAX_IMAGE_SHARE * width * height]
    printed = [d.box for d in drawn if d.kind == "text" and overlap(d.box, box) is not None and _visible(d)]
    inner = (box[0] + INSET, box[1] + INSET, box[2] - INSET, box[3] - INSET)
    ink = _ink_image(pdfium_page, view, inner, printed, render_scale)
    ratio = _dark_share(ink, inner, inner, render_scale)
    if not how and any(_dark_share(ink, inner, part, render_scale) >= IMAGE_INK
                       for part in (overlap(image, inner) for image in images) if part is not None):
        how = "image"
    if not how and ratio >= ink_threshold:
        how = "ink"
    return Marks(over_box=bool(how), how=how, ink_ratio=round(ratio, 4), typed_text=typed_text)


def _visible(drawn: Drawn) -> bool:
    return pdfium_c.FPDFTextObj_GetTextRenderMode(drawn.handle) not in INVISIBLE_TEXT_MODES


def annotations_over(page: PageObject, view: PageView, box: Box) -> tuple[str, str]:
    """("ink" or "stamp", free text) for the shown annotations over BOX (an image pasted by a PDF editor is a
    stamp)."""
    annots = page.get("/Annots")
    annots = annots.get_object() if annots is not None else None
    if not isinstance(annots, ArrayObject):
        return "", ""
    how, typed = "", ""
    for ref in annots[:MAX_ANNOTATIONS]:
        annot = ref.get_object()
        rect = annot.get("/Rect") if isinstance(annot, DictionaryObject) else None
        if not isinstance(rect, ArrayObject) or len(rect) != 4:
            continue
        if int(annot.get("/F", 0)) & HIDDEN_FLAGS:
            continue
        x0, y0, x1, y1 = (float(v) for v in rect)
        if overlap(view.box((x0, y0, x1, y1)), box) is None:
            continue
        subtype = str(annot.get("/Subtype"))
        how = how or ANNOTATION_HOW.get(subtype, "")
        if subtype == "/FreeText" and not typed:
            typed = " ".join(str(annot.get("/Contents", "")).split())
    return how, typed


def _ink_image(pdfium_page: pdfium.PdfPage, view: PageView, area: Box, printed: Sequence[Box],
               scale: float) -> Image.Image:
    """AREA of the page's own content (no annotations, no form fields) drawn upright as a two-level picture
    (255 = dark), with its printed text and straight rules taken out."""
    if area[2] - area[0] < 1 or area[3] - area[1] < 1:
        return Image.new("L", (1, 1), 0)
    bitmap = pdfium_page.render(scale=scale, crop=view.render_crop(area), may_draw_forms=False, grayscale=True,
                                draw_annots=False)
    picture = bitmap.to_pil().convert("L")
    turn = (view.reading_rotation - view.display_rotation) % 360
    if turn:
        picture = picture.transpose({90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
                                     270: Image.Transpose.ROTATE_90}[turn])
    dark = picture.point(DARK_TABLE)
    pen = ImageDraw.Draw(dark)
    for text in printed:
        pen.rectangle(_pixels((text[0] - 1, text[1] - 1, text[2] + 1, text[3] + 1), area, scale), fill=0)
    _remove_rules(dark, pen)
    return dark


def _remove_rules(dark: Image.Image, pen: ImageDraw.ImageDraw) -> None:
    width, height = dark.size
    rows = dark.resize((1, height), Image.Resampling.BOX).tobytes()
    for y in ruled(rows):
        pen.rectangle((0, max(y - 1, 0), width, y + 1), fill=0)
    columns = dark.resize((width, 1), Image.Resampling.BOX).tobytes()
    for x in ruled(columns):
        pen.rectangle((max(x - 1, 0), 0, x + 1, height), fill=0)


def ruled(levels: bytes) -> Iterator[int]:
    """The indexes of LEVELS (a row's or column's share of dark pixels, 0-255) dark enough to be a rule, in order:
    found by bytes.translate and find, not by a Python loop over every row and column of the box's picture (most
    boxes have none, and the loop cost more than the resizes that made the levels)."""
    marked = levels.translate(RULE_TABLE)
    at = marked.find(1)
    while at >= 0:
        yield at
        at = marked.find(1, at + 1)


def _pixels(box: Box, area: Box, scale: float) -> tuple[int, int, int, int]:
    return (round((box[0] - area[0]) * scale), round((box[1] - area[1]) * scale),
            round((box[2] - area[0]) * scale), round((box[3] - area[1]) * scale))


def _dark_share(dark: Image.Image, area: Box, part: Box, scale: float) -> float:
    """The share of dark pixels within PART of the picture of AREA."""
    left, top, right, bottom = _pixels(part, area, scale)
    left, top = max(left, 0), max(top, 0)
    right, bottom = min(right, dark.width), min(bottom, dark.height)
    if right <= left or bottom <= top:
        return 0.0
    histogram = dark.crop((left, top, right, bottom)).histogram()
    total = sum(histogram)
    return sum(histogram[128:]) / total if total else 0.0
