"""How the form files beside this script were made: by other tools than ours (LibreOffice, Chromium, Ghostscript,
qpdf, pdftk, poppler with img2pdf), each from a document written here as a person would write it in that tool.
Run once, by hand; the files are committed and the tests read those very bytes, so the tests need none of these
tools (Debian bookworm: libreoffice-writer-nogui, chromium, ghostscript, qpdf, pdftk-java, poppler-utils, img2pdf):

    .venv/bin/python tests/forms/other_tools/make_fixtures.py

expected.json holds what each file should read as; README.md says how each was made."""

from __future__ import annotations

import base64
import html
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

import pypdfium2 as pdfium  # noqa: E402

from tests.forms.other_tools.hand_written import hand_written  # noqa: E402
from tests.forms.other_tools.reprinted import (  # noqa: E402
    blank_fillable,
    fit_to_letter,
    ghostscript,
    pdftk_filled,
    qpdf,
    run,
    scanned,
    without_tounicode,
)
from tests.support.foreign_marks import signed  # noqa: E402
from tests.support.forms_drawing import signature_image_png  # noqa: E402

Rect = tuple[float, float, float, float]
CM = 72 / 2.54
MM = CM / 10

# Values with ligatures in most fonts (fi, fl, ffi), an apostrophe and a hyphen.
FIELDS_A = {"org_name": "Whitfield Medical Centre", "org_code": "L83014", "pu_full_name": "Fiona Clifford",
            "pu_job_title": "Office Manager", "pu_email": "fiona.clifford@nhs.net", "pu_phone": "01392 418820",
            "pu_request": "additional", "sig_full_name": "Dr Siobhan O'Flynn", "sig_role": "GP Partner",
            "sig_email": "siobhan.oflynn@nhs.net", "sig_date": "03/11/2026"}
FIELDS_B = {"org_name": "Exe Valley Community Trust", "org_code": "RBZ12", "pu_full_name": "Kwame Asante-Boateng",
            "pu_job_title": "Information Governance Lead", "pu_email": "kwame.asante@nhs.net",
            "pu_phone": "01884 250117", "pu_request": "new", "sig_full_name": "Margaret Fell",
            "sig_role": "Caldicott Guardian", "sig_email": "margaret.fell@nhs.net", "sig_date": "21/09/2026"}
FIELDS_C = {"org_name": "Flowerfield Surgery", "org_code": "L83777", "pu_full_name": "Effie Baffin",
            "pu_job_title": "Practice Manager", "pu_email": "effie.baffin@nhs.net", "pu_phone": "01395 270311",
            "pu_request": "replacement", "pu_replaces": "old.manager@nhs.net", "sig_full_name": "Dr Affleck Moore",
            "sig_role": "Lead GP", "sig_email": "affleck.moore@nhs.net", "sig_date": "01/12/2026"}


def text_box(pdf: bytes, needle: str, page: int = 0) -> Rect:
    """Where NEEDLE is printed on PAGE, in the page's own coordinates (left, bottom, right, top)."""
    document = pdfium.PdfDocument(pdf)
    textpage = document[page].get_textpage()
    searcher = textpage.search(needle)
    found = searcher.get_next()
    assert found is not None, needle
    start, count = found
    boxes = [textpage.get_charbox(i) for i in range(start, start + count)]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


# --- LibreOffice -------------------------------------------------------------------------------------------------

FODT_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:xlink="http://www.w3.org/1999/xlink"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3"
 office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls><style:font-face style:name="{font}" svg:font-family="{font}"/></office:font-face-decls>
<office:styles><style:default-style style:family="paragraph"><style:text-properties style:font-name="{font}"
 fo:font-size="10.5pt"/></style:default-style></office:styles>
<office:automatic-styles>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="{width}" fo:page-height="{height}"
 fo:margin-top="1.8cm" fo:margin-bottom="1.5cm" fo:margin-left="2cm" fo:margin-right="2cm"/></style:page-layout>
<style:style style:name="Title" style:family="paragraph"><style:text-properties fo:font-size="17pt"
 fo:font-weight="bold"/><style:paragraph-properties fo:margin-bottom="0.3cm"/></style:style>
<style:style style:name="Head" style:family="paragraph"><style:text-properties fo:font-size="12pt"
 fo:font-weight="bold"/><style:paragraph-properties fo:margin-top="0.35cm" fo:margin-bottom="0.15cm"/></style:style>
<style:style style:name="Small" style:family="paragraph"><style:text-properties fo:font-size="8pt"
 fo:color="#444444"/><style:paragraph-properties fo:margin-top="0.12cm"/></style:style>
<style:style style:name="Spaced" style:family="paragraph"><style:text-properties fo:letter-spacing="0.06cm"
 fo:font-size="11pt"/><style:paragraph-properties fo:text-align="justify"/></style:style>
<style:style style:name="T1" style:family="table"><style:table-properties style:width="17cm" table:align="left"/>
</style:style>
<style:style style:name="Col1" style:family="table-column"><style:table-column-properties
 style:column-width="6.5cm"/></style:style>
<style:style style:name="Col2" style:family="table-column"><style:table-column-properties
 style:column-width="10.5cm"/></style:style>
<style:style style:name="Cell" style:family="table-cell"><style:table-cell-properties
 fo:border="0.5pt solid #000000" fo:padding="0.12cm"/></style:style>
<style:style style:name="Tall" style:family="table-row"><style:table-row-properties
 style:min-row-height="2.8cm"/></style:style>
<style:style style:name="Box" style:family="graphic"><style:graphic-properties fo:border="0.6pt solid #000000"
 draw:fill="none" style:wrap="none" style:vertical-pos="from-top" style:horizontal-pos="from-left"
 style:vertical-rel="page" style:horizontal-rel="page"/></style:style>
<style:style style:name="Pic" style:family="graphic"><style:graphic-properties style:wrap="none" draw:fill="none"
 style:vertical-pos="from-top" style:horizontal-pos="from-left" style:vertical-rel="page"
 style:horizontal-rel="page"/></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"/></office:master-styles>
<office:body><office:text>
"""
FODT_TAIL = "</office:text></office:body></office:document>\n"


def para(text: str, style: str = "") -> str:
    styled = f' text:style-name="{style}"' if style else ""
    return f"<text:p{styled}>{html.escape(text)}</text:p>\n"


def libreoffice(body: str, work: Path, name: str, paper: tuple[str, str] = ("21cm", "29.7cm"),
                font: str = "P052") -> bytes:
    source = work / f"{name}.fodt"
    source.write_text(FODT_HEAD.format(font=font, width=paper[0], height=paper[1]) + body + FODT_TAIL)
    run("soffice", "--headless", "--convert-to", "pdf", source.name, cwd=work)
    return (work / f"{name}.pdf").read_bytes()


def lo_table(values: dict[str, str], work: Path) -> bytes:
    """A4, a ruled two-column table (labels left, values in the cells right), P052 (ligatures), a title that wraps
    onto two lines, the signature a tall empty cell beside its label."""
    rows = (("Organisation name", "org_name"), ("Organisation code (ODS)", "org_code"),
            ("Name of Primary User", "pu_full_name"), ("Job title", "pu_job_title"), ("E-mail", "pu_email"),
            ("Telephone", "pu_phone"), ("Request (new / additional / replacement)", "pu_request"),
            ("Signatory full name", "sig_full_name"), ("Signatory role", "sig_role"),
            ("Signatory e-mail", "sig_email"), ("Date", "sig_date"))
    body = para("Open Exeter Primary User Request - GP Practice", "Title")
    body += para("Please complete every row and sign in the box at the foot of the table.", "Small")
    body += ('<table:table table:name="Form" table:style-name="T1"><table:table-column table:style-name="Col1"/>'
             '<table:table-column table:style-name="Col2"/>\n')
    for label, name in rows:
        body += (f'<table:table-row><table:table-cell table:style-name="Cell">{para(label)}</table:table-cell>'
                 f'<table:table-cell table:style-name="Cell">{para(values[name])}</table:table-cell>'
                 "</table:table-row>\n")
    body += ('<table:table-row table:style-name="Tall"><table:table-cell table:style-name="Cell">'
             f'{para("Signature of authorised signatory")}</table:table-cell>'
             '<table:table-cell table:style-name="Cell"><text:p/></table:table-cell></table:table-row>\n')
    body += "</table:table>\n"
    return libreoffice(body, work, "lo-table")


def lo_table_box(pdf: bytes) -> Rect:
    label = text_box(pdf, "Signature of authorised")
    left = 2 * CM + 6.5 * CM
    top = label[3] + 0.12 * CM + 2
    return (left + 2, top - 2.8 * CM + 2, 19 * CM - 2, top - 2)


def lo_stacked(values: dict[str, str], work: Path) -> tuple[bytes, Rect]:
    """US Letter, labels above values under section headings (generic "Name", "E-mail"), values letter-spaced and
    justified, the signature an image in a bordered frame placed on the page under its label."""
    body = para("Open Exeter: Primary User request form (other organisation)", "Title")
    body += para("Organisation", "Head")
    for label, name in (("Name of organisation", "org_name"), ("Organisation code (ODS)", "org_code")):
        body += para(label, "Small") + para(values[name], "Spaced")
    body += para("The Primary User", "Head")
    for label, name in (("Name", "pu_full_name"), ("Job title", "pu_job_title"), ("E-mail", "pu_email"),
                        ("Telephone number", "pu_phone"), ("Type of request", "pu_request")):
        body += para(label, "Small") + para(values[name], "Spaced")
    body += para("Authorised signatory", "Head")
    for label, name in (("Name", "sig_full_name"), ("Role", "sig_role"), ("E-mail", "sig_email"),
                        ("Date", "sig_date")):
        body += para(label, "Small") + para(values[name], "Spaced")
    body += para("Signature of authorised signatory", "Small")
    # The box and the picture in it are anchored to the page at a known place (letter: 21.59 x 27.94 cm).
    x, y, width, height = 2.0, 17.1, 9.0, 3.2
    picture = base64.b64encode(signature_image_png()).decode()
    body = body.replace(
        para("Signature of authorised signatory", "Small"),
        '<text:p text:style-name="Small">Signature of authorised signatory'
        f'<draw:frame draw:style-name="Box" text:anchor-type="page" text:anchor-page-number="1" svg:x="{x}cm" '
        f'svg:y="{y}cm" svg:width="{width}cm" svg:height="{height}cm" draw:z-index="0"><draw:text-box>'
        "<text:p/></draw:text-box></draw:frame>"
        f'<draw:frame draw:style-name="Pic" text:anchor-type="page" text:anchor-page-number="1" '
        f'svg:x="{x + 1.2}cm" svg:y="{y + 0.7}cm" svg:width="5.4cm" svg:height="1.8cm" draw:z-index="1">'
        f"<draw:image><office:binary-data>{picture}</office:binary-data></draw:image></draw:frame></text:p>\n")
    pdf = libreoffice(body, work, "lo-stacked", paper=("21.59cm", "27.94cm"), font="DejaVu Serif")
    page_height = 27.94 * CM
    box = (x * CM, page_height - (y + height) * CM, (x + width) * CM, page_height - y * CM)
    return pdf, box


# --- Chromium ----------------------------------------------------------------------------------------------------

def chromium(document: str, work: Path, name: str) -> bytes:
    source, target = work / f"{name}.html", work / f"{name}.pdf"
    source.write_text(document)
    run("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
        f"--print-to-pdf={target}", source.as_uri(), cwd=work)
    return target.read_bytes()


SVG_SIGNATURE = ('<svg width="70mm" height="20mm" viewBox="0 0 280 80"><path d="M5 60 C 30 5, 45 5, 55 55 S 80 '
                 '70, 95 20 S 120 5, 130 60 C 140 80, 160 10, 175 40 S 210 70, 230 25 L 270 35" fill="none" '
                 'stroke="#102a80" stroke-width="3"/></svg>')


def chromium_columns(values: dict[str, str], work: Path) -> tuple[bytes, Rect]:
    """A4, `Label: value` in two columns (a CSS grid), values letter-spaced, the signature drawn as an SVG path
    (vector strokes) in a bordered box placed at a known spot."""
    cell = '<div class="f"><span class="l">{label}:</span> <span class="v">{value}</span></div>'
    left = (("Organisation name", "org_name"), ("Name of Primary User", "pu_full_name"),
            ("Job title", "pu_job_title"), ("E-mail", "pu_email"), ("Telephone", "pu_phone"),
            ("Request type", "pu_request"))
    right = (("Organisation code (ODS)", "org_code"), ("Signatory name", "sig_full_name"),
             ("Signatory role", "sig_role"), ("Signatory e-mail", "sig_email"), ("Date signed", "sig_date"))
    columns = "".join(
        '<div class="col">' + "".join(cell.format(label=html.escape(label), value=html.escape(values[name]))
                                      for label, name in half) + "</div>" for half in (left, right))
    document = f"""<!doctype html><html><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 0 }}
body {{ margin: 0; font-family: 'DejaVu Sans'; font-size: 10pt }}
h1 {{ position: absolute; left: 18mm; top: 16mm; font-size: 15pt; margin: 0; width: 175mm }}
.grid {{ position: absolute; left: 18mm; top: 36mm; width: 178mm; display: grid;
        grid-template-columns: 1fr 1fr; column-gap: 8mm }}
.f {{ margin-bottom: 5mm }} .l {{ color: #333 }} .v {{ letter-spacing: 0.6pt; font-family: 'DejaVu Serif' }}
.siglabel {{ position: absolute; left: 18mm; top: 112mm }}
.box {{ position: absolute; left: 18mm; top: 118mm; width: 100mm; height: 32mm; border: 0.8pt solid black }}
.ink {{ position: absolute; left: 14mm; top: 6mm }}
</style></head><body>
<h1>Open Exeter Primary User Request - Other Organisation</h1>
<div class="grid">{columns}</div>
<div class="siglabel">Signature of authorised signatory</div>
<div class="box"><div class="ink">{SVG_SIGNATURE}</div></div>
</body></html>"""
    pdf = chromium(document, work, "chromium-columns")
    height = 841.89
    return pdf, (18 * MM, height - 150 * MM, 118 * MM, height - 118 * MM)


def chromium_table(values: dict[str, str], work: Path) -> tuple[bytes, Rect]:
    """US Letter, an HTML table (labels in the left cells, values in the right ones), a Times-like font, an empty
    signature box in the last row; no signature drawn (one is added as an annotation afterwards)."""
    rows = (("Practice name", "org_name"), ("Practice ODS code", "org_code"), ("Name of Primary User", "pu_full_name"),
            ("Job title", "pu_job_title"), ("E-mail", "pu_email"), ("Contact number", "pu_phone"),
            ("Request", "pu_request"), ("Primary User to replace (email)", "pu_replaces"),
            ("Name of authorised signatory", "sig_full_name"), ("Signatory's role", "sig_role"),
            ("Signatory email address", "sig_email"), ("Date (dd/mm/yyyy)", "sig_date"))
    body = "".join(f"<tr><th>{html.escape(label)}</th><td>{html.escape(values.get(name, ''))}</td></tr>"
                   for label, name in rows)
    document = f"""<!doctype html><html><head><meta charset="utf-8"><style>
@page {{ size: letter; margin: 0 }}
body {{ margin: 0; font-family: 'Nimbus Roman'; font-size: 11pt }}
h1 {{ position: absolute; left: 0.8in; top: 0.6in; font-size: 16pt; margin: 0 }}
table {{ position: absolute; left: 0.8in; top: 1.2in; width: 6.9in; border-collapse: collapse }}
th {{ text-align: left; font-weight: normal; width: 2.6in }}
th, td {{ border: 0.75pt solid #555; padding: 4pt 6pt; height: 18pt }}
.box {{ position: absolute; left: 0.8in; top: 7.0in; width: 4.2in; height: 1.3in; border: 0.75pt solid #555 }}
.boxlabel {{ position: absolute; left: 0.8in; top: 6.75in }}
</style></head><body>
<h1>Open Exeter Primary User Request - GP Practice</h1>
<table>{body}</table>
<div class="boxlabel">Signature of authorised signatory</div><div class="box"></div>
</body></html>"""
    pdf = chromium(document, work, "chromium-table")
    return pdf, (0.8 * 72, 792 - 8.3 * 72, 5.0 * 72, 792 - 7.0 * 72)


def main() -> None:
    expected: dict[str, dict[str, object]] = {}

    def keep(name: str, pdf: bytes, values: dict[str, str], form_type: str, how: str, note: str) -> None:
        (HERE / name).write_bytes(pdf)
        expected[name] = {"values": values, "form_type": form_type, "signed": how, "made": note}
        print(f"{name}: {len(pdf) // 1024} KB")

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        table = lo_table(FIELDS_A, work)
        keep("libreoffice-table-a4.pdf", table, FIELDS_A, "gp_practice", "",
             "LibreOffice 7.4 (soffice --headless --convert-to pdf) from a flat ODT: A4, a ruled table, P052")
        keep("libreoffice-table-a4-ink.pdf", signed(table, lo_table_box(table), "ink"), FIELDS_A, "gp_practice",
             "ink signature", "libreoffice-table-a4.pdf with an ink annotation (pypdf) in the signature cell")
        keep("libreoffice-table-ghostscript-stamp.pdf",
             ghostscript(signed(table, lo_table_box(table), "stamp"), work, "lo-gs"), FIELDS_A, "gp_practice",
             "ink signature", "libreoffice-table-a4.pdf with a stamp annotation, printed by Ghostscript pdfwrite")
        stacked, stacked_box = lo_stacked(FIELDS_B, work)
        keep("libreoffice-stacked-letter-image.pdf", stacked, FIELDS_B, "other", "image of a signature",
             "LibreOffice from a flat ODT: US Letter, labels above values, a PNG signature in a frame on the page")
        columns, columns_box = chromium_columns(FIELDS_B, work)
        keep("chromium-columns-a4-vectors.pdf", columns, FIELDS_B, "other", "ink signature",
             "Chromium headless --print-to-pdf of HTML: A4, two CSS grid columns, an SVG signature path")
        html_table, html_box = chromium_table(FIELDS_C, work)
        keep("chromium-table-letter.pdf", html_table, FIELDS_C, "gp_practice", "",
             "Chromium headless --print-to-pdf of an HTML table: US Letter, an empty signature box")
        keep("chromium-table-letter-typed.pdf",
             signed(html_table, html_box, "typed_text_box", name=FIELDS_C["sig_full_name"]), FIELDS_C,
             "gp_practice", "typed name",
             "chromium-table-letter.pdf with the signatory's name typed in a FreeText annotation (pypdf)")
        keep("chromium-table-letter-inline-image.pdf", signed(html_table, html_box, "inline_image"), FIELDS_C,
             "gp_practice", "image of a signature",
             "chromium-table-letter.pdf with an inline image (BI/ID/EI) drawn over the box")
        keep("libreoffice-table-scanned-200dpi.pdf",
             scanned(signed(table, lo_table_box(table), "vectors"), work, "lo-scan"), FIELDS_A, "gp_practice",
             "ink signature", "libreoffice-table-a4.pdf signed by vector strokes, rendered by pdftoppm -r 200 "
             "-mono -png (an RGB PNG, 11.6 MB unpacked), wrapped by img2pdf")
        keep("libreoffice-table-scanned-no-dpi.pdf",
             scanned(signed(table, lo_table_box(table), "vectors"), work, "lo-pbm", picture="pbm"), FIELDS_A,
             "gp_practice", "ink signature", "the same rendered by pdftoppm -r 200 -mono as a PBM bitmap (no dpi), "
             "wrapped by img2pdf, which takes it as 96 dpi: a page 17 inches wide")
        keep("ghostscript-a4-fit-to-letter-image.pdf",
             fit_to_letter(signed(table, lo_table_box(table), "image"), work, "fit"), FIELDS_A, "gp_practice",
             "image of a signature", "libreoffice-table-a4.pdf with a signature image drawn over the box (pypdf), "
             "printed fit to page onto US Letter by Ghostscript (-sPAPERSIZE=letter -dFIXEDMEDIA -dPDFFitPage)")
        keep("qpdf-rotated-90-vectors.pdf", qpdf(columns, work, "rot", "--rotate=+90:1"), FIELDS_B, "other",
             "ink signature", "chromium-columns-a4-vectors.pdf turned a quarter by qpdf --rotate=+90:1 (/Rotate 90)")
        keep("qpdf-rotated-270-image.pdf", qpdf(stacked, work, "rot270", "--rotate=+270:1"), FIELDS_B, "other",
             "image of a signature", "libreoffice-stacked-letter-image.pdf turned by qpdf --rotate=+270:1")
        fillable, fillable_values, fillable_box, names = blank_fillable("letter", 41)
        theirs = {names[field]: value for field, value in fillable_values.items() if field in names}
        filled = pdftk_filled(fillable, theirs, work, "pdftk-filled", flatten=False)
        keep("pdftk-filled-letter-ink.pdf", signed(filled, fillable_box, "ink"), fillable_values, "gp_practice",
             "ink signature", "another tool's blank fillable form (tests/support/foreign_forms.py, its /Sig field at "
             "the top right) filled by pdftk fill_form from XFDF, then an ink annotation over the /Sig widget")
        keep("pdftk-filled-letter.pdf", filled, fillable_values, "gp_practice", "",
             "the same blank form filled by pdftk fill_form, left unsigned (its /Sig widget blank)")
        keep("chromium-table-letter-stamp.pdf", signed(html_table, html_box, "stamp"), FIELDS_C, "gp_practice",
             "signature stamp", "chromium-table-letter.pdf with a stamp annotation (pypdf) over the box")
        keep("pdftk-flattened-letter.pdf", pdftk_filled(fillable, theirs, work, "pdftk-flat", flatten=True),
             fillable_values, "gp_practice", "", "the same blank form filled by pdftk fill_form ... flatten")
        keep("qpdf-flattened-letter-stamp.pdf",
             qpdf(signed(filled, fillable_box, "stamp"), work, "qflat", "--generate-appearances",
                  "--flatten-annotations=all"), fillable_values, "gp_practice", "ink signature",  # drawn in now
             "pdftk-filled form with a stamp annotation over the /Sig widget, flattened by qpdf "
             "--generate-appearances --flatten-annotations=all")
        a4_fillable, a4_values, a4_box, a4_names = blank_fillable("a4", 42)
        a4_filled = pdftk_filled(a4_fillable, {a4_names[f]: v for f, v in a4_values.items() if f in a4_names},
                                 work, "pdftk-a4", flatten=False)
        keep("pdftk-filled-a4-image-in-form.pdf", signed(a4_filled, a4_box, "image_in_form"), a4_values,
             "gp_practice", "image of a signature", "another tool's blank fillable form (A4) filled by pdftk, a "
             "signature image inside a form XObject drawn over the /Sig widget")
        written, written_box = hand_written(FIELDS_A, turned_text=False)
        keep("hand-written-content-letter.pdf", written, FIELDS_A, "gp_practice", "ink signature",
             "content streams written by hand (pypdf objects): a kerned TJ title with no spaces, labels one "
             "character a Tj, values with Tc/Tz, a line drawn right to left, fi/fl ligature glyphs of a font "
             "without ToUnicode, a label in a Type3 font, pen strokes in a ruled box")
        sideways, sideways_box = hand_written(FIELDS_A, turned_text=True)
        keep("hand-written-text-turned-90.pdf", signed(sideways, sideways_box, "stamp"), FIELDS_A, "gp_practice",
             "signature stamp", "the same drawn turned a quarter on a landscape page (text rotated 90 degrees, "
             "no /Rotate), a stamp annotation over the box")
        keep("chromium-table-letter-no-tounicode.pdf", without_tounicode(signed(html_table, html_box, "inline_image")),
             FIELDS_C, "gp_practice", "image of a signature",
             "chromium-table-letter-inline-image.pdf with its fonts' ToUnicode maps taken out (pypdf)")
        keep("chromium-columns-no-tounicode.pdf", without_tounicode(columns), FIELDS_B, "other", "ink signature",
             "chromium-columns-a4-vectors.pdf with its fonts' ToUnicode maps taken out: read by OCR, its two wrapped "
             "values left to staff")
        keep("libreoffice-stacked-no-tounicode.pdf", without_tounicode(stacked), FIELDS_B, "other",
             "image of a signature", "libreoffice-stacked-letter-image.pdf with its fonts' ToUnicode maps taken out")
        del columns_box, stacked_box
    (HERE / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
    (HERE / "README.md").write_text(README + "".join(f"- `{name}`: {facts['made']}.\n"
                                                     for name, facts in sorted(expected.items())))


README = """# Forms made by other tools

Made once by `make_fixtures.py` (run by hand: `.venv/bin/python tests/forms/other_tools/make_fixtures.py`, with
Debian bookworm's libreoffice-writer-nogui, chromium, ghostscript, qpdf, pdftk-java, poppler-utils and img2pdf
installed) and committed: `tests/forms/test_other_tools.py` reads these very bytes and needs none of those tools.
`expected.json` says what each reads as. Signatures added afterwards are added as a person's PDF editor adds them
(pypdf writing the annotation or drawing).

"""


if __name__ == "__main__":
    main()
