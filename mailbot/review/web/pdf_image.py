"""Page 1 of a PDF attachment (or a scan sent as a picture) as a PNG, drawn by PDFium in a child process under
CPU, memory and time limits: a hostile PDF can at worst fail to show, never take the web server down (a PDF bomb
made PDFium use 2 GB). The child is a fresh interpreter with an empty environment and no inherited descriptors,
and gives up root for `nobody` before it reads the PDF (mailbot.processing.child_process): the web server's secrets
are not there to take."""

from __future__ import annotations

import hashlib
import io
import resource
import subprocess
import sys
from collections import OrderedDict
from threading import Lock

from mailbot.processing.child_process import child_options, python_command

MAX_PDF_BYTES = 25 * 1024 * 1024
MEMORY_LIMIT = 768 * 1024 * 1024
CPU_SECONDS = 10
WALL_SECONDS = 20
TARGET_WIDTH_PX = 900
_CACHE: OrderedDict[str, bytes] = OrderedDict()
_CACHE_SIZE = 32
_LOCK = Lock()
CHILD_MODULE = "mailbot.review.web.pdf_image"


class PageImageError(Exception):
    """The page could not be drawn; the message says why in plain words."""


def render_first_page(pdf: bytes) -> bytes:
    """PNG bytes of page 1 (cached by content, so a page is drawn once however often it is viewed)."""
    if len(pdf) > MAX_PDF_BYTES:
        raise PageImageError("the file is too large to draw")
    key = hashlib.sha256(pdf).hexdigest()
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    try:
        done = subprocess.run(python_command(CHILD_MODULE), input=pdf, capture_output=True,  # noqa: S603
                              timeout=WALL_SECONDS, check=False, **child_options())
    except subprocess.TimeoutExpired:
        raise PageImageError("drawing it took too long") from None
    if done.returncode != 0 or not done.stdout.startswith(b"\x89PNG"):
        raise PageImageError("it is not a PDF that can be drawn (damaged, protected or too complex)")
    with _LOCK:
        _CACHE[key] = done.stdout
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return done.stdout


def _child() -> int:
    # Limits first, before PDFium is even loaded; root given up before the PDF is read.
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    import pypdfium2 as pdfium

    from mailbot.processing.child_process import give_up_privileges, preload_for_reading

    preload_for_reading(ocr=False, signatures=False)  # it draws pages: no OCR, no signature to validate
    give_up_privileges()
    data = sys.stdin.buffer.read(MAX_PDF_BYTES + 1)
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")):
        return _picture(data)  # a scan or photo sent as a picture: its first page, upright, made smaller
    pdf = pdfium.PdfDocument(data)
    pdf.init_forms()  # so filled-in form fields are drawn too
    page = pdf[0]
    width, _height = page.get_size()
    bitmap = page.render(scale=min(3.0, TARGET_WIDTH_PX / max(width, 1.0)), may_draw_forms=True)
    out = io.BytesIO()
    bitmap.to_pil().save(out, format="PNG", optimize=False)
    sys.stdout.buffer.write(out.getvalue())
    return 0


def _picture(data: bytes) -> int:
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = 40_000_000
    picture: Image.Image = Image.open(io.BytesIO(data))
    picture = ImageOps.exif_transpose(picture) or picture
    picture.thumbnail((TARGET_WIDTH_PX, TARGET_WIDTH_PX * 2))
    out = io.BytesIO()
    picture.convert("RGB").save(out, format="PNG", optimize=False)
    sys.stdout.buffer.write(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(_child())
