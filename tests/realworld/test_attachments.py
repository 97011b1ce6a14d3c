"""Primary User forms attached as real mail programs attach them, through `mailbot process --json`."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from parsers.message import parse_message
from parsers.sniff import PDF
from tests.pipeline.conftest import Bot
from tests.pipeline.messages import GOOD_GP_FORM
from tests.realworld.client_mail import base64_lines, head, signed, winmail_dat, wire
from tests.support.forms_fixtures import filled_form

ALAN = "Dr Alan Hughes <alan.hughes@nhs.net>"
APPROVED = ["created user SNEW1 (sam.new@nhs.net) as an active Primary User of A81001",
            "SNEW1: granted Organisation Maintenance"]


def form_pdf() -> bytes:
    values = {**GOOD_GP_FORM, "sig_full_name": "Dr Alan Hughes", "sig_email": "alan.hughes@nhs.net"}
    return filled_form("gp_practice", values, signature="ink")


def outlook_with_winmail(dat: bytes) -> bytes:
    """Outlook set to Rich Text: a plain text body and the attachments inside winmail.dat."""
    body = f"""--_000_TNEF_
Content-Type: text/plain; charset="us-ascii"

Please find attached our signed Primary User request form.

Kind regards
Alan

--_000_TNEF_
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

{base64_lines(dat)}
--_000_TNEF_--
"""
    return wire(head(sender=ALAN, subject="Primary User request form",
                     content_type='multipart/mixed; boundary="_000_TNEF_"',
                     extra="X-MS-Has-Attach: yes\nX-MS-TNEF-Correlator: <TNEF.1@nhs.net>") + body)


def test_a_form_inside_outlooks_winmail_dat_is_read(bot: Bot) -> None:
    raw = outlook_with_winmail(winmail_dat((("Primary User Request.pdf", form_pdf()),)))
    line = bot.one(signed(bot, raw))
    assert (line["kind"], line["outcome"], line["reasons"]) == ("primary_user_request", "approved", [])
    assert line["changes"] == APPROVED


def test_a_winmail_dat_with_no_form_in_it_is_answered_as_no_form(bot: Bot) -> None:
    raw = outlook_with_winmail(winmail_dat((("logo.txt", b"not a form"),)))
    line = bot.one(signed(bot, raw))
    assert (line["kind"], line["outcome"], line["reasons"]) == ("primary_user_request", "rejected", ["form.missing"])


def test_a_nominee_address_that_is_not_one_plain_address_is_never_mailed_a_password(bot: Bot) -> None:
    """A form field can hold anything: 'evil,sam.new@nhs.net' ends in @nhs.net but is two recipients to a mail
    program (and the first would be delivered inside the relay's own domain), 'mailto:...' is a link."""
    for n, address in enumerate(("evil,sam.new@nhs.net", "mailto:sam.new@nhs.net")):
        values = {**GOOD_GP_FORM, "sig_full_name": "Dr Alan Hughes", "sig_email": "alan.hughes@nhs.net",
                  "pu_email": address}
        pdf = filled_form("gp_practice", values, signature="ink")
        body = f"""--b
Content-Type: text/plain; charset="us-ascii"

Form attached.

--b
Content-Type: application/pdf; name="form.pdf"
Content-Disposition: attachment; filename="form.pdf"
Content-Transfer-Encoding: base64

{base64_lines(pdf)}
--b--
"""
        raw = wire(head(sender=ALAN, subject=f"Primary User request form {n}",
                        content_type='multipart/mixed; boundary="b"') + body)
        line = bot.one(signed(bot, raw))
        assert (line["outcome"], line["reasons"], line["changes"]) == ("rejected", ["user.email_not_nhs"], [])
        assert [r["to"] for r in line["replies"]] == ["alan.hughes@nhs.net"]


def _pdf_part(pdf: bytes, headers: str) -> str:
    return f"{headers}\nContent-Transfer-Encoding: base64\n\n{base64_lines(pdf)}"


# (client, Content-Type of the message, its body with {pdf} where the form goes, the form's name as a reader shows it)
CLIENT_LAYOUTS = {
    "outlook forwarded as attachment": ('multipart/mixed; boundary="outer"', """--outer
Content-Type: text/plain; charset="us-ascii"

Please find the signed form attached.

--outer
Content-Type: message/rfc822
Content-Disposition: attachment; filename="Primary User request form.eml"

From: Practice Manager <manager.oakwood@nhs.net>
To: Dr Alan Hughes <alan.hughes@nhs.net>
Subject: Primary User request form
Date: Thu, 19 Nov 2026 09:00:00 +0000
Message-ID: <inner.1@nhs.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="inner"

--inner
Content-Type: text/plain; charset="us-ascii"

Alan, please sign and send.

--inner
{pdf}
--inner--

--outer--
""", 'Content-Type: application/pdf; name="Primary User Request.pdf"\nContent-Disposition: attachment; '
     'filename="Primary User Request.pdf"', "Primary User Request.pdf"),
    "scanner as octet-stream": ('multipart/mixed; boundary="b"', "--b\nContent-Type: text/plain\n\nPlease open the "
                                "attached document.\n\n--b\n{pdf}\n--b--\n",
                                'Content-Type: application/octet-stream; name="Scan_0001.pdf"', "Scan_0001.pdf"),
    "thunderbird RFC 2231 continued name": (
        'multipart/mixed; boundary="b"', "--b\nContent-Type: text/plain; charset=UTF-8\n\nForm attached.\n\n--b\n"
        "{pdf}\n--b--\n",
        "Content-Type: application/pdf;\n name*0*=UTF-8''Primary%20User%20Request%20%E2%80%93%20;\n"
        " name*1*=Oakwood.pdf\nContent-Disposition: attachment;\n"
        " filename*0*=UTF-8''Primary%20User%20Request%20%E2%80%93%20;\n filename*1*=Oakwood.pdf",
        "Primary User Request – Oakwood.pdf"),
    "outlook encoded-word name": (
        'multipart/mixed; boundary="_004_"', "--_004_\nContent-Type: text/plain; charset=\"utf-8\"\n\nAttached."
        "\n\n--_004_\n{pdf}\n--_004_--\n",
        'Content-Type: application/pdf; name="=?utf-8?B?UHJpbWFyeSBVc2VyIOKAkyBPYWt3b29kLnBkZg==?="\n'
        'Content-Disposition: attachment;\n\tfilename="=?utf-8?B?UHJpbWFyeSBVc2VyIOKAkyBPYWt3b29kLnBkZg==?=";'
        ' size=18000;\n\tcreation-date="Fri, 20 Nov 2026 09:00:00 GMT"', "Primary User – Oakwood.pdf"),
    "S/MIME clear-signed": (
        'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="----SIG"',
        "This is an S/MIME signed message\n\n------SIG\nContent-Type: multipart/mixed; boundary=\"m\"\n\n--m\n"
        "Content-Type: text/plain\n\nForm attached.\n\n--m\n{pdf}\n--m--\n\n------SIG\n"
        "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\nContent-Transfer-Encoding: base64\n\n"
        "MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCCAA==\n\n------SIG--\n",
        'Content-Type: application/pdf; name="form.pdf"\nContent-Disposition: attachment; filename="form.pdf"',
        "form.pdf"),
    "apple mail inline in the HTML version": (
        'multipart/alternative; boundary="Apple-Mail=_A"',
        "--Apple-Mail=_A\nContent-Type: text/plain;\n\tcharset=us-ascii\n\nHello, form attached.\n\nAlan\n"
        "--Apple-Mail=_A\nContent-Type: multipart/mixed;\n\tboundary=\"Apple-Mail=_B\"\n\n--Apple-Mail=_B\n"
        "Content-Type: text/html;\n\tcharset=us-ascii\n\n<html><body>Hello, form attached.</body></html>\n"
        "--Apple-Mail=_B\n{pdf}\n--Apple-Mail=_B\nContent-Type: text/html;\n\tcharset=us-ascii\n\n"
        "<html><body>Alan</body></html>\n--Apple-Mail=_B--\n\n--Apple-Mail=_A--\n",
        'Content-Disposition: inline;\n\tfilename="Primary User Request.pdf"\nContent-Type: application/pdf;\n'
        '\tx-unix-mode=0644;\n\tname="Primary User Request.pdf"', "Primary User Request.pdf"),
    "outlook related (logo in the signature)": (
        'multipart/mixed; boundary="mix"',
        "--mix\nContent-Type: multipart/related; boundary=\"rel\"; type=\"text/html\"\n\n--rel\n"
        "Content-Type: text/html; charset=\"us-ascii\"\n\n<html><body><p>Form attached.</p>"
        "<img src=\"cid:image001.png@01DB\"></body></html>\n--rel\nContent-Type: image/png; name=\"image001.png\"\n"
        "Content-Disposition: inline; filename=\"image001.png\"; size=70\nContent-ID: <image001.png@01DB>\n"
        "Content-Transfer-Encoding: base64\n\niVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChw"
        "GA60e6kgAAAABJRU5ErkJggg==\n--rel--\n\n--mix\n{pdf}\n--mix--\n",
        'Content-Type: application/pdf; name="PU form.pdf"\nContent-Disposition: attachment; filename="PU form.pdf"',
        "PU form.pdf"),
}


@pytest.mark.parametrize("client", sorted(CLIENT_LAYOUTS))
def test_a_form_attached_as_each_client_attaches_it_is_read(bot: Bot, client: str) -> None:
    content_type, layout, part_headers, name = CLIENT_LAYOUTS[client]
    raw = wire(head(sender=ALAN, subject="Primary User request form", content_type=content_type)
               + layout.replace("{pdf}", _pdf_part(form_pdf(), part_headers)))
    assert [a.filename for a in parse_message(raw).attachments if a.sniffed_type == PDF] == [name]
    line = bot.one(signed(bot, raw))
    assert (line["kind"], line["outcome"], line["reasons"]) == ("primary_user_request", "approved", [])
    assert line["changes"] == APPROVED


def _logo() -> bytes:
    """A practice's logo as email signatures carry it: small, a few hundred pixels wide."""
    out = io.BytesIO()
    Image.new("RGB", (300, 80), "navy").save(out, "PNG")
    return out.getvalue()


def test_a_signature_logo_attached_beside_the_form_is_not_a_second_form(bot: Bot) -> None:
    """Outlook sending plain text (or through Exchange to a plain-text reader) attaches the signature's logo as an
    ordinary attachment, and the text keeps a [cid:...] placeholder for it: one form, one case."""
    body = f"""--b
Content-Type: text/plain; charset="us-ascii"

Please find the signed form attached.

Dr Alan Hughes
Lead GP
[cid:image001.png@01DB44A3.2A6E1F10]

--b
Content-Type: image/png; name="image001.png"
Content-Description: image001.png
Content-Disposition: attachment; filename="image001.png"; size=1100
Content-ID: <image001.png@01DB44A3.2A6E1F10>
Content-Transfer-Encoding: base64

{base64_lines(_logo())}
--b
{_pdf_part(form_pdf(), 'Content-Type: application/pdf; name="form.pdf"')}
--b--
"""
    raw = wire(head(sender=ALAN, subject="Primary User request form", content_type='multipart/mixed; boundary="b"')
               + body)
    lines = bot.process(signed(bot, raw))
    assert [(line["outcome"], line["reasons"]) for line in lines] == [("approved", [])]
    assert lines[0]["changes"] == APPROVED


def test_a_form_inside_a_strangers_winmail_dat_is_not_opened(bot: Bot) -> None:
    """winmail.dat carries no proof of its sender: unsigned, its form is left for staff to open (SPEC 17), and the
    forged sender gets no reply."""
    raw = outlook_with_winmail(winmail_dat((("Primary User Request.pdf", form_pdf()),)))
    line = bot.one(raw)
    assert (line["outcome"], line["reasons"], line["replies"], line["changes"]) == (
        "flagged", ["sender.unauthenticated"], [], [])
    assert bot.case(line["reference"]).fields["request"]["reading"] == "not_read"
