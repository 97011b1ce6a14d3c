"""Permission requests whose text arrives as real mail programs encode it, through `mailbot process --json`."""

from __future__ import annotations

import quopri

from parsers.message import parse_message
from tests.pipeline.conftest import Bot
from tests.realworld.client_mail import EARLIER, NHSMAIL_DISCLAIMER, OUTLOOK_QUOTE_HEAD, TEMPLATE, head, signed, wire

# Thunderbird writes format=flowed (RFC 3676) and wraps at 72 characters: a long line goes out as several, each
# but the last ending in a space. Read as it stands, "Screening History" would be two unknown applications.
THUNDERBIRD = ("Hello,\n\nOrganisation code: A81001\nUser: paul.brown2@nhs.net\n"
               "Applications: Prior Notification List, Call and Recall, Screening \n"
               "History, Sender Reports\nSignatory role: GP Partner\n\nKind regards,\n\nDr Priya Shah\n-- \n"
               "Dr Priya Shah, GP Partner, The Oakwood Surgery, 1 Oak Lane, Exeter, EX1 \n1AA\n")
# Apple Mail's delsp=yes: the space before each soft break is not part of the text (a word broken mid-way).
APPLE_DELSP = ("Organisation code: A81001\nUser: paul.brown2@nhs.net\n"
               "Applications: Prior Notification List, Call and Recall, Screening His \ntory\n"
               "Signatory role: GP Partner\n\nSent from my iPad\n")
ASKED = ["PBROWN2: granted Call and Recall", "PBROWN2: granted Prior Notification List",
         "PBROWN2: granted Screening History"]


def test_thunderbird_format_flowed_lines_are_joined_before_reading(bot: Bot) -> None:
    raw = wire(head(content_type="text/plain; charset=UTF-8; format=flowed", encoding="7bit",
                    extra="User-Agent: Mozilla Thunderbird") + THUNDERBIRD)
    line = bot.one(signed(bot, raw))
    assert (line["kind"], line["outcome"], line["reasons"]) == ("permission_request", "approved", [])
    assert sorted(line["changes"]) == sorted([*ASKED, "PBROWN2: granted Sender Reports"])


def test_apple_mail_delsp_soft_breaks_join_without_the_space(bot: Bot) -> None:
    raw = wire(head(content_type="text/plain; charset=us-ascii; format=flowed; delsp=yes", encoding="7bit")
               + APPLE_DELSP)
    line = bot.one(signed(bot, raw))
    assert (line["outcome"], line["reasons"]) == ("approved", [])
    assert sorted(line["changes"]) == ASKED


def _outlook_html_only() -> str:
    """Outlook desktop's HTML (Word's markup, conditional comments, <o:p>), in Windows-1252 quoted-printable, a reply
    above the quoted earlier request, and the disclaimer the sender's relay adds."""
    html = ("<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head><meta http-equiv=Content-Type "
            "content=\"text/html; charset=windows-1252\"><style><!-- p.MsoNormal {margin:0cm;} --></style>"
            "<!--[if gte mso 9]><xml><o:shapedefaults v:ext=\"edit\" spidmax=\"1026\" /></xml><![endif]--></head>"
            "<body lang=EN-GB><div class=WordSection1><p class=MsoNormal>Hi \u2013 please could you action:<o:p>"
            "</o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
            + "".join(f"<p class=MsoNormal>{line}<o:p></o:p></p>" for line in TEMPLATE.splitlines())
            + "<p class=MsoNormal>Kind regards<o:p></o:p></p><p class=MsoNormal>Priya<o:p></o:p></p>"
            "<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal>"
            "<b>From:</b> Priya Shah &lt;priya.shah@nhs.net&gt;<br><b>Sent:</b> 20 November 2026 10:00<br>"
            "<b>To:</b> pcse.openexeter@nhs.net<br><b>Subject:</b> Open Exeter permission request<o:p></o:p></p>"
            "</div>" + "".join(f"<p class=MsoNormal>{line}<o:p></o:p></p>" for line in EARLIER.splitlines())
            + "</div>" + "".join(f"<p>{p}</p>" for p in NHSMAIL_DISCLAIMER.split("\n\n")) + "</body></html>")
    return quopri.encodestring(html.replace("\n", "\r\n").encode("cp1252")).decode("ascii")


def _gmail_alternative() -> str:
    quoted = "\n".join("> " + line for line in EARLIER.splitlines())
    html = (f'<div dir="ltr">{"<br>".join(TEMPLATE.splitlines())}</div><br><div class="gmail_quote">'
            '<div dir="ltr" class="gmail_attr">On Fri, 20 Nov 2026 at 10:00, Priya Shah &lt;priya.shah@nhs.net&gt; '
            f'wrote:<br></div><blockquote class="gmail_quote">{"<br>".join(EARLIER.splitlines())}</blockquote></div>')
    return f"""--000000000000a1b2c3
Content-Type: text/plain; charset="UTF-8"

{TEMPLATE}
On Fri, 20 Nov 2026 at 10:00, Priya Shah <priya.shah@nhs.net>
wrote:

{quoted}

--000000000000a1b2c3
Content-Type: text/html; charset="UTF-8"

{html}
--000000000000a1b2c3--
"""


def test_replies_above_a_quoted_earlier_request_are_read_without_the_quote(bot: Bot) -> None:
    """Outlook's HTML-only reply, Outlook's plain "-----Original Message-----", Outlook mobile's underscore rule and
    Gmail's "On ... wrote:" (wrapped) each quote a request for another user: only the new text is read."""
    raws = [
        head(subject="RE: Open Exeter permission request", content_type='text/html; charset="windows-1252"',
             encoding="quoted-printable") + _outlook_html_only(),
        head(subject="RE: Open Exeter permission request") + "Hello,\n\n" + TEMPLATE + "\nMany thanks\nPriya\n\n"
        "-----Original Message-----\n" + OUTLOOK_QUOTE_HEAD + EARLIER + "\n" + NHSMAIL_DISCLAIMER,
        head(subject="RE: Open Exeter permission request") + TEMPLATE + "\nGet Outlook for iOS\n"
        + "_" * 32 + "\n" + OUTLOOK_QUOTE_HEAD + EARLIER,
        head(subject="Re: Open Exeter permission request",
             content_type='multipart/alternative; boundary="000000000000a1b2c3"') + _gmail_alternative(),
    ]
    lines = bot.process(*(signed(bot, wire(raw)) for raw in raws))
    assert [(line["kind"], line["outcome"], line["reasons"]) for line in lines] == [
        ("permission_request", "approved", [])] * 4
    assert lines[0]["changes"] == ["PBROWN2: granted Prior Notification List"]
    jane = next(u for u in bot.org("A81001")["users"] if u["username"] == "JSMITH1")
    assert "Call and Recall" not in jane["applications"] and "Screening History" not in jane["applications"]


def test_a_request_found_only_in_the_quoted_text_is_left_to_staff(bot: Bot) -> None:
    raw = (head(subject="FW: Open Exeter permission request") + "Please action\n\nThanks\nPriya\n\n"
           "-----Original Message-----\n" + OUTLOOK_QUOTE_HEAD + EARLIER)
    line = bot.one(signed(bot, wire(raw)))
    assert (line["outcome"], line["reasons"], line["changes"]) == ("flagged", ["request.unclear"], [])


def test_applications_in_a_numbered_list_are_read_without_their_numbers(bot: Bot) -> None:
    """Outlook's plain text of a numbered list ("1.  Name"), and the "1)" and "(a)" people type."""
    lists = ("  1.  Prior Notification List\n  2.  Sender Reports\n",
             "1) Prior Notification List\n2) Sender Reports\n",
             "(a) Prior Notification List\n(b) Sender Reports\n")
    raws = [wire(head() + "Organisation code: A81001\nUser: paul.brown2@nhs.net\nApplications:\n" + items
                 + "Signatory role: GP Partner\n\nThanks\n") for items in lists]
    lines = bot.process(*(signed(bot, raw) for raw in raws))
    assert [(line["outcome"], line["reasons"]) for line in lines] == [("approved", [])] * 3
    assert sorted(lines[0]["changes"]) == ["PBROWN2: granted Prior Notification List",
                                           "PBROWN2: granted Sender Reports"]


def test_a_plain_version_holding_only_a_non_breaking_space_does_not_hide_the_html() -> None:
    """Some mail programs send an empty plain version beside the HTML one that holds the text; 'empty' can be a
    lone non-breaking space (or a zero-width one)."""
    for blank in ("\u00a0", "\u200b\u00a0"):
        html = "<p>" + TEMPLATE.replace("\n", "<br>") + "</p>"
        alternative = (f"--A\nContent-Type: text/plain; charset=utf-8\n\n{blank}\n\n--A\n"
                       f"Content-Type: text/html; charset=utf-8\n\n{html}\n--A--\n")
        msg = parse_message(wire(head(content_type='multipart/alternative; boundary="A"') + alternative))
        assert msg.body_text.startswith("Organisation code: A81001\nUser: paul.brown2@nhs.net"), msg.body_text
