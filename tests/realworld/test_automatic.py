"""Auto-replies and bounces as real mail systems send them: each becomes a case, none ever gets a reply (a reply
to a machine is how mail loops start), signed or not, even when it quotes a whole request."""

from __future__ import annotations

import pytest

from tests.pipeline.conftest import Bot
from tests.realworld.client_mail import TEMPLATE, head, wire

EXCHANGE_NDR = """--b1
Content-Type: text/plain; charset="us-ascii"

Delivery has failed to these recipients or groups:

someone@nhs.net
The email address you entered couldn't be found.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com

Final-Recipient: rfc822;someone@nhs.net
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound

--b1
Content-Type: message/rfc822

From: pcse.openexeter@nhs.net
To: someone@nhs.net
Subject: Re: Open Exeter permission request [OE-2026-000001]
Message-ID: <OE-2026-000001.1@nhs.net>

""" + TEMPLATE + "\n--b1--\n"

MACHINES = {
    "exchange out of office": head(subject="Automatic reply: Open Exeter permission request", extra=(
        "Auto-Submitted: auto-replied\nX-MS-Exchange-Inbox-Rules-Loop: priya.shah@nhs.net\n"
        "X-Auto-Response-Suppress: All")) + "I am out of the office until Monday.\n\n" + TEMPLATE,
    "older exchange out of office (no Auto-Submitted)": head(subject="Out of Office: Open Exeter permission request",
                                                            extra="X-Auto-Response-Suppress: All")
    + "I am away. For Prior Notification List access for paul.brown2@nhs.net at A81001 ask a colleague.\n",
    "gmail vacation responder": head(subject="Re: Open Exeter permission request",
                                     extra="Auto-Submitted: auto-replied\nPrecedence: bulk") + "On leave.\n",
    "exchange non-delivery report": head(
        sender="Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@nhs.net>",
        subject="Undeliverable: Re: Open Exeter permission request [OE-2026-000001]",
        content_type='multipart/report; report-type=delivery-status; boundary="b1"') + EXCHANGE_NDR,
    "qmail bounce with a null return path": "Return-Path: <>\n" + head(
        sender="MAILER-DAEMON@mx.example.com", subject="failure notice")
    + "Hi. This is the qmail-send program.\n\n--- Below this line is a copy of the message.\n\n" + TEMPLATE,
}


@pytest.mark.parametrize("sign", [True, False], ids=["signed", "unsigned"])
def test_machines_are_recorded_and_never_answered(bot: Bot, sign: bool) -> None:
    raws = [wire(raw) for raw in MACHINES.values()]
    lines = bot.process(*(bot.key.sign(raw, "nhs.net") if sign else raw for raw in raws))
    assert [(line["kind"], line["outcome"], line["reasons"], line["changes"], line["replies"]) for line in lines] == [
        ("automatic", "ignored", ["message.automatic"], [], [])] * len(MACHINES)
    assert all(line["reference"] for line in lines)
    assert bot.outbox() == []
    assert "Prior Notification List" not in next(
        u for u in bot.org("A81001")["users"] if u["username"] == "PBROWN2")["applications"]
