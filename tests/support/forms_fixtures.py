"""Forms as they arrive, made from our own blank forms by the tests (no committed binaries): filled, flattened,
signed every way SPEC 9 counts (and some it does not), printed through other tools, scanned, and hostile."""

from __future__ import annotations

import datetime
import functools
import io
import zlib

from pypdf import PdfReader, PdfWriter

from mailbot.admin.form_builder import build_form
from mailbot.demo.form_filling import fill_form
from parsers.form_template import SIGNATURE_BOX, TYPED_BOX
from tests.support.forms_drawing import (
    add_annotation,
    draw_over_page,
    ink_annotation,
    signature_image,
    stamp_annotation,
)

GOOD_VALUES: dict[str, str] = {
    "org_name": "The Oakwood Surgery",
    "org_code": "A81001",
    "pu_full_name": "Sam New",
    "pu_job_title": "Practice Manager",
    "pu_email": "sam.new@nhs.net",
    "pu_phone": "01392 000000",
    "pu_request": "new",
    "pu_replaces": "",
    "sig_full_name": "Dr Jo Lead",
    "sig_role": "Lead GP",
    "sig_email": "jo.lead@nhs.net",
    "sig_date": "01/02/2026",
}
SIGNATURES = ("none", "ink", "image", "stamp", "typed", "digital")


@functools.cache
def blank_form(form_type: str) -> bytes:
    return build_form(form_type)


def filled_form(form_type: str, values: dict[str, str] | None = None, signature: str = "none",
                flatten: bool = False) -> bytes:
    """The blank FORM_TYPE form filled with VALUES (GOOD_VALUES by default), signed as SIGNATURE, maybe flattened."""
    if signature not in SIGNATURES:
        raise ValueError(signature)
    values = dict(GOOD_VALUES if values is None else values)
    if signature == "typed":
        values["sig_typed"] = values.get("sig_typed") or values.get("sig_full_name", "")
    if signature == "digital" and flatten:
        raise ValueError("a flattened form has no signature field to sign")
    pdf = fill_form(blank_form(form_type), values, flatten=flatten)
    if signature == "ink":
        return with_ink(pdf)
    if signature == "image":
        return with_image(pdf)
    if signature == "stamp":
        return add_annotation(pdf, 0, stamp_annotation(_inside(SIGNATURE_BOX)))
    if signature == "digital":
        return digitally_signed(pdf)
    return pdf


def _inside(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    left, bottom, right, top = box
    return (left + 20, TYPED_BOX[3] + 8, left + 200, top - 10)


def with_ink(pdf: bytes, page: int = 0) -> bytes:
    """An ink annotation (a pen signature drawn in a PDF viewer) over the signature box on PAGE."""
    return add_annotation(pdf, page, ink_annotation(_inside(SIGNATURE_BOX)))


def with_image(pdf: bytes, page: int = 0, rect: tuple[float, float, float, float] | None = None) -> bytes:
    """An image of a signature drawn into the page content (pasted and saved by a PDF editor) over the box."""
    left, bottom, right, top = rect or _inside(SIGNATURE_BOX)

    def draw(canvas: object) -> None:
        canvas.drawImage(signature_image(), left, bottom, right - left, top - bottom)  # type: ignore[attr-defined]

    return draw_over_page(pdf, page, draw)


def with_drawn_ink(pdf: bytes) -> bytes:
    """Pen strokes written into the page content itself, as macOS Preview saves a signature (no annotation)."""
    left, bottom, right, top = _inside(SIGNATURE_BOX)

    def draw(canvas: object) -> None:
        path = canvas.beginPath()  # type: ignore[attr-defined]
        path.moveTo(left, bottom + 10)
        for i in range(1, 16):
            path.lineTo(left + i * (right - left) / 16, bottom + 10 + (25 if i % 2 else 0))
        canvas.setLineWidth(2.2)  # type: ignore[attr-defined]
        canvas.drawPath(path, stroke=1, fill=0)  # type: ignore[attr-defined]

    return draw_over_page(pdf, 0, draw)


# --- digital signatures ---------------------------------------------------------------------------------------

@functools.cache
def _test_signer() -> object:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Dr Jo Lead (test certificate)")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(key, hashes.SHA256()))
    signing_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    signing_key = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return signers.SimpleSigner(signing_cert=signing_cert, signing_key=signing_key,
                                cert_registry=SimpleCertificateStore.from_certs([signing_cert]))


def digitally_signed(pdf: bytes, on_page_2: bool = False) -> bytes:
    """PDF signed with pyHanko into its sig_signature field (or, ON_PAGE_2, into a new field a viewer adds on page
    2), with a certificate made here."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    if on_page_2:
        meta = signers.PdfSignatureMetadata(field_name="Signature1")
        spec = fields.SigFieldSpec("Signature1", on_page=1, box=(300, 100, 500, 160))
        out = signers.sign_pdf(writer, meta, signer=_test_signer(), new_field_spec=spec)  # type: ignore[arg-type]
    else:
        meta = signers.PdfSignatureMetadata(field_name="sig_signature")
        out = signers.sign_pdf(writer, meta, signer=_test_signer(), existing_fields_only=True)  # type: ignore[arg-type]
    return out.getvalue()


def edited_after_signing(signed: bytes, field: str = "org_name", value: str = "Someone Else's Surgery") -> bytes:
    """SIGNED with FIELD changed by a later incremental update, as an editor saving over a signed file does."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    for ref in writer.root["/AcroForm"]["/Fields"]:
        obj = ref.get_object()
        if obj.get("/T") == field:
            obj["/V"] = generic.TextStringObject(value)
            writer.update_container(obj)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_bogus_signature_value(pdf: bytes) -> bytes:
    """PDF whose sig_signature field claims a signature that is not one (random bytes for the CMS blob)."""
    from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, NameObject, NumberObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for annot in writer.pages[0]["/Annots"]:
        widget = annot.get_object()
        if widget.get("/T") == "sig_signature":
            widget[NameObject("/V")] = writer._add_object(DictionaryObject({
                NameObject("/Type"): NameObject("/Sig"), NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
                NameObject("/SubFilter"): NameObject("/adbe.pkcs7.detached"),
                NameObject("/ByteRange"): ArrayObject([NumberObject(0), NumberObject(10), NumberObject(20),
                                                       NumberObject(10)]),
                NameObject("/Contents"): ByteStringObject(b"\x30\x03\x02\x01\x07" + bytes(64)),
            }))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- other tools, scans -----------------------------------------------------------------------------------------

def flattened_leaving_stale_fields(form_type: str, values: dict[str, str]) -> bytes:
    """Flattened by a tool that removes the field widgets but leaves /AcroForm /Fields pointing at them."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank_form(form_type))))
    writer.update_page_form_field_values(writer.pages[0], dict(values), auto_regenerate=False, flatten=True)
    writer.remove_annotations(subtypes="/Widget")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_page_png(pdf: bytes) -> bytes:
    """Page 1 of PDF as a greyscale 100 dpi picture, as a scanner sees it."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    document.init_forms()
    image = document[0].render(scale=100 / 72, may_draw_forms=True).to_pil().convert("L")
    document.close()
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def image_only_scan(pdf: bytes) -> bytes:
    """PDF's pages rendered to pictures and wrapped again as a PDF, as a scanner without OCR makes."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    document.init_forms()
    pages = [document[i].render(scale=100 / 72, may_draw_forms=True).to_pil().convert("L")
             for i in range(len(document))]
    document.close()
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=100, save_all=True, append_images=pages[1:])
    return out.getvalue()


def encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret-for-tests", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated(pdf: bytes, keep: float = 0.6) -> bytes:
    return pdf[: int(len(pdf) * keep)]


# --- hostile files ----------------------------------------------------------------------------------------------

def _pdf_from_objects(objects: list[bytes], root: int = 1, prev_self: bool = False) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    prev = b" /Prev %d" % xref if prev_self else b""
    out += b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, prev, xref)
    return bytes(out)


@functools.cache
def decompression_bomb(inflated_bytes: int = 1 << 30) -> bytes:
    """A one-page PDF of about 1 MB whose content stream inflates to INFLATED_BYTES (1 GiB) of zeros."""
    chunk = bytes(1 << 24)
    compressor = zlib.compressobj(9)
    head = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the compressor's output for the same input repeats: no need to compress 1 GiB.
    repeat = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = inflated_bytes // len(chunk)
    checksum = 1
    for _ in range(count):
        checksum = zlib.adler32(chunk, checksum)
    data = head + repeat * (count - 1) + b"\x03\x00" + checksum.to_bytes(4, "big")
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return _pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        stream,
    ])


def circular_xref() -> bytes:
    """A PDF whose cross-reference section names itself as the previous one, and whose page tree holds itself."""
    return _pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>",
        b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
        b"<< /FT /Tx /T (org_name) /Kids [3 0 R] /Parent 3 0 R >>",
    ], prev_self=True)


def object_loop() -> bytes:
    """A page whose content stream's /Length is a reference to the stream itself, and whose resources loop."""
    return _pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources 5 0 R >>",
        b"<< /Length 4 0 R >>\nstream\nq Q\nendstream",
        b"<< /XObject << /X1 6 0 R >> >>",
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources 5 0 R /Length 8 >>\nstream\n/X1 Do \nendstream",
    ])


def huge_image() -> bytes:
    """A page with a 40000 x 40000 pixel image in it (1.6 gigapixels), whose data is a few bytes."""
    data = zlib.compress(bytes(1000))
    image = b"<< /Type /XObject /Subtype /Image /Width 40000 /Height 40000 /ColorSpace /DeviceGray " \
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"
    return _pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /Im1 5 0 R >> >> >>",
        b"<< /Length 33 >>\nstream\nq 595 0 0 842 0 0 cm /Im1 Do Q\nendstream",
        image,
    ])


def shared_appearance_states(annotations: int = 1_000, states: int = 2_000) -> bytes:
    """A page of ANNOTATIONS annotations that all show one appearance dictionary of STATES states, each state the
    same small drawing: some 100 KB, within pypdf's limits on arrays and dictionaries, but two million appearances
    to look at for a check that walks the shared dictionary again for each annotation."""
    first = 7
    annots = b" ".join(b"%d 0 R" % (first + i) for i in range(annotations))
    states_dict = b"<< " + b" ".join(b"/S%d 5 0 R" % i for i in range(states)) + b" >>"
    return _pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Annots [" + annots + b"] >>",
        b"<< /Length 3 >>\nstream\nq Q\nendstream",
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Length 3 >>\nstream\nq Q\nendstream",
        b"<< /N " + states_dict + b" >>",
        *[b"<< /Type /Annot /Subtype /Square /Rect [%d %d %d %d] /AP 6 0 R >>" % (
            i % 590, i % 830, i % 590 + 2, i % 830 + 2) for i in range(annotations)],
    ])


def dense_drawing(strokes: int = 300_000) -> bytes:
    """A flattened form with STROKES tiny pen strokes drawn over its signature box: small to send, seconds of CPU
    to draw (about 4 s for 300,000 here)."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(filled_form("gp", GOOD_VALUES, flatten=True))))
    strokes_stream = DecodedStreamObject()
    strokes_stream.set_data(b"".join(b"%d %d m %d %d l S\n" % (250 + i % 280, 120 + i % 60, 260 + i % 270,
                                                               130 + i % 50) for i in range(strokes)))
    page = writer.pages[0]
    contents = page["/Contents"].get_object()
    existing = list(contents) if isinstance(contents, ArrayObject) else [page["/Contents"]]
    page[NameObject("/Contents")] = ArrayObject([*existing, writer._add_object(strokes_stream)])
    page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def other_pdf() -> bytes:
    """A readable PDF that is not one of our forms (a letter)."""
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, invariant=1)
    canvas.drawString(72, 720, "Dear PCSE, please find our practice newsletter for February.")
    canvas.save()
    return out.getvalue()

