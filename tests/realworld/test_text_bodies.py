"""Permission requests whose text arrives as real mail programs encode it, through `mailbot process --json`."""

from __future__ import annotations

from tests.pipeline.conftest import Bot
from tests.realworld.client_mail import head, signed, wire

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
