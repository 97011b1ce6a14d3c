"""Word-processor documents sent instead of the PDF form (a .docx, .odt, .doc, .rtf): what they say, as far as it
takes to tell whether it is the Primary User request form, filled in Word or LibreOffice. Their content is never
read as the form itself: SPEC 9's form is the PDF, signed at the bottom of page 1, and the reply says so."""

from __future__ import annotations

import html
import io
import re
import zipfile

from parsers.message import Attachment, ParsedMessage
from parsers.sniff import DOC, DOCM, DOCX, ODT, RTF, WORD_DOCUMENTS

MAX_XML = 2_000_000  # decompressed bytes of the main part read, at most
MAX_TEXT = 20_000
MAIN_PARTS = {DOCX: "word/document.xml", DOCM: "word/document.xml", ODT: "content.xml"}
_TAG = re.compile(r"<[^>]{0,2000}>")
_PARAGRAPH_END = re.compile(r"</(w:p|text:p|text:h)>")
_RTF_CONTROL = re.compile(r"\\[a-z]+-?\d* ?|[{}]|\\'[0-9a-f]{2}", re.I)
_FORM_WORDS = ("primaryuser",)
_FORM_CONTEXT = ("openexeter", "signatory", "odscode", "organisationcode")


def word_documents(msg: ParsedMessage) -> tuple[Attachment, ...]:
    """MSG's attachments that are word-processor documents (by their bytes, whatever their names say)."""
    return tuple(a for a in msg.attachments if a.sniffed_type in WORD_DOCUMENTS)


def describe(attachment: Attachment) -> str:
    """ "form.docx (a Word document (.docx))" """
    kind = WORD_DOCUMENTS.get(attachment.sniffed_type, "a word-processor document")
    return f"{attachment.filename or 'an unnamed attachment'} ({kind})"


def document_text(attachment: Attachment) -> str:
    """The document's text, roughly and at most MAX_TEXT characters; "" where it cannot be had (a .doc, damage)."""
    part = MAIN_PARTS.get(attachment.sniffed_type)
    try:
        if part is not None:
            with zipfile.ZipFile(io.BytesIO(attachment.data)) as archive, archive.open(part) as member:
                xml = member.read(MAX_XML).decode("utf-8", "replace")
            text = _TAG.sub(" ", _PARAGRAPH_END.sub("\n", xml))
            return html.unescape(text)[:MAX_TEXT]
        if attachment.sniffed_type == RTF:
            return _RTF_CONTROL.sub(" ", attachment.data[:MAX_XML].decode("latin-1"))[:MAX_TEXT]
        if attachment.sniffed_type == DOC:
            # Word 97-2003 keeps its text in runs of single-byte or UTF-16 characters: enough to find words in.
            data = attachment.data[:MAX_XML]
            runs = re.findall(rb"[ -~]{4,}", data) + re.findall(rb"(?:[ -~]\x00){4,}", data)
            return " ".join(r.decode("utf-16-le") if r[1:2] == b"\x00" else r.decode("ascii")
                            for r in runs)[:MAX_TEXT * 5]
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        return ""
    return ""


def is_request_form(attachment: Attachment) -> bool:
    """Whether the document is (or plainly holds) the Primary User request form: it (or its name) speaks of a
    Primary User and of Open Exeter, a signatory or an organisation code."""
    letters = re.sub(r"[^a-z]", "", f"{attachment.filename} {document_text(attachment)}".lower())
    return any(w in letters for w in _FORM_WORDS) and any(w in letters for w in _FORM_CONTEXT)
