"""Decoding what rendering page 1 will decode, first with pypdf under its limits: a decompression bomb or a giant
image stops here with a clear problem instead of pushing PDFium against the child's memory limit."""

from __future__ import annotations

from pypdf import PageObject
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

MAX_XOBJECTS = 200
MAX_DEPTH = 6


class TooLarge(Exception):
    """Page 1 would take too much memory or work to draw."""


def check_page(page: PageObject, max_image_pixels: int) -> None:
    """Raise TooLarge (or pypdf's LimitReachedError) when page 1's content, images or annotation appearances are
    bigger than a form's should be."""
    page.get_contents()  # decodes every content stream, under pypdf's limits
    seen: set[int] = set()
    _check_resources(page.get("/Resources"), max_image_pixels, seen, 0)
    for annot in _resolved_list(page.get("/Annots")):
        appearance = _resolved(annot.get("/AP")) if isinstance(annot, DictionaryObject) else None
        if isinstance(appearance, DictionaryObject):
            for key in ("/N", "/D", "/R"):
                _check_xobject(appearance.get(key), max_image_pixels, seen, 1)


def _check_resources(resources: object, max_image_pixels: int, seen: set[int], depth: int) -> None:
    resources = _resolved(resources)
    if not isinstance(resources, DictionaryObject):
        return
    xobjects = _resolved(resources.get("/XObject"))
    if isinstance(xobjects, DictionaryObject):
        for value in xobjects.values():
            _check_xobject(value, max_image_pixels, seen, depth + 1)


def _check_xobject(value: object, max_image_pixels: int, seen: set[int], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise TooLarge("drawings nested too deeply")
    obj = _resolved(value)
    if isinstance(obj, DictionaryObject) and not isinstance(obj, StreamObject):
        # An appearance sub-dictionary (/On, /Off states) holding streams.
        for sub in obj.values():
            _check_xobject(sub, max_image_pixels, seen, depth + 1)
        return
    if not isinstance(obj, StreamObject) or id(obj) in seen:
        return
    seen.add(id(obj))
    if len(seen) > MAX_XOBJECTS:
        raise TooLarge("too many drawings on page 1")
    if obj.get("/Subtype") == "/Image":
        pixels = int(obj.get("/Width", 0)) * int(obj.get("/Height", 0))
        if pixels > max_image_pixels:
            raise TooLarge(f"an image of {pixels:,} pixels")
        obj.get_data()
        return
    obj.get_data()
    _check_resources(obj.get("/Resources"), max_image_pixels, seen, depth)


def _resolved_list(value: object) -> list[object]:
    value = _resolved(value)
    return [_resolved(v) for v in value] if isinstance(value, ArrayObject) else []


def _resolved(value: object) -> object:
    get_object = getattr(value, "get_object", None)
    return get_object() if callable(get_object) else value
