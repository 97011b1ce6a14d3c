"""The files inside an Outlook winmail.dat (TNEF, MS-OXTNEF), found without reading anything else in it.

Outlook sends a message written in its Rich Text format as a winmail.dat attachment holding the message's
attachments: the form a practice attached is in there, and every other mail program shows only "winmail.dat".
Only the attachment attributes are read (each file's title and bytes); MAPI properties, the rich text body and
embedded messages are skipped, and a damaged or cut-short file yields what was found before the damage.
"""

from __future__ import annotations

from dataclasses import dataclass

TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"  # 0x223E9F78, little-endian
HEADER_BYTES = 6  # the signature and a two-byte legacy key
ATTRIBUTE_HEAD = 9  # level (1), attribute id and type (4), length (4); then the data and a 2-byte checksum
LEVEL_ATTACHMENT = 2
ATT_ATTACH_REND_DATA = 0x9002  # starts each attachment
ATT_ATTACH_TITLE = 0x8010
ATT_ATTACH_DATA = 0x800F
MAX_FILES = 50


@dataclass(frozen=True)
class TnefFile:
    """One attachment inside a TNEF stream: its title and where its bytes lie in the stream."""

    title: str
    start: int
    end: int


@dataclass
class _Attachment:
    title: str = ""
    span: tuple[int, int] | None = None


def is_tnef(data: bytes) -> bool:
    return data.startswith(TNEF_SIGNATURE)


def tnef_files(data: bytes) -> tuple[tuple[TnefFile, ...], str | None]:
    """The files attached inside the TNEF stream DATA, in order, and what was wrong with it (None when nothing)."""
    if not is_tnef(data):
        return (), "not a TNEF (winmail.dat) file"
    found: list[_Attachment] = []
    problem = None
    pos = HEADER_BYTES
    while pos < len(data):
        if pos + ATTRIBUTE_HEAD > len(data):
            problem = "it is cut short"
            break
        level = data[pos]
        attribute = int.from_bytes(data[pos + 1:pos + 5], "little") & 0xFFFF
        start = pos + ATTRIBUTE_HEAD
        end = start + int.from_bytes(data[pos + 5:pos + 9], "little")
        if end + 2 > len(data):
            problem = "it is cut short"
            break
        if level == LEVEL_ATTACHMENT:
            if attribute == ATT_ATTACH_REND_DATA:
                if len(found) >= MAX_FILES:
                    problem = f"it holds more than {MAX_FILES} files: the rest were not read"
                    break
                found.append(_Attachment())
            elif found and attribute == ATT_ATTACH_TITLE:
                found[-1].title = data[start:end].split(b"\x00", 1)[0].decode("cp1252", errors="replace")
            elif found and attribute == ATT_ATTACH_DATA:
                found[-1].span = (start, end)
        pos = end + 2
    files = tuple(TnefFile(a.title, *a.span) for a in found if a.span is not None)
    return files, problem
