"""Sample messages as the mail programs PCSE hears from write them: Outlook and Gmail replies, an Exchange
out-of-office, a Postfix bounce, list mail, Open Exeter's notice, a form with a PDF, broken and 8-bit mail.

Used by the tests, the fuzz test (as seeds for mutation) and bench/bench_parse.py.
"""

from __future__ import annotations

import base64
import io
from functools import cache

from PIL import Image
from reportlab.pdfgen import canvas

from tests.support.mail_builder import build_message

MAILBOX = "pcse.openexeter@nhs.net"
SYSTEM = "no-reply@openexeter.nhs.uk"
ID_DOMAIN = "mailbot.pcse.example"


@cache
def small_pdf() -> bytes:
    """A real one-page PDF (not a form; enough for sniffing and kinds)."""
    out = io.BytesIO()
    page = canvas.Canvas(out, invariant=1)
    page.drawString(72, 750, "Primary User request form (GP practice)")
    page.save()
    return out.getvalue()


@cache
def small_png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (16, 16), 200).save(out, "PNG")
    return out.getvalue()


@cache
def small_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


OUTLOOK_REPLY = _crlf("""\
Received: from EX1.nhs.net by mx.nhs.net; Mon, 2 Nov 2026 09:59:58 +0000
From: "Smith Jane (THE SURGERY)" <jane.smith@nhs.net>
To: "PCSE Open Exeter" <pcse.openexeter@nhs.net>
Subject: RE: Open Exeter permission request [OE-2026-000042]
Thread-Topic: Open Exeter permission request
Thread-Index: AQHZ1234abcd
Date: Mon, 2 Nov 2026 09:59:57 +0000
Message-ID: <DB9PR01MB1234ABCD@DB9PR01MB1234.eurprd01.prod.exchangelabs.com>
References: <OE-2026-000042.1@mailbot.pcse.example>
In-Reply-To: <OE-2026-000042.1@mailbot.pcse.example>
Content-Language: en-GB
X-MS-Has-Attach:
Content-Type: multipart/alternative; boundary="_000_DB9PR01MB1234_"
MIME-Version: 1.0

--_000_DB9PR01MB1234_
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

Hello,

The user=92s correct address is jane.smith2@nhs.net =96 sorry.

Kind regards,
Jane Smith
Practice Manager

________________________________
From: PCSE Open Exeter <pcse.openexeter@nhs.net>
Sent: 02 November 2026 09:30
To: Smith Jane (THE SURGERY) <jane.smith@nhs.net>
Subject: Open Exeter permission request [OE-2026-000042]

We could not find the user jane.smith@nhs.net at A81001.

********************************************************************
This message may contain confidential information.
********************************************************************

--_000_DB9PR01MB1234_
Content-Type: text/html; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

<html><head><style>p{margin:0}</style></head><body><p>Hello,</p><p>The user=92s correct address =
is jane.smith2@nhs.net =96 sorry.</p><p>Kind regards,<br>Jane Smith</p>
<div id=3D"divRplyFwdMsg"><hr><b>From:</b> PCSE Open Exeter &lt;pcse.openexeter@nhs.net&gt;<br>
<b>Sent:</b> 02 November 2026 09:30<br><b>To:</b> Smith Jane<br><b>Subject:</b> Open Exeter</div>
<div>We could not find the user.</div></body></html>

--_000_DB9PR01MB1234_--
""")

GMAIL_REPLY = _crlf("""\
MIME-Version: 1.0
Date: Tue, 3 Nov 2026 14:05:11 +0000
Message-ID: <CAF1234abcd+XyZ@mail.gmail.com>
Subject: Re: Password
From: Sam Jones <sam.jones@nhs.net>
To: pcse.openexeter@nhs.net
Content-Type: multipart/alternative; boundary="000000000000a1b2c3"

--000000000000a1b2c3
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

I have forgotten my password and I am locked out =E2=80=93 can you help?

Thanks
Sam

On Mon, 2 Nov 2026 at 10:00, PCSE Open Exeter <pcse.openexeter@nhs.net>
wrote:

> Please see the guide.
> Regards
>

--000000000000a1b2c3
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">I have forgotten my password and I am locked out =E2=80=93 can you help?<div>Thanks<=
/div><div>Sam</div></div><br><div class=3D"gmail_quote"><div dir=3D"ltr" class=3D"gmail_attr">On Mon, =
2 Nov 2026 at 10:00, PCSE Open Exeter &lt;<a href=3D"mailto:pcse.openexeter@nhs.net">pcse.openexeter@nhs=
.net</a>&gt; wrote:<br></div><blockquote class=3D"gmail_quote">Please see the guide.</blockquote></div>

--000000000000a1b2c3--
""")

EXCHANGE_OUT_OF_OFFICE = _crlf("""\
From: Amy Patel <amy.patel@nhs.net>
To: PCSE Open Exeter <pcse.openexeter@nhs.net>
Subject: Automatic reply: Open Exeter permission request [OE-2026-000050]
Thread-Topic: Open Exeter permission request
Date: Wed, 4 Nov 2026 08:00:01 +0000
Message-ID: <a1b2c3d4e5@AM6PR01MB.eurprd01.prod.outlook.com>
In-Reply-To: <OE-2026-000050.1@mailbot.pcse.example>
X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent
X-Auto-Response-Suppress: All
Content-Type: text/plain; charset="us-ascii"
MIME-Version: 1.0

I am out of the office until Monday 9 November with no access to email.
""")

POSTFIX_BOUNCE = _crlf("""\
Return-Path: <>
Date: Thu, 5 Nov 2026 11:12:13 +0000 (GMT)
From: MAILER-DAEMON@mx1.nhs.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: pcse.openexeter@nhs.net
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4B1C2D3E4F.1730805133/mx1.nhs.net"
Message-Id: <20261105111213.5A6B7C8D9E@mx1.nhs.net>

This is a MIME-encapsulated message.

--4B1C2D3E4F.1730805133/mx1.nhs.net
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx1.nhs.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<nobody@nhs.net>: host mx2.nhs.net said: 550 5.1.1 User unknown

--4B1C2D3E4F.1730805133/mx1.nhs.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.nhs.net
Arrival-Date: Thu,  5 Nov 2026 11:12:12 +0000 (GMT)

Final-Recipient: rfc822; nobody@nhs.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--4B1C2D3E4F.1730805133/mx1.nhs.net
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: pcse.openexeter@nhs.net
To: nobody@nhs.net
Subject: Open Exeter permission request [OE-2026-000051]
Message-ID: <OE-2026-000051.1@mailbot.pcse.example>

--4B1C2D3E4F.1730805133/mx1.nhs.net--
""")

LIST_MAIL = _crlf("""\
From: NHS Digital Bulletin <bulletin@news.nhs.net>
To: pcse.openexeter@nhs.net
Subject: =?utf-8?Q?This_week=E2=80=99s_bulletin?=
Date: Fri, 6 Nov 2026 07:00:00 +0000
Message-ID: <bulletin.2026.45@news.nhs.net>
List-Id: NHS bulletin <bulletin.news.nhs.net>
List-Unsubscribe: <mailto:unsubscribe@news.nhs.net>
Precedence: bulk
Content-Type: text/html; charset=utf-8
MIME-Version: 1.0

<html><body><script>track()</script><h1>Bulletin</h1><p>New: Open Exeter access &amp; more.</p></body></html>
""")

NOTICE = _crlf("""\
From: Open Exeter <no-reply@openexeter.nhs.uk>
To: pcse.openexeter@nhs.net
Subject: Open Exeter: new user created
Date: Fri, 6 Nov 2026 12:00:00 +0000
Message-ID: <notice-778899@openexeter.nhs.uk>
Auto-Submitted: auto-generated
Content-Type: text/plain; charset=utf-8
MIME-Version: 1.0

Organisation: A81001
Username: jsmith3
Name: John Smith
Email: john.smith3@nhs.net
Created by: jane.smith@nhs.net
Applications: Prior Notification List; Cervical Screening Results
""")

EIGHT_BIT_BROKEN = (
    b"From: J\xf6rg M\xfcller <jorg@nhs.net>\r\n"
    b"To: pcse.openexeter@nhs.net\r\n"
    b"Subject: =?utf-8?B?UGFzc3dvcmQgcmVzZXQ?= =?x-unknown?Q?f=FCr_mich?= \xe2\x80\x93 urgent\r\n"
    b"Date: sometime last week\r\n"
    b"Message-ID: not a message id\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"zz\"\r\n"
    b"\r\n"
    b"--zz\r\n"
    b"Content-Type: text/plain; charset=klingon\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"SSBmb3Jnb3QgbXkgcGFzc3dvcmQ*!broken\r\n"
    b"--zz\r\n"
    b"Content-Type: application/pdf; name*=UTF-8''..%2F..%2Fetc%2Fform%0A.pdf\r\n"
    b"Content-Disposition: attachment; filename*=UTF-8''..%2F..%2Fetc%2Fform%0A.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    + base64.b64encode(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48)
    + b"\r\n--zz\r\n"  # no closing boundary
)


@cache
def form_with_pdf() -> bytes:
    return build_message(subject="Primary User request - The Surgery A81001",
                         text="Please find attached our Primary User request form.\n\nRegards\nJane",
                         attachments=[("PU form.pdf", "application/pdf", small_pdf())])


@cache
def form_scan_named_jpg() -> bytes:
    """A PDF that its sender named .jpg (phones and scanners do)."""
    return build_message(subject="scan", text="see attached",
                         attachments=[("IMG_0001.jpg", "image/jpeg", small_pdf())])


@cache
def html_with_inline_logo() -> bytes:
    return build_message(subject="Access for our new receptionist", text=None,
                         html="<p>Hello</p><p>Please add <b>Prior Notification List</b> for tom.brown@nhs.net at "
                              "A81001.</p><p>Thanks<br>Jane</p><img src='cid:logo1'>",
                         inline_images=[("logo1", small_png())])


def all_samples() -> dict[str, bytes]:
    """Every sample by name."""
    return {
        "outlook_reply": OUTLOOK_REPLY,
        "gmail_reply": GMAIL_REPLY,
        "exchange_out_of_office": EXCHANGE_OUT_OF_OFFICE,
        "postfix_bounce": POSTFIX_BOUNCE,
        "list_mail": LIST_MAIL,
        "notice": NOTICE,
        "eight_bit_broken": EIGHT_BIT_BROKEN,
        "form_with_pdf": form_with_pdf(),
        "form_scan_named_jpg": form_scan_named_jpg(),
        "html_with_inline_logo": html_with_inline_logo(),
    }
