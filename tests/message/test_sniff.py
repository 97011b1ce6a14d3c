"""Attachment types told from bytes, never from names."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from parsers.message import parse_message
from parsers.sniff import sniff_type
from tests.message.samples import small_jpeg, small_pdf, small_png
from tests.support.mail_builder import build_message


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(out, fmt)
    return out.getvalue()


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "expected"), [
    ("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"), ("TIFF", "image/tiff"),
    ("BMP", "image/bmp"), ("WEBP", "image/webp"),
])
def test_real_images(fmt: str, expected: str) -> None:
    assert sniff_type(_image(fmt)) == expected


def test_pdf_office_and_other_files() -> None:
    assert sniff_type(small_pdf()) == "application/pdf"
    assert sniff_type(b"\xef\xbb\xbfjunk before the header %PDF-1.7\n") == "application/pdf"
    assert sniff_type(b"x" * 2000 + b"%PDF-1.7") == "text/plain"  # too far in for a reader to accept
    assert sniff_type(_zip(["[Content_Types].xml", "word/document.xml"])) == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert sniff_type(_zip(["xl/workbook.xml"])) == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert sniff_type(_zip(["notes.txt"])) == "application/zip"
    assert sniff_type(b"MZ\x90\x00\x03" + b"\x00" * 60) == "application/x-msdownload"
    assert sniff_type(b"MZ is a postcode area\n") == "text/plain"
    assert sniff_type("Organisation code: A81001 – ünïcode\n".encode()) == "text/plain"
    assert sniff_type(bytes(range(256)) * 4) == "application/octet-stream"
    assert sniff_type(b"") == "application/octet-stream"
    assert sniff_type(b"BM" + b"short") == "text/plain"


def test_a_pdf_named_jpg_is_a_pdf_and_an_exe_named_pdf_is_not() -> None:
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 100
    raw = build_message(attachments=[("scan.jpg", "image/jpeg", small_pdf()),
                                     ("form.pdf", "application/pdf", exe),
                                     ("photo.pdf", "application/pdf", small_png()),
                                     ("real.jpeg", "image/jpeg", small_jpeg())])
    found = {a.filename: (a.declared_type, a.sniffed_type) for a in parse_message(raw).attachments}
    assert found == {
        "scan.jpg": ("image/jpeg", "application/pdf"),
        "form.pdf": ("application/pdf", "application/x-msdownload"),
        "photo.pdf": ("application/pdf", "image/png"),
        "real.jpeg": ("image/jpeg", "image/jpeg"),
    }


def test_word_processor_files_are_told_by_what_their_zip_says_they_are() -> None:
    from tests.support.word_files import doc_97, docx, odt

    assert sniff_type(docx(["Hello"])) == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert sniff_type(odt(["Hello"])) == "application/vnd.oasis.opendocument.text"
    assert sniff_type(doc_97("Hello")) == "application/msword"
    assert sniff_type(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)) == "application/x-ole-storage"  # not Word
    assert sniff_type(b"{\\rtf1\\ansi Primary User request}") == "application/rtf"
    assert sniff_type(_zip(["[Content_Types].xml"])) == "application/zip"  # its content says nothing
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:  # an ODF spreadsheet is not a text document
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    assert sniff_type(out.getvalue()) == "application/vnd.oasis.opendocument.spreadsheet"


def test_a_zip_bomb_member_is_never_inflated_to_tell_the_type() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b" " * 200_000_000 + b"wordprocessingml.document.main+xml")
    data = out.getvalue()
    assert len(data) < 1_000_000
    assert sniff_type(data) == "application/zip"  # only the first 64 KB of the member is read
