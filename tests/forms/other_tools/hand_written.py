"""Forms whose content streams are written by hand, the way some producers write text (make_fixtures.py uses
them): a TJ array kerned without space characters, one character a Tj, character spacing and horizontal scaling,
words drawn right to left, fi/fl ligature glyphs with no ToUnicode, a label in a Type3 font, a signature of pen
strokes; upright or turned a quarter on a landscape page."""

from __future__ import annotations

import io

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject, NumberObject

Rect = tuple[float, float, float, float]


def _literal(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _split_runs(x: float, y: float, text: str, size: float, font: str = "/F1") -> str:
    """TEXT one character a Tj, each placed by its own Td (as some converters write every glyph)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    base = {"/F1": "Helvetica", "/F2": "Times-Roman"}[font]
    out = [f"BT {font} {size} Tf {x:.2f} {y:.2f} Td"]
    for char in text:
        out.append(f"{_literal(char)} Tj {stringWidth(char, base, size):.3f} 0 Td")
    return " ".join(out) + " ET\n"


def _kerned(x: float, y: float, words: list[str], size: float, spacing: float = 0.0, scale: float = 100.0,
            font: str = "/F2") -> str:
    """WORDS as one TJ array, kerned, with no space characters: the word spaces are the array's numbers; Tc
    SPACING between characters, Tz SCALE horizontally."""
    parts = []
    for i, word in enumerate(words):
        pairs = [_literal(word[:1])] + [f"-15 {_literal(c)}" for c in word[1:]]  # kerning inside words
        parts.append(" ".join(pairs) + (" -280" if i < len(words) - 1 else ""))
    return f"BT {font} {size} Tf {spacing} Tc {scale} Tz {x:.2f} {y:.2f} Td [{' '.join(parts)}] TJ 0 Tc 100 Tz ET\n"


def _right_to_left(x: float, y: float, words: list[str], size: float) -> str:
    """A line whose words are drawn last first (the content stream's order is not the reading order)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    places, left = [], x
    for word in words:
        places.append((left, word))
        left += stringWidth(word + " ", "Helvetica", size)
    return "".join(f"BT /F1 {size} Tf {px:.2f} {y:.2f} Td {_literal(word)} Tj ET\n" for px, word in reversed(places))


# Codes for the ligature glyphs in the Times font's StandardEncoding: fi is 0256, fl 0257.
FI, FL = "\\256", "\\257"


def _ligatures(x: float, y: float, pieces: str, size: float) -> str:
    """PIECES already written as PDF string bytes, the fi/fl ligature glyphs among them (as a typesetter sets
    them); the font has no ToUnicode: the glyphs' names say what they are."""
    return f"BT /F3 {size} Tf {x:.2f} {y:.2f} Td ({pieces}) Tj ET\n"


def _type3_font() -> DictionaryObject:
    """A Type3 font (each glyph a small drawing: a filled box) whose encoding names its glyphs by the standard
    names and that has no ToUnicode, as bitmap fonts from TeX or old printer drivers come out."""
    names = sorted(set("Jobtitle"))
    procs = DictionaryObject()
    for name in names:
        stream = DecodedStreamObject()
        stream.set_data(b"500 0 0 0 450 700 d1 20 0 410 680 re f")
        procs[NameObject("/" + name)] = stream
    codes = [ord(c) for c in names]
    differences = ArrayObject()
    for name in names:
        differences.extend([NumberObject(ord(name)), NameObject("/" + name)])
    differences.extend([NumberObject(32), NameObject("/space")])
    space = DecodedStreamObject()
    space.set_data(b"250 0 d0")
    procs[NameObject("/space")] = space
    return DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type3"),
        NameObject("/FontBBox"): ArrayObject(NumberObject(v) for v in (0, 0, 500, 700)),
        NameObject("/FontMatrix"): ArrayObject(FloatObject(v) for v in (0.001, 0, 0, 0.001, 0, 0)),
        NameObject("/CharProcs"): procs,
        NameObject("/Encoding"): DictionaryObject({NameObject("/Type"): NameObject("/Encoding"),
                                                   NameObject("/Differences"): differences}),
        NameObject("/FirstChar"): NumberObject(32), NameObject("/LastChar"): NumberObject(max(codes)),
        NameObject("/Widths"): ArrayObject(NumberObject(250 if c == 32 else (500 if c in codes else 0))
                                           for c in range(32, max(codes) + 1)),
        NameObject("/Resources"): DictionaryObject()})


def hand_written(values: dict[str, str], turned_text: bool) -> tuple[bytes, Rect]:
    """US Letter, every line written in the content stream by hand: the title kerned in a TJ array without
    spaces, labels one character a Tj, values with character spacing and horizontal scaling, a line drawn right
    to left, fi/fl ligature glyphs, a label in a Type3 font without ToUnicode, the signature box ruled with a
    pen's strokes in it. TURNED_TEXT: the whole form drawn turned a quarter on a landscape page (text rotated
    90 degrees, no /Rotate), as a form "printed sideways"."""
    width, height = 612.0, 792.0
    lines = [_kerned(54, 730, ["Open", "Exeter", "Primary", "User", "Request", "-", "GP", "Practice"], 15)]
    y = 680.0
    rows = [("Organisation name", "org_name"), ("ODS code", "org_code"), ("Name of Primary User", "pu_full_name"),
            ("Job title", "pu_job_title"), ("E-mail", "pu_email"), ("Tel", "pu_phone"),
            ("Request type", "pu_request"), ("Signatory name", "sig_full_name"), ("Signatory role", "sig_role"),
            ("Signatory e-mail", "sig_email"), ("Date", "sig_date")]
    for label, name in rows:
        value = values[name]
        if name == "pu_job_title":
            lines.append(f"BT /F4 10 Tf 54 {y:.2f} Td (Job title) Tj ET\n")  # the Type3 label
        else:
            lines.append(_split_runs(54, y, label, 10))
        if name == "org_name":  # Whitfield: its fi a ligature glyph
            lines.append(_ligatures(230, y, value.replace("fi", FI).replace("fl", FL), 11))
        elif name == "pu_job_title":  # Office: of + fi
            lines.append(_ligatures(230, y, value.replace("ffi", "f" + FI), 11))
        elif name == "pu_full_name":
            lines.append(_right_to_left(230, y, value.split(), 11))
        else:
            lines.append(_kerned(230, y, value.split(), 11, spacing=0.8, scale=92))
        lines.append(f"0.6 w 226 {y - 5:.2f} m 560 {y - 5:.2f} l S\n")
        y -= 26
    box = (230.0, y - 110, 520.0, y - 20)
    lines.append(_split_runs(54, y - 30, "Signature of authorised signatory", 10))
    lines.append(f"0.8 w {box[0]} {box[1]} {box[2] - box[0]} {box[3] - box[1]} re S\n")
    lines.append(f"1.5 w 0.1 0.1 0.5 RG {box[0] + 30} {box[1] + 30} m {box[0] + 60} {box[3] - 10} {box[0] + 90} "
                 f"{box[1] + 5} {box[0] + 130} {box[1] + 45} c {box[0] + 160} {box[3] - 5} {box[0] + 190} "
                 f"{box[1] + 15} {box[0] + 230} {box[1] + 40} c S 0 G\n")
    content = "".join(lines)
    media = (0.0, 0.0, width, height)
    if turned_text:  # the page drawn turned a quarter anticlockwise onto a landscape page
        content = f"q 0 1 -1 0 {height} 0 cm\n{content}Q\n"
        media = (0.0, 0.0, height, width)
        left, bottom, right, top = box
        box = (height - top, left, height - bottom, right)
    writer = PdfWriter()
    page = writer.add_blank_page(media[2], media[3])
    stream = DecodedStreamObject()
    stream.set_data(content.encode("latin-1"))
    fonts = DictionaryObject({
        NameObject("/F1"): _standard_font("Helvetica", "/WinAnsiEncoding"),
        NameObject("/F2"): _standard_font("Times-Roman", "/WinAnsiEncoding"),
        NameObject("/F3"): _standard_font("Times-Roman", None),
        NameObject("/F4"): writer._add_object(_type3_font())})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), box


def _standard_font(name: str, encoding: str | None) -> DictionaryObject:
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/" + name)})
    if encoding:
        font[NameObject("/Encoding")] = NameObject(encoding)
    return font
