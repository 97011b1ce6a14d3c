"""What is drawn on a page (PDFium's page objects: images, vector paths, text), with where each sits on the page,
inside Form XObjects too.

PDFium gives an object nested in a Form XObject its bounds in the space of the form object that holds it: each
enclosing form object's matrix maps them out, innermost first, to the page."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.forms.page_view import Box, PageView

MAX_OBJECTS = 20_000  # a form's page has hundreds; a page with more is read no further
MAX_DEPTH = 4
KINDS = {pdfium_c.FPDF_PAGEOBJ_TEXT: "text", pdfium_c.FPDF_PAGEOBJ_PATH: "path",
         pdfium_c.FPDF_PAGEOBJ_IMAGE: "image", pdfium_c.FPDF_PAGEOBJ_SHADING: "shading"}

Matrix = tuple[float, float, float, float, float, float]
Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Drawn:
    kind: str  # "text" / "path" / "image" / "shading"
    box: Box  # reading coordinates
    handle: object  # PDFium's object (valid while the page is open)


def _matrix(obj: object) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _bounds(obj: object) -> tuple[float, float, float, float] | None:
    left, bottom, right, top = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if not pdfium_c.FPDFPageObj_GetBounds(obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right),
                                          ctypes.byref(top)):
        return None
    return (left.value, bottom.value, right.value, top.value)


def _through(rect: tuple[float, float, float, float], matrices: list[Matrix]) -> tuple[float, float, float, float]:
    corners = [(rect[0], rect[1]), (rect[0], rect[3]), (rect[2], rect[1]), (rect[2], rect[3])]
    for a, b, c, d, e, f in reversed(matrices):  # innermost first
        corners = [(a * x + c * y + e, b * x + d * y + f) for x, y in corners]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def drawn_objects(page: pdfium.PdfPage, view: PageView, kinds: frozenset[str] | None = None) -> list[Drawn]:
    """The objects drawn on PAGE (of KINDS, or all but forms), at their places on the page as read."""
    found: list[Drawn] = []
    for kind, handle, rect in _walk(page, kinds):
        found.append(Drawn(kind, view.box(rect), handle))
    return found


def _walk(page: pdfium.PdfPage, kinds: frozenset[str] | None) -> Iterator[tuple[str, object, Rect]]:
    budget = [MAX_OBJECTS]

    def visit(count: int, get: object, holder: object, matrices: list[Matrix], depth: int) -> Iterator[
            tuple[str, object, Rect]]:
        for index in range(count):
            if budget[0] <= 0:
                return
            budget[0] -= 1
            obj = get(holder, index)  # type: ignore[operator]
            if not obj:
                continue
            kind_code = pdfium_c.FPDFPageObj_GetType(obj)
            if kind_code == pdfium_c.FPDF_PAGEOBJ_FORM:
                if depth < MAX_DEPTH:
                    yield from visit(pdfium_c.FPDFFormObj_CountObjects(obj), pdfium_c.FPDFFormObj_GetObject, obj,
                                     [*matrices, _matrix(obj)], depth + 1)
                continue
            kind = KINDS.get(kind_code)
            if kind is None or (kinds is not None and kind not in kinds):
                continue
            rect = _bounds(obj)
            if rect is not None:
                yield kind, obj, _through(rect, matrices) if matrices else rect

    yield from visit(pdfium_c.FPDFPage_CountObjects(page), pdfium_c.FPDFPage_GetObject, page, [], 0)
