"""What attackers send, end to end: a forged or ambiguous sender is flagged and never answered, nothing changes,
and our replies go only where SPEC 12 says, with nothing of the sender's able to add a header to them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

from mailbot.outbox.mail_bytes import mail_bytes
from tests.pipeline.conftest import Bot
from tests.realworld.client_mail import TEMPLATE, head, signed, wire
from tests.support import dkim_signing

EVIL = "evil@evil.example"


def granted(bot: Bot) -> list[str]:
    return next(u for u in bot.org("A81001")["users"] if u["username"] == "PBROWN2")["applications"]


def publish_attacker_keys(bot: Bot) -> None:
    """The attacker's own domains publish keys too: their signatures verify, for their domains."""
    bot.key.write_key_file(Path(bot.directory / "test-keys.txt"),
                           domains=("nhs.net", "evil.example", "nhs.net.evil.example"))


def test_forged_senders_are_flagged_without_a_reply(bot: Bot) -> None:
    publish_attacker_keys(bot)
    forged = [
        (head(sender=f'"priya.shah@nhs.net" <{EVIL}>'), "evil.example", "sender.ambiguous"),
        (head(sender=f"priya.shah@nhs.net, {EVIL}"), "nhs.net", "sender.ambiguous"),
        (head(extra=f"From: {EVIL}"), "nhs.net", "sender.ambiguous"),
        (head(), "evil.example", "sender.unauthenticated"),  # d= of another domain: not aligned
        (head(), "nhs.net.evil.example", "sender.unauthenticated"),
        # A pass claimed by the sender's own Authentication-Results header: no authserv-id is trusted here.
        ("Authentication-Results: mx.nhs.net; dkim=pass header.d=nhs.net; dmarc=pass header.from=nhs.net\n"
         + head(), None, "sender.unauthenticated"),
    ]
    raws = [wire(h + TEMPLATE) for h, _, _ in forged]
    lines = bot.process(*(bot.key.sign(raw, domain) if domain else raw for raw, (_, domain, _) in zip(raws, forged,
                                                                                                   strict=True)))
    assert [(line["outcome"], line["reasons"], line["replies"]) for line in lines] == [
        ("flagged", [reason], []) for _, _, reason in forged]
    assert "Prior Notification List" not in granted(bot)
    assert bot.outbox() == []


def test_a_request_appended_below_a_body_length_limited_signature_is_not_authenticated(bot: Bot) -> None:
    raw = wire(head(subject="Thanks") + "Thanks for your help last week.\n")
    signed_part = dkim_signing.sign(raw, bot.key.key, "nhs.net", bot.key.selector, length=True,
                                    headers=("from", "to", "subject", "date", "message-id"))
    line = bot.one(signed_part + wire("\n" + TEMPLATE))
    assert (line["outcome"], line["reasons"], line["replies"]) == ("flagged", ["sender.unauthenticated"], [])
    assert "Prior Notification List" not in granted(bot)


def test_replies_go_to_from_whatever_reply_to_and_sender_say(bot: Bot) -> None:
    line = bot.one(signed(bot, wire(head(extra=f"Reply-To: {EVIL}\nSender: {EVIL}") + TEMPLATE)))
    assert line["outcome"] == "approved"
    assert sorted(r.recipient for r in bot.outbox()) == ["paul.brown2@nhs.net", "priya.shah@nhs.net"]


def test_a_line_break_hidden_in_an_encoded_subject_never_reaches_our_headers(bot: Bot) -> None:
    subject = base64.b64encode(f"Open Exeter permission request\r\nBcc: {EVIL}\r\n".encode()).decode()
    line = bot.one(signed(bot, wire(head(subject=f"=?UTF-8?B?{subject}?=") + TEMPLATE)))
    reply = next(r for r in bot.outbox(line["reference"]) if r.recipient == "priya.shah@nhs.net")
    assert "\r" not in reply.subject and "\n" not in reply.subject
    assert all("\n" not in str(v) and "\r" not in str(v) for v in (reply.headers or {}).values())
    assert "Bcc" not in (reply.headers or {})
    wire_bytes = mail_bytes(reply, now=datetime.now(UTC))
    assert not any(line.lower().startswith(b"bcc:") for line in wire_bytes.split(b"\r\n"))
