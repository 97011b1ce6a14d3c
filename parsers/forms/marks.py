"""Marks over the signature box on page 1 (SPEC 9): an ink, stamp or image annotation; an image drawn on the page;
or ink drawn into the page itself, measured by rendering the box's page content and counting dark pixels (the blank
template has none in its drawing area, so any ink there was put there by someone). Annotations are judged by their
kind, not drawn: a text box typed over the signature box ("Fill & Sign") is a typed name, not ink."""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf import PageObject
from pypdf.generic import ArrayObject, DictionaryObject

from parsers.form_template import Rect

ANNOTATION_HOW = {"/Ink": "ink", "/Stamp": "stamp"}
DARK_LEVEL = 128  # grey levels below this count as ink
# An image covering more of the page than this is a scanned page (perhaps under an OCR text layer), not a signature.
MAX_IMAGE_SHARE = 0.5


@dataclass(frozen=True)
class Marks:
    over_box: bool
    how: str  # "ink" / "stamp" / "image" / ""
    ink_ratio: float
    typed_text: str = ""  # what a free-text annotation over the box says


def find_marks(page: PageObject, pdfium_page: pdfium.PdfPage, box: Rect, drawing_area: Rect | None,
               printed: bool, ink_threshold: float, render_scale: float) -> Marks:
    """The marks over BOX. DRAWING_AREA is where ink is measured: None when the page is not laid out as our form
    (printed by another tool). On a PRINTED form (flattened, or printed to PDF) any image in the bottom third of
    the page counts (SPEC 9), as the box may have moved; on a fillable form the image must be over the box."""
    how, typed_text = annotations_over(page, box)
    width, height = pdfium_page.get_size()
    image_area = (0.0, 0.0, width, height / 3) if printed or drawing_area is None else box
    if not how and image_over(pdfium_page, image_area, max_area=width * height * MAX_IMAGE_SHARE):
        how = "image"
    ratio = ink_ratio(pdfium_page, drawing_area, render_scale) if drawing_area is not None else 0.0
    if not how and ratio >= ink_threshold:
        how = "ink"
    return Marks(over_box=bool(how), how=how, ink_ratio=round(ratio, 4), typed_text=typed_text)


def overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def annotations_over(page: PageObject, box: Rect) -> tuple[str, str]:
    """("ink" or "stamp", free text) for the annotations overlapping BOX (an image pasted by a PDF editor is a
    stamp)."""
    annots = page.get("/Annots")
    annots = annots.get_object() if annots is not None else None
    if not isinstance(annots, ArrayObject):
        return "", ""
    how, typed = "", ""
    for ref in annots[:500]:
        annot = ref.get_object()
        rect = annot.get("/Rect") if isinstance(annot, DictionaryObject) else None
        if not isinstance(rect, ArrayObject) or len(rect) != 4:
            continue
        x0, y0, x1, y1 = (float(v) for v in rect)
        if not overlaps((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), box):
            continue
        subtype = str(annot.get("/Subtype"))
        how = how or ANNOTATION_HOW.get(subtype, "")
        if subtype == "/FreeText" and not typed:
            typed = " ".join(str(annot.get("/Contents", "")).split())
    return how, typed


def image_over(pdfium_page: pdfium.PdfPage, area: Rect, max_area: float) -> bool:
    """Whether an image drawn on the page (also inside drawings it uses), smaller than MAX_AREA, overlaps AREA."""
    for obj in pdfium_page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
        try:
            bounds = obj.get_bounds()
        except Exception:  # noqa: S112 - an object PDFium cannot place is no mark
            continue
        if overlaps(bounds, area) and (bounds[2] - bounds[0]) * (bounds[3] - bounds[1]) <= max_area:
            return True
    return False


def ink_ratio(pdfium_page: pdfium.PdfPage, area: Rect, scale: float) -> float:
    """The share of dark pixels when AREA of the page's own content is drawn (annotations and fields left out)."""
    width, height = pdfium_page.get_size()
    left, bottom, right, top = area
    crop = (max(left, 0.0), max(bottom, 0.0), max(width - right, 0.0), max(height - top, 0.0))
    bitmap = pdfium_page.render(scale=scale, crop=crop, may_draw_forms=False, grayscale=True, draw_annots=False)
    histogram = bitmap.to_pil().convert("L").histogram()
    total = sum(histogram)
    return sum(histogram[:DARK_LEVEL]) / total if total else 0.0
