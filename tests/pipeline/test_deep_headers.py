"""No input escapes as a traceback: address headers nested a thousand deep (comments, quotes, groups, encoded
words, angle brackets, routes), in every header that holds addresses, go through `mailbot process` as real signed
mail and each becomes a case. The standard library's address parsers recurse once per level and raised
RecursionError on the first of them, a From of 1,000 nested comments that the strict sender check accepts."""

from __future__ import annotations

import pytest

from tests.pipeline.conftest import MAILBOX, Bot
from tests.support.deep_headers import ADDRESS_HEADERS, DEEP_SHAPES


def _deep_message(bot: Bot, header: str, shape: str, n: int) -> bytes:
    """A signed guidance question from its own NHS address, with HEADER written in SHAPE."""
    address = f"practice.manager{n}@nhs.net"
    value = DEEP_SHAPES[shape].format(address=address)
    raw = bot.mail(address, "How do I reset my Open Exeter password?", "I have forgotten it.", sign=False)
    if header == "From":
        raw = raw.replace(f"From: {address}".encode(), f"From: {value}".encode(), 1)
    elif header == "To":
        raw = raw.replace(f"To: {MAILBOX}".encode(), f"To: {MAILBOX}, {value}".encode(), 1)
    elif header == "Authentication-Results":
        raw = f"Authentication-Results: mx.nhs.net; dkim=pass {value} header.d=nhs.net\r\n".encode() + raw
    else:
        raw = raw.replace(b"\nSubject:", f"\n{header}: {value}\r\nSubject:".encode(), 1)
    assert value.encode() in raw
    return bot.key.sign(raw, "nhs.net")


@pytest.mark.parametrize("header", ADDRESS_HEADERS)
def test_deeply_nested_address_headers_each_become_a_case_without_a_traceback(bot: Bot, header: str) -> None:
    raws = [_deep_message(bot, header, shape, n) for n, shape in enumerate(DEEP_SHAPES)]
    lines = bot.process(*raws)  # asserts exit status 0 (a RecursionError escaped as a traceback before)
    assert len(lines) == len(DEEP_SHAPES)
    for line, shape in zip(lines, DEEP_SHAPES, strict=True):
        assert line["reference"].startswith("OE-"), (shape, line)
        assert line["kind"] == "guidance" and line["outcome"] in ("answered", "flagged"), (shape, line)


def test_a_from_of_a_thousand_nested_comments_is_a_flagged_case_with_no_reply(bot: Bot) -> None:
    """No mail program reads such a From as we would (the standard library raised RecursionError, or read another
    address): the sender is ambiguous, the case goes to staff, and nobody is mailed."""
    line = bot.one(_deep_message(bot, "From", "nested comments", 0))
    assert (line["kind"], line["outcome"], line["reasons"]) == ("guidance", "flagged", ["sender.ambiguous"])
    assert line["replies"] == [] and bot.outbox(line["reference"]) == []
    problems = bot.case(line["reference"]).fields["sender"]["problems"]  # type: ignore[index]
    assert any("nests comments more than 5 deep" in p for p in problems)


def test_a_display_name_still_greets_the_sender(bot: Bot) -> None:
    raw = bot.mail('"Smith, Jane (Practice Manager)" <jane.smith@nhs.net>', "How do I reset my password?",
                   "I have forgotten it.", domain="nhs.net")
    line = bot.one(raw)
    (reply,) = bot.outbox(line["reference"])
    assert reply.body.startswith("Dear Smith, Jane (Practice Manager),")
