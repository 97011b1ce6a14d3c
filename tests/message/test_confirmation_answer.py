"""Reading a signatory's answer to our confirmation request (SPEC 17) the way people really answer, from the new
text only: replies as Outlook, Gmail and phones write them, our own request quoted below them."""

from __future__ import annotations

import pytest

from parsers.confirmation_answer import NO, UNCLEAR, YES, read_answer
from parsers.message import parse_message


@pytest.mark.parametrize("text", [
    "yes", "Yes", "YES", "Yes.", "y", "I confirm", "Confirmed", "Confirmed - thanks", "Approved", "Approved by me.",
    "Yes, that's fine", "Yes \u2014 that\u2019s fine", "Yes please go ahead, thanks!", "I can confirm this is correct",
    "I can confirm that I signed it", "That's right, I signed it", "Correct", "Agreed", "I approve",
    "Happy for this to go ahead", "No problem, I confirm", "No worries, yes that's fine",
    "Yes, I signed it. Sam is our new practice manager.", "Confirmed. Let me know if you need anything else.",
])
def test_yes(text: str) -> None:
    assert read_answer(text).kind == YES, read_answer(text)


@pytest.mark.parametrize("text", [
    "no", "No", "No.", "n", "I did not sign", "I did not sign this.", "No, I did not sign this.", "not authorised",
    "Not authorized", "I don't know this person", "I do not recognise this request", "Not approved",
    "I can't confirm", "I cannot confirm this", "I can\u2019t confirm that", "I never signed anything like this",
    "I have not authorised this request", "This is not correct", "This is fraud", "Please do not proceed",
    "I confirm that I did not sign this form", "No idea who this is", "Not me", "That wasn't me",
])
def test_no(text: str) -> None:
    assert read_answer(text).kind == NO, read_answer(text)


@pytest.mark.parametrize("text", [
    "", "ok", "Thanks", "Who is Sam New?", "Yes?", "I didn't sign this, who is Eve?", "Yes if Jane agrees",
    "Yes - but only as an additional Primary User", "Yes and no", "No that's fine", "I'm not sure",
    "I don't remember signing this", "Not yet - I'll check with Dr Shah", "Please call me on 01392 000000",
    "Definitely not", "Let me check and get back to you",
])
def test_anything_else_is_for_a_person(text: str) -> None:
    assert read_answer(text).kind == UNCLEAR, read_answer(text)


def test_the_answer_says_which_words_decided_it() -> None:
    assert read_answer("Not approved").why == 'says "... approved"'
    assert "if" in read_answer("Yes if Jane agrees").why


REQUEST = """Dear Dr Alan Hughes,

PCSE has received a request to give someone Primary User access to Open Exeter for The Oakwood Surgery (A81001).
Please reply to this email, from this address:
  YES - if you signed this form and agree to it;
  NO - if you did not sign it, or do not agree to it.
If you do not recognise this request, please reply NO.
Your reference: OE-2026-000007"""


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def outlook_reply(answer_qp: str) -> bytes:
    """Outlook on Windows: quoted-printable windows-1252 text with the request under an underscore rule, and an
    HTML part whose quote sits in divRplyFwdMsg."""
    quoted = "\n".join(REQUEST.splitlines())
    return _crlf(f"""\
From: "Hughes Alan (THE OAKWOOD SURGERY)" <alan.hughes@nhs.net>
To: "PCSE Open Exeter" <pcse.openexeter@nhs.net>
Subject: RE: Please confirm a Primary User request for The Oakwood Surgery (A81001) [OE-2026-000007]
Date: Wed, 25 Nov 2026 10:12:00 +0000
Message-ID: <DB9PR01MB5678@DB9PR01MB5678.eurprd01.prod.exchangelabs.com>
In-Reply-To: <OE-2026-000007.2@nhs.net>
References: <OE-2026-000007.2@nhs.net>
Content-Type: multipart/alternative; boundary="_000_X_"
MIME-Version: 1.0

--_000_X_
Content-Type: text/plain; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

{answer_qp}

Kind regards,
Dr Alan Hughes
Lead GP

________________________________
From: PCSE Open Exeter <pcse.openexeter@nhs.net>
Sent: 25 November 2026 10:00
To: Hughes Alan (THE OAKWOOD SURGERY) <alan.hughes@nhs.net>
Subject: Please confirm a Primary User request for The Oakwood Surgery (A81001) [OE-2026-000007]

{quoted}

--_000_X_
Content-Type: text/html; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

<html><body><p>{answer_qp}</p><p>Kind regards,<br>Dr Alan Hughes</p>
<div id=3D"divRplyFwdMsg"><hr><b>From:</b> PCSE Open Exeter<br><b>Sent:</b> 25 November 2026 10:00<br>
<b>Subject:</b> Please confirm</div><div>YES - if you signed this form. NO - if you did not.</div></body></html>

--_000_X_--
""")


def gmail_reply(answer: str) -> bytes:
    quoted = "\n".join("> " + line for line in REQUEST.splitlines())
    return _crlf(f"""\
MIME-Version: 1.0
Date: Wed, 25 Nov 2026 10:20:11 +0000
Message-ID: <CAF9876zyx@mail.gmail.com>
In-Reply-To: <OE-2026-000007.2@nhs.net>
Subject: Re: Please confirm a Primary User request for The Oakwood Surgery (A81001) [OE-2026-000007]
From: Alan Hughes <alan.hughes@nhs.net>
To: pcse.openexeter@nhs.net
Content-Type: text/plain; charset="UTF-8"

{answer}

On Wed, 25 Nov 2026 at 10:00, PCSE Open Exeter <pcse.openexeter@nhs.net>
wrote:

{quoted}
""")


def iphone_reply(answer: str) -> bytes:
    quoted = "\n".join("> " + line for line in REQUEST.splitlines())
    return _crlf(f"""\
From: Alan Hughes <alan.hughes@nhs.net>
To: pcse.openexeter@nhs.net
Subject: Re: Please confirm a Primary User request [OE-2026-000007]
Date: Wed, 25 Nov 2026 10:31:00 +0000
Message-ID: <5A1B2C3D@nhs.net>
Content-Type: text/plain; charset=us-ascii

{answer}

Sent from my iPhone

> On 25 Nov 2026, at 10:00, PCSE Open Exeter <pcse.openexeter@nhs.net> wrote:
>
{quoted}
""")


@pytest.mark.parametrize(("raw", "kind"), [
    (outlook_reply("Yes, that=92s fine."), YES),
    (outlook_reply("I did not sign this =96 please do not go ahead."), NO),
    (outlook_reply("Who is Sam New?"), UNCLEAR),
    (gmail_reply("Confirmed - thanks"), YES),
    (gmail_reply("Not authorised. I don't know this person."), NO),
    (iphone_reply("Yes"), YES),
    (iphone_reply("No"), NO),
])
def test_real_mail_clients_answers_are_read_from_the_new_text(raw: bytes, kind: str) -> None:
    """Our request, quoted below (with its own YES and NO), never counts: only what the signatory wrote."""
    text = parse_message(raw).text
    assert "if you signed this form" not in text, text
    assert read_answer(text).kind == kind, (text, read_answer(text))
