"""What an attachment is, told from its bytes alone: a name or a declared type says what the sender claims."""

from __future__ import annotations

import io
import zipfile

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
TIFF = "image/tiff"
BMP = "image/bmp"
WEBP = "image/webp"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCM = "application/vnd.ms-word.document.macroEnabled.12"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOC = "application/msword"  # Word 97-2003: an OLE file holding a WordDocument stream
RTF = "application/rtf"
TNEF = "application/ms-tnef"  # Outlook's winmail.dat: attachments wrapped in its Rich Text format
OLE = "application/x-ole-storage"  # other old Office files (Excel 97-2003...)
EXE = "application/x-msdownload"
TEXT = "text/plain"
BINARY = "application/octet-stream"

IMAGE_TYPES = frozenset({PNG, JPEG, GIF, TIFF, BMP, WEBP})
# Word-processor documents: what people send when they filled the form in Word or LibreOffice instead of the PDF.
WORD_DOCUMENTS: dict[str, str] = {
    DOCX: "a Word document (.docx)", DOCM: "a Word document (.docm)", DOC: "a Word 97-2003 document (.doc)",
    ODT: "an OpenDocument text file (.odt)", RTF: "a Rich Text document (.rtf)",
}
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
    (b"{\\rtf", RTF),
    (b"\x78\x9f\x3e\x22", TNEF),
)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An OLE file names its streams in UTF-16 in its directory; Word's main stream is "WordDocument".
WORD_STREAM = "WordDocument".encode("utf-16-le")
OLE_SEARCH = 1 << 20
# What a ZIP-based document says it is: the ODF mimetype member, or the main part's type in [Content_Types].xml.
ODF_TYPES = {ODT: ODT, "application/vnd.oasis.opendocument.text-template": ODT, ODS: ODS}
OOXML_MAIN_TYPES = (
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", DOCX),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml", DOCX),
    ("application/vnd.ms-word.document.macroEnabled.main+xml", DOCM),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", XLSX),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", PPTX),
)
MAX_ZIP_MEMBERS = 5_000
MAX_CONTENT_TYPES = 65_536


def _zip_type(data: bytes) -> str:
    """What a ZIP holds: an ODF document says so in its first member, "mimetype"; an Office Open XML one in
    [Content_Types].xml. Only those two small members are read, and only so far (a ZIP bomb stays shut)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {info.filename for info in archive.infolist()[:MAX_ZIP_MEMBERS]}
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    declared = member.read(200).decode("ascii", "replace").strip()
                if declared in ODF_TYPES:
                    return ODF_TYPES[declared]
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as member:
                    types = member.read(MAX_CONTENT_TYPES).decode("utf-8", "replace")
                for main, media_type in OOXML_MAIN_TYPES:
                    if main in types:
                        return media_type
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError,
            KeyError, RuntimeError):
        names = set()  # cut short or damaged: the member names are still there in clear
    if "word/document.xml" in names or (not names and b"word/document.xml" in data):
        return DOCX
    if "xl/workbook.xml" in names or (not names and b"xl/workbook.xml" in data):
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
    if data.startswith(OLE_MAGIC):
        return DOC if WORD_STREAM in data[:OLE_SEARCH] else OLE
    if data.startswith(b"MZ") and b"\x00" in data[:64]:
        return EXE
    return TEXT if _looks_like_text(data[:TEXT_SAMPLE]) else BINARY
