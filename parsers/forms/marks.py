"""Marks over the signature box on page 1 (SPEC 9): an ink, stamp or image annotation; an image drawn on the page;
or ink drawn into the page itself, measured by rendering the box and counting dark pixels (the blank template has
none in its drawing area, so any ink there was put there by someone)."""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf import PageObject
from pypdf.generic import ArrayObject, DictionaryObject

from parsers.form_template import BOTTOM_THIRD_TOP, Rect

ANNOTATION_HOW = {"/Ink": "ink", "/Stamp": "stamp"}
DARK_LEVEL = 128  # grey levels below this count as ink


@dataclass(frozen=True)
class Marks:
    over_box: bool
    how: str  # "ink" / "stamp" / "image" / "annotation" / ""
    ink_ratio: float


def find_marks(page: PageObject, pdfium_page: pdfium.PdfPage, box: Rect, drawing_area: Rect | None,
               ink_threshold: float, render_scale: float) -> Marks:
    """The marks over BOX. DRAWING_AREA is where ink is measured: None when the page is not laid out as our form
    (printed by another tool), and then any image in the bottom third of the page counts instead."""
    how = annotation_over(page, box)
    image_area = box if drawing_area is not None else (0.0, 0.0, float(pdfium_page.get_width()), BOTTOM_THIRD_TOP)
    if not how and image_over(pdfium_page, image_area):
        how = "image"
    ratio = ink_ratio(pdfium_page, drawing_area, render_scale) if drawing_area is not None else 0.0
    if not how and ratio >= ink_threshold:
        how = "ink"
    return Marks(over_box=bool(how), how=how, ink_ratio=round(ratio, 4))


def overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def annotation_over(page: PageObject, box: Rect) -> str:
    """"ink" or "stamp" for such an annotation overlapping BOX (an image pasted by a PDF editor is a stamp)."""
    annots = page.get("/Annots")
    annots = annots.get_object() if annots is not None else None
    if not isinstance(annots, ArrayObject):
        return ""
    for ref in annots[:500]:
        annot = ref.get_object()
        if not isinstance(annot, DictionaryObject):
            continue
        how = ANNOTATION_HOW.get(str(annot.get("/Subtype")))
        rect = annot.get("/Rect")
        if how and isinstance(rect, ArrayObject) and len(rect) == 4:
            x0, y0, x1, y1 = (float(v) for v in rect)
            if overlaps((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), box):
                return how
    return ""


def image_over(pdfium_page: pdfium.PdfPage, area: Rect) -> bool:
    """Whether an image drawn on the page (also inside drawings it uses) overlaps AREA."""
    for obj in pdfium_page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
        try:
            bounds = obj.get_bounds()
        except Exception:  # noqa: S112 - an object PDFium cannot place is no mark
            continue
        if overlaps(bounds, area):
            return True
    return False


def ink_ratio(pdfium_page: pdfium.PdfPage, area: Rect, scale: float) -> float:
    """The share of dark pixels when AREA of the page (with its annotations and fields) is drawn."""
    width, height = pdfium_page.get_size()
    left, bottom, right, top = area
    crop = (max(left, 0.0), max(bottom, 0.0), max(width - right, 0.0), max(height - top, 0.0))
    bitmap = pdfium_page.render(scale=scale, crop=crop, may_draw_forms=True, grayscale=True, draw_annots=True)
    histogram = bitmap.to_pil().convert("L").histogram()
    total = sum(histogram)
    return sum(histogram[:DARK_LEVEL]) / total if total else 0.0
