"""Decoding what rendering page 1 will decode, first with pypdf under its limits: a decompression bomb or a giant
image stops here with a clear problem instead of pushing PDFium against the child's memory limit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pypdf import PageObject, apply_configuration, get_configuration
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
        width, height = int(obj.get("/Width", 0)), int(obj.get("/Height", 0))
        if width * height > max_image_pixels:
            raise TooLarge(f"an image of {width * height:,} pixels")
        with _room_for(_decoded_bytes(obj, width, height)):
            obj.get_data()
        return
    obj.get_data()
    _check_resources(obj.get("/Resources"), max_image_pixels, seen, depth)


def _decoded_bytes(image: StreamObject, width: int, height: int) -> int:
    """What IMAGE decodes to at most: its rows of pixels, four colours of its bits each, and a predictor's byte a
    row (an image within the pixels allowed may be bigger than a content stream is allowed to be)."""
    bits = image.get("/BitsPerComponent", 8)
    bits = min(max(int(bits), 1), 16) if isinstance(bits, int) else 8
    return height * ((width * 4 * bits + 7) // 8 + 1)


@contextmanager
def _room_for(size: int) -> Iterator[None]:
    """pypdf's limits on decoding raised to SIZE for one image (never lowered): a 200 dpi colour scan of A4 packed
    with Flate decodes to 11.6 MB, past what a page's content may take, and was called too large to read."""
    current = get_configuration()
    with apply_configuration(**{name: max(getattr(current, name), size) for name in _DECODED_LIMITS}):
        yield


_DECODED_LIMITS = ("zlib_maximum_output_length", "lzw_maximum_output_length", "run_length_maximum_output_length",
                   "array_based_stream_maximum_output_length", "image_maximum_buffer_size",
                   "jbig2_maximum_output_length", "brotli_maximum_output_length",
                   "stream_decoding_work_maximum_length")


def _resolved_list(value: object) -> list[object]:
    value = _resolved(value)
    return [_resolved(v) for v in value] if isinstance(value, ArrayObject) else []


def _resolved(value: object) -> object:
    get_object = getattr(value, "get_object", None)
    return get_object() if callable(get_object) else value
