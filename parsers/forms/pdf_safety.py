"""Decoding what rendering page 1 will decode, first with pypdf under its limits: a decompression bomb or a giant
image stops here with a clear problem instead of pushing PDFium against the child's memory limit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pypdf import PageObject, apply_configuration, get_configuration
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

MAX_XOBJECTS = 200
MAX_DEPTH = 6
# Objects looked at on a page (a form's page has some 140: annotations, appearances, their resources); a page past
# this is no form's, and saying so costs less than parsing on until the CPU limit.
MAX_LOOKS = 20_000


class TooLarge(Exception):
    """Page 1 would take too much memory or work to draw."""


def check_page(page: PageObject, max_image_pixels: int) -> None:
    """Raise TooLarge (or pypdf's LimitReachedError) when page 1's content, images or annotation appearances are
    bigger than a form's should be."""
    page.get_contents()  # decodes every content stream, under pypdf's limits
    walk = _Walk(max_image_pixels)
    walk.resources(page.get("/Resources"), 0)
    for annot in walk.items(page.get("/Annots")):
        appearance = walk.resolved(annot.get("/AP")) if isinstance(annot, DictionaryObject) else None
        if isinstance(appearance, DictionaryObject):
            for key in ("/N", "/D", "/R"):
                walk.xobject(appearance.get(key), 1)


class _Walk:
    """One page's check. Each stream is checked once (pypdf keeps what it parsed, so resolving again is cheap, but
    an appearance dictionary or a resources dictionary shared by many annotations was walked again for each); a
    dictionary reached again is walked again only from deeper than before, where its drawings could now be nested
    too deeply (so no check is skipped); and the objects looked at are counted and bounded (MAX_LOOKS)."""

    def __init__(self, max_image_pixels: int) -> None:
        self.max_image_pixels = max_image_pixels
        self.streams: set[int] = set()  # id() of the streams checked (pypdf resolves a reference to one object)
        self.walked: dict[tuple[int, int], int] = {}  # a dictionary's reference -> the deepest it was walked from
        self.looks = 0

    def resolved(self, value: object) -> object:
        self.looks += 1
        if self.looks > MAX_LOOKS:
            raise TooLarge("too many objects on page 1")
        get_object = getattr(value, "get_object", None)
        return get_object() if callable(get_object) else value

    def items(self, value: object) -> list[object]:
        value = self.resolved(value)
        return [self.resolved(v) for v in value] if isinstance(value, ArrayObject) else []

    def resources(self, value: object, depth: int) -> None:
        resources = self.resolved(value)
        if not isinstance(resources, DictionaryObject):
            return
        xobjects = self.resolved(resources.get("/XObject"))
        if isinstance(xobjects, DictionaryObject):
            for item in xobjects.values():
                self.xobject(item, depth + 1)

    def xobject(self, value: object, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise TooLarge("drawings nested too deeply")
        if isinstance(value, IndirectObject):
            key = (value.idnum, value.generation)
            if self.walked.get(key, -1) >= depth:
                return  # walked already from here or deeper: every check below it was made
            self.walked[key] = depth
        obj = self.resolved(value)
        if isinstance(obj, DictionaryObject) and not isinstance(obj, StreamObject):
            # An appearance sub-dictionary (/On, /Off states) holding streams.
            for sub in obj.values():
                self.xobject(sub, depth + 1)
            return
        if not isinstance(obj, StreamObject) or id(obj) in self.streams:
            return
        self.streams.add(id(obj))
        if len(self.streams) > MAX_XOBJECTS:
            raise TooLarge("too many drawings on page 1")
        if obj.get("/Subtype") == "/Image":
            width, height = int(obj.get("/Width", 0)), int(obj.get("/Height", 0))
            if width * height > self.max_image_pixels:
                raise TooLarge(f"an image of {width * height:,} pixels")
            with _room_for(_decoded_bytes(obj, width, height)):
                obj.get_data()
            return
        obj.get_data()
        self.resources(obj.get("/Resources"), depth)


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
