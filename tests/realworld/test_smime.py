"""Opaque-signed S/MIME (smime.p7m) as Outlook sends it when "send clear text signed message" is off: the message
inside is read, end to end; an encrypted one stays an attachment nobody can open."""

from __future__ import annotations

from parsers.message import parse_message
from parsers.smime import signed_content
from parsers.sniff import PDF
from tests.pipeline.conftest import Bot
from tests.realworld.client_mail import base64_lines, head, opaque_signed, signed, wire
from tests.realworld.test_attachments import ALAN, APPROVED, form_pdf

DATA_OID = bytes.fromhex("06092a864886f70d010701")
SIGNED_DATA_OID = bytes.fromhex("06092a864886f70d010702")


def _definite(tag: int, contents: bytes) -> bytes:
    length = len(contents)
    head_bytes = bytes([length]) if length < 0x80 else bytes([0x82]) + length.to_bytes(2, "big")
    return bytes([tag]) + head_bytes + contents


def ber_signed_data(content: bytes, chunk: int = 100) -> bytes:
    """A SignedData in BER as Outlook writes it: indefinite lengths, the content as a chunked octet string."""
    chunks = b"".join(_definite(0x04, content[i:i + chunk]) for i in range(0, len(content), chunk))
    encapsulated = b"\x30\x80" + DATA_OID + b"\xa0\x80\x24\x80" + chunks + b"\x00\x00" * 3
    signed_data = b"\x30\x80\x02\x01\x01\x31\x00" + encapsulated + b"\x31\x00\x00\x00"
    return b"\x30\x80" + SIGNED_DATA_OID + b"\xa0\x80" + signed_data + b"\x00\x00\x00\x00"


def test_the_content_of_a_ber_signed_data_is_taken_out_whole() -> None:
    content = b"Content-Type: text/plain\r\n\r\n" + b"x" * 1000
    assert signed_content(ber_signed_data(content)) == content


def test_what_is_not_a_signed_data_carries_no_content() -> None:
    good = ber_signed_data(b"hello")
    for bad in (b"", b"\x30", b"not der at all", good[:-7], good.replace(b"\x07\x02", b"\x07\x03"),
                b"\x30\x80" * 5000):
        assert signed_content(bad) is None


def _p7m_message(inner: bytes, smime_type: str = "signed-data") -> bytes:
    return wire(head(sender=ALAN, subject="Primary User request form",
                     content_type=f'application/pkcs7-mime; smime-type={smime_type}; name="smime.p7m"',
                     encoding="base64", extra='Content-Disposition: attachment; filename="smime.p7m"')
                + base64_lines(inner))


def _form_entity() -> bytes:
    return wire(f"""Content-Type: multipart/mixed; boundary="inner"

--inner
Content-Type: text/plain; charset="us-ascii"

Please find attached our signed Primary User request form.

--inner
Content-Type: application/pdf; name="Primary User Request.pdf"
Content-Disposition: attachment; filename="Primary User Request.pdf"
Content-Transfer-Encoding: base64

{base64_lines(form_pdf())}
--inner--
""")


def test_outlooks_opaque_signed_form_is_read(bot: Bot) -> None:
    raw = _p7m_message(opaque_signed(_form_entity()))
    msg = parse_message(raw)
    assert msg.text.startswith("Please find attached our signed Primary User request form.")
    assert [a.filename for a in msg.attachments if a.sniffed_type == PDF] == ["Primary User Request.pdf"]
    line = bot.one(signed(bot, raw))
    assert (line["kind"], line["outcome"], line["reasons"]) == ("primary_user_request", "approved", [])
    assert line["changes"] == APPROVED


def test_an_encrypted_message_stays_an_attachment() -> None:
    msg = parse_message(_p7m_message(opaque_signed(_form_entity()), smime_type="enveloped-data"))
    assert [a.filename for a in msg.attachments] == ["smime.p7m"]


def test_an_smime_signature_is_not_authentication(bot: Bot) -> None:
    """The S/MIME signature is by a certificate the sender chose (here one made up for alan.hughes@nhs.net): only a
    DKIM signature tells us who sent it (SPEC 4). Without one, the form is not read and nobody is answered."""
    line = bot.one(_p7m_message(opaque_signed(_form_entity())))
    assert (line["outcome"], line["reasons"], line["replies"], line["changes"]) == (
        "flagged", ["sender.unauthenticated"], [], [])


def test_an_encrypted_message_gets_a_reply_saying_so(bot: Bot) -> None:
    """An encrypted message (smime-type=enveloped-data) cannot be read by anyone here: its sender is told that, and
    what to send instead, rather than that no form was attached or that we could not tell what they asked."""
    sealed = b"\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03" + b"\x00" * 64  # an EnvelopedData's start
    line = bot.one(signed(bot, _p7m_message(sealed, smime_type="enveloped-data")))
    assert (line["outcome"], line["changes"]) == ("flagged", [])
    assert line["reasons"] == ["request.unclear"]
    reply = next(r for r in bot.outbox(line["reference"]) if r.recipient == "alan.hughes@nhs.net")
    assert "encrypted" in reply.body
    assert "without encryption" in reply.body
    assert "No PDF form is attached" not in reply.body
