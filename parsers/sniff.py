"""What an attachment is, told from its bytes alone: a name or a declared type says what the sender claims."""

from __future__ import annotations

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
TIFF = "image/tiff"
BMP = "image/bmp"
WEBP = "image/webp"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OLE = "application/x-ole-storage"  # old Word and Excel files
EXE = "application/x-msdownload"
TEXT = "text/plain"
BINARY = "application/octet-stream"

IMAGE_TYPES = frozenset({PNG, JPEG, GIF, TIFF, BMP, WEBP})
# PDF readers accept a header anywhere in the first kilobyte, so a form with junk before it still opens.
PDF_HEADER_WINDOW = 1024
TEXT_SAMPLE = 8192

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE),
)


def _zip_type(data: bytes) -> str:
    # The member names are stored in clear in the local and central headers.
    if b"word/document.xml" in data:
        return DOCX
    if b"xl/workbook.xml" in data:
        return XLSX
    return ZIP


def _looks_like_text(sample: bytes) -> bool:
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3:  # a character cut by the sample's end
            return True
    controls = sum(1 for b in sample if b < 0x20 and b not in b"\t\r\n\x0c")
    return controls * 20 < len(sample)


def sniff_type(data: bytes) -> str:
    """The media type DATA's leading bytes show; `application/octet-stream` when they show nothing known."""
    if not data:
        return BINARY
    if b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        return PDF
    for magic, media_type in _SIGNATURES:
        if data.startswith(magic):
            return media_type
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"BM") and len(data) >= 26 and data[6:10] == b"\x00\x00\x00\x00":
        return BMP
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_type(data)
    if data.startswith(b"MZ") and b"\x00" in data[:64]:
        return EXE
    return TEXT if _looks_like_text(data[:TEXT_SAMPLE]) else BINARY
