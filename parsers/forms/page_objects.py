"""What is drawn on a page (PDFium's page objects: images, vector paths, text), with where each sits on the page,
inside Form XObjects too.

PDFium gives an object nested in a Form XObject its bounds in the space of the form object that holds it: each
enclosing form object's matrix maps them out, innermost first, to the page."""

from __future__ import annotations

import ctypes
from typing import Any, NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.forms.page_view import Box, PageView

MAX_OBJECTS = 20_000  # a form's page has hundreds; a page with more is read no further
MAX_DEPTH = 4
KINDS = {pdfium_c.FPDF_PAGEOBJ_TEXT: "text", pdfium_c.FPDF_PAGEOBJ_PATH: "path",
         pdfium_c.FPDF_PAGEOBJ_IMAGE: "image", pdfium_c.FPDF_PAGEOBJ_SHADING: "shading"}

Matrix = tuple[float, float, float, float, float, float]
Rect = tuple[float, float, float, float]


class Drawn(NamedTuple):  # a named tuple: made for every object on a page, faster than a frozen dataclass
    kind: str  # "text" / "path" / "image" / "shading"
    box: Box  # reading coordinates
    handle: object  # PDFium's object (valid while the page is open)


def _matrix(obj: object) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _through(rect: tuple[float, float, float, float], matrices: list[Matrix]) -> tuple[float, float, float, float]:
    corners = [(rect[0], rect[1]), (rect[0], rect[3]), (rect[2], rect[1]), (rect[2], rect[3])]
    for a, b, c, d, e, f in reversed(matrices):  # innermost first
        corners = [(a * x + c * y + e, b * x + d * y + f) for x, y in corners]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def drawn_objects(page: pdfium.PdfPage, view: PageView, kinds: frozenset[str] | None = None) -> list[Drawn]:
    """The objects drawn on PAGE (of KINDS, or all but forms), at their places on the page as read."""
    return placed(page_objects(page), view, kinds)


def placed(objects: list[PageObject], view: PageView, kinds: frozenset[str] | None = None) -> list[Drawn]:
    """OBJECTS (page_objects' list) of KINDS (all when None) at their places on the page as read."""
    box = view.box
    return [Drawn(kind, box(rect), handle) for kind, handle, rect in objects if kinds is None or kind in kinds]


# (kind, PDFium's object, its bounds in user space)
PageObject = tuple[str, object, Rect]


def page_objects(page: pdfium.PdfPage) -> list[PageObject]:
    """Every object drawn on PAGE but forms (whose objects are taken in), in drawing order, with its bounds in user
    space: walked once for all the kinds asked about (the walk and PDFium's calls cost more than the kinds' checks;
    MAX_OBJECTS counts every object whatever its kind, so each kind's list is what a walk for it alone gave)."""
    found: list[PageObject] = []
    budget = MAX_OBJECTS
    # One set of out-parameters for every call: ctypes objects cost more to make than the call itself.
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    refs = (ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top))
    get_bounds, get_type, form_type = pdfium_c.FPDFPageObj_GetBounds, pdfium_c.FPDFPageObj_GetType, \
        pdfium_c.FPDF_PAGEOBJ_FORM

    def visit(count: int, get: Any, holder: object, matrices: list[Matrix], depth: int) -> None:
        nonlocal budget
        for index in range(count):
            if budget <= 0:
                return
            budget -= 1
            obj = get(holder, index)
            if not obj:
                continue
            kind_code = get_type(obj)
            if kind_code == form_type:
                if depth < MAX_DEPTH:
                    visit(pdfium_c.FPDFFormObj_CountObjects(obj), pdfium_c.FPDFFormObj_GetObject, obj,
                          [*matrices, _matrix(obj)], depth + 1)
                continue
            kind = KINDS.get(kind_code)
            if kind is None or not get_bounds(obj, *refs):
                continue
            rect = (left.value, bottom.value, right.value, top.value)
            found.append((kind, obj, _through(rect, matrices) if matrices else rect))

    visit(pdfium_c.FPDFPage_CountObjects(page), pdfium_c.FPDFPage_GetObject, page, [], 0)
    return found
