"""New text, quoted reply and signature block, as Outlook, Gmail, Apple Mail and phones write them."""

from __future__ import annotations

from parsers.message import parse_message
from parsers.quoting import split_reply
from tests.message.samples import GMAIL_REPLY, OUTLOOK_REPLY
from tests.support.mail_builder import build_message


def test_outlook_reply_with_underscore_rule_and_from_sent_block() -> None:
    parsed = parse_message(OUTLOOK_REPLY)
    assert parsed.text == "Hello,\n\nThe user’s correct address is jane.smith2@nhs.net – sorry."
    assert parsed.signature_text == "Kind regards,\nJane Smith\nPractice Manager"
    assert parsed.quoted_text.startswith("________________________________\nFrom: PCSE Open Exeter")
    assert "We could not find the user" in parsed.quoted_text


def test_outlook_html_reply_block_without_rule() -> None:
    html = ("<p>Please add PNL for tom@nhs.net</p><div id='divRplyFwdMsg'><b>From:</b> PCSE &lt;p@nhs.net&gt;<br>"
            "<b>Sent:</b> 02 November 2026 09:30<br><b>To:</b> Jane<br><b>Subject:</b> RE: x</div>"
            "<div>Old text</div>")
    parsed = parse_message(build_message(text=None, html=html))
    assert parsed.text == "Please add PNL for tom@nhs.net"
    assert parsed.quoted_text.startswith("From: PCSE <p@nhs.net>\nSent: 02 November 2026 09:30")


def test_original_message_separator() -> None:
    parts = split_reply("Yes please.\n\n-----Original Message-----\nFrom: PCSE\nSent: today\nSubject: x\n\nOld")
    assert parts.new_text == "Yes please."
    assert parts.quoted_text.startswith("-----Original Message-----")


def test_gmail_reply_with_wrapped_wrote_line() -> None:
    parsed = parse_message(GMAIL_REPLY)
    assert parsed.text == "I have forgotten my password and I am locked out – can you help?"
    assert parsed.signature_text == "Thanks\nSam"
    assert parsed.quoted_text.startswith("On Mon, 2 Nov 2026 at 10:00, PCSE Open Exeter <pcse.openexeter@nhs.net>\n"
                                         "wrote:")


def test_gmail_html_quote() -> None:
    html = ('<div dir="ltr">New bit</div><div class="gmail_quote"><div class="gmail_attr">On Mon, 2 Nov 2026, '
            'PCSE &lt;p@nhs.net&gt; wrote:<br></div><blockquote class="gmail_quote">Old bit</blockquote></div>')
    parsed = parse_message(build_message(text=None, html=html))
    assert parsed.text == "New bit"
    assert parsed.quoted_text == "On Mon, 2 Nov 2026, PCSE <p@nhs.net> wrote:\n\n> Old bit"


def test_inline_replies_keep_the_senders_lines_as_new_text() -> None:
    parts = split_reply("> Which organisation?\nA81001\n> Which user?\njane@nhs.net\n")
    assert parts.new_text == "A81001\njane@nhs.net"
    assert parts.quoted_text == "> Which organisation?\n> Which user?"


def test_a_from_line_alone_is_not_a_reply_header() -> None:
    body = "From: the practice manager\nPlease add Prior Notification List for jane@nhs.net\nOrganisation: A81001"
    assert split_reply(body).new_text == body
    assert split_reply(body).quoted_text == ""


def test_sigdash_signature() -> None:
    parts = split_reply("Please reset.\n-- \nJane Smith\nTel 01234 567890")
    assert parts == type(parts)("Please reset.", "", "-- \nJane Smith\nTel 01234 567890")


def test_sign_offs_start_the_signature_only_after_something_was_written() -> None:
    assert split_reply("Hi,\nThanks\nOrganisation code: A81001").new_text == "Hi,\nThanks\nOrganisation code: A81001"
    parts = split_reply("Dear PCSE,\n\nPlease add PNL.\n\nMany thanks,\nJane Smith\nPractice Manager\nThe Surgery")
    assert parts.new_text == "Dear PCSE,\n\nPlease add PNL."
    assert parts.signature_text == "Many thanks,\nJane Smith\nPractice Manager\nThe Surgery"
    assert split_reply("Please add PNL.\nYours sincerely\nJane").signature_text == "Yours sincerely\nJane"
    assert split_reply("Please add PNL.\nThanks for all the help with my account over the years").signature_text == ""


def test_phone_footer_is_signature() -> None:
    parts = split_reply("Sent from my iPhone")
    assert parts.new_text == "" and parts.signature_text == "Sent from my iPhone"


def test_signature_then_quote() -> None:
    parts = split_reply("Done.\n\nRegards\nSam\n\nOn Tue, 3 Nov 2026 at 09:00, PCSE <p@nhs.net> wrote:\n> x")
    assert (parts.new_text, parts.signature_text) == ("Done.", "Regards\nSam")
    assert parts.quoted_text == "On Tue, 3 Nov 2026 at 09:00, PCSE <p@nhs.net> wrote:\n> x"


def test_long_lines_do_not_slow_the_split() -> None:
    body = "Thanks " + "a" * 200_000 + "!\n" + ("word " * 50_000 + "\n") * 3
    assert split_reply("x\n" + body).new_text.startswith("x")


def test_a_sign_off_above_the_request_lines_does_not_hide_them() -> None:
    body = ("Hello,\nPlease action the request below.\nThanks\nOrganisation code: A81001\nUser: tom@nhs.net\n"
            "Applications: PNL\nSignatory role: GP Partner\n\nKind regards\nDr Jane Smith")
    parts = split_reply(body)
    assert parts.new_text.endswith("Signatory role: GP Partner")
    assert parts.signature_text == "Kind regards\nDr Jane Smith"
