"""Header fields as real mail programs encode them, through `mailbot process --json`: the reply's subject is the
sender's subject as they typed it."""

from __future__ import annotations

import base64

from parsers.message import parse_message
from tests.pipeline.conftest import Bot
from tests.realworld.client_mail import TEMPLATE, head, signed, wire

SUBJECT = "Open Exeter permission request – Oakwood Surgery’s users"


def split_mid_character(text: str, at: int) -> str:
    """TEXT as two UTF-8 encoded words cut at byte AT, inside a character: RFC 2047 forbids it, but mail
    programs do it with long subjects and names, and other mail programs join the bytes before decoding."""
    data = text.encode("utf-8")
    first, second = (base64.b64encode(part).decode("ascii") for part in (data[:at], data[at:]))
    return f"=?utf-8?B?{first}?=\n =?utf-8?B?{second}?="


def test_a_character_split_across_two_encoded_words_reads_as_itself(bot: Bot) -> None:
    cut = SUBJECT.encode("utf-8").index("–".encode()) + 1  # inside the three bytes of the dash
    raw = wire(head(subject=split_mid_character(SUBJECT, cut)) + TEMPLATE)
    assert parse_message(raw).subject == SUBJECT
    line = bot.one(signed(bot, raw))
    assert line["outcome"] == "approved"
    assert line["replies"][0]["subject"] == f"Re: {SUBJECT} [{line['reference']}]"


def test_a_display_name_split_inside_a_character_is_not_an_ambiguous_sender(bot: Bot) -> None:
    name = split_mid_character("Dr Priya Shah – GP Partner", len("Dr Priya Shah ") + 1)
    line = bot.one(signed(bot, wire(head(sender=f"{name} <priya.shah@nhs.net>") + TEMPLATE)))
    assert (line["outcome"], line["reasons"]) == ("approved", [])
    assert line["replies"][0]["to"] == "priya.shah@nhs.net"
