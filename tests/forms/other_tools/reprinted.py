"""Forms passed through other tools than ours (make_fixtures.py uses them): printed again by Ghostscript, fitted
onto US Letter, rotated or flattened by qpdf, filled by pdftk, scanned by poppler and img2pdf; and with their fonts'
ToUnicode maps taken out, as some producers write them."""

from __future__ import annotations

import html
import io
import subprocess
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from tests.support.foreign_forms import foreign_form, made_up_values

Rect = tuple[float, float, float, float]


def run(*command: str, cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, timeout=240)


def through(pdf: bytes, work: Path, name: str, *command: str) -> bytes:
    """PDF written to NAME-in.pdf in WORK, COMMAND run there, NAME.pdf read back: a tool's output."""
    (work / f"{name}-in.pdf").write_bytes(pdf)
    run(*command, cwd=work)
    return (work / f"{name}.pdf").read_bytes()


def ghostscript(pdf: bytes, work: Path, name: str) -> bytes:
    return through(pdf, work, name, "gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite",
                   "-dPreserveAnnots=false", "-dShowAnnots=true", f"-sOutputFile={name}.pdf", f"{name}-in.pdf")


def scanned(pdf: bytes, work: Path, name: str, dpi: int = 200, picture: str = "png") -> bytes:
    """Page 1 rendered by poppler (pdftoppm -mono) and wrapped by img2pdf: a PDF of a page image, as a scanner
    writes one. PICTURE "png": an RGB PNG that says its dpi (Flate-packed in the PDF); "pbm": a bitmap that says
    none, so img2pdf takes it as 96 dpi and the page comes out 17 inches wide."""
    (work / f"{name}-in.pdf").write_bytes(pdf)
    run("pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-mono", *(["-png"] if picture == "png" else []),
        f"{name}-in.pdf", name, cwd=work)
    found = next(work.glob(f"{name}-*1.{picture}"))
    run("img2pdf", "--output", f"{name}.pdf", found.name, cwd=work)
    return (work / f"{name}.pdf").read_bytes()


def fit_to_letter(pdf: bytes, work: Path, name: str) -> bytes:
    """Printed "fit to page" onto US Letter by Ghostscript (an A4 form, scaled down and centred)."""
    return through(pdf, work, name, "gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite",
                   "-sPAPERSIZE=letter", "-dFIXEDMEDIA", "-dPDFFitPage", f"-sOutputFile={name}.pdf", f"{name}-in.pdf")


def qpdf(pdf: bytes, work: Path, name: str, *options: str) -> bytes:
    return through(pdf, work, name, "qpdf", *options, f"{name}-in.pdf", f"{name}.pdf")


def pdftk_filled(pdf: bytes, values: dict[str, str], work: Path, name: str, flatten: bool) -> bytes:
    """PDF's fields filled by pdftk from an XFDF file (pdftk draws their appearances), flattened if FLATTEN."""
    fields = "".join(f'<field name="{html.escape(field)}"><value>{html.escape(value)}</value></field>'
                     for field, value in values.items())
    (work / f"{name}.xfdf").write_text('<?xml version="1.0" encoding="UTF-8"?><xfdf '
                                       f'xmlns="http://ns.adobe.com/xfdf/"><fields>{fields}</fields></xfdf>')
    return through(pdf, work, name, "pdftk", f"{name}-in.pdf", "fill_form", f"{name}.xfdf", "output",
                   f"{name}.pdf", *(["flatten"] if flatten else []))


def blank_fillable(paper: str, seed: int) -> tuple[bytes, dict[str, str], Rect, dict[str, str]]:
    """Another tool's fillable form (tests/support/foreign_forms.py: its own field names, tooltips, and a /Sig
    field at the top right), left blank for pdftk to fill."""
    form = foreign_form("fillable", paper, seed=seed, values=dict.fromkeys(made_up_values(seed), ""))
    return form.pdf, made_up_values(seed), form.box, form.widget_names


def without_tounicode(pdf: bytes) -> bytes:
    """PDF with its fonts' ToUnicode maps taken out, as producers that leave them out write it: PDFium then gives
    glyph numbers for Chromium's and LibreOffice's Identity-H fonts, not letters."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for font in writer.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        if "/ToUnicode" in font:
            del font[NameObject("/ToUnicode")]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
