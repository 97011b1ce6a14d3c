"""Replays and copies (SPEC 17): a request that changes accounts is acted on once, only when its signature covers
Message-ID and Date, only when it is dated, and only when it was sent to this mailbox. Real signatures, real
store, the command line."""

from __future__ import annotations

import re
from pathlib import Path

from tests.pipeline.conftest import MAILBOX, Bot, make_bot
from tests.support import dkim_signing
from tests.support.signed_mail import SigningKey, compose

WITHOUT_MESSAGE_ID = ("from", "to", "subject", "date", "content-type", "mime-version")
WITHOUT_EITHER = ("from", "to", "subject", "content-type", "mime-version")
BODY = ("Organisation code: A81001\nUser: paul.brown2@nhs.net\nApplications: Prior Notification List\n"
        "Signatory role: GP Partner\n\nKind regards\nPriya")


def signed(bot: Bot, raw: bytes, headers: tuple[str, ...], domain: str = "nhs.net") -> bytes:
    """RAW signed by BOT's key, covering exactly HEADERS (as a mail server configured so would)."""
    return dkim_signing.sign(raw, bot.key.key, domain, bot.key.selector, headers=headers)


def without_header(raw: bytes, name: str) -> bytes:
    head, body = raw.split(b"\n\n", 1)
    kept = [line for line in head.split(b"\n") if not line.lower().startswith(name.lower().encode() + b":")]
    return b"\n".join(kept) + b"\n\n" + body


def applications(bot: Bot) -> list[str]:
    return next(u for u in bot.org("A81001")["users"] if u["username"] == "PBROWN2")["applications"]


def test_a_request_whose_signature_leaves_out_message_id_is_held_and_its_resend_is_a_duplicate(bot: Bot) -> None:
    raw = signed(bot, compose(sender="priya.shah@nhs.net", to=MAILBOX, subject="Open Exeter permission request",
                              body=BODY), WITHOUT_MESSAGE_ID)
    first = bot.one(raw)
    assert (first["outcome"], first["reasons"]) == ("flagged", ["message.replay_unsafe"]), first
    assert first["changes"] == [] and "Prior Notification List" not in applications(bot)
    resent = re.sub(rb"Message-ID: <[^>]+>", b"Message-ID: <a-brand-new-id@nhs.net>", raw, count=1)
    assert resent != raw
    again = bot.one(resent)
    assert (again["outcome"], again["reasons"], again["replies"]) == ("ignored", ["message.duplicate"], [])
    assert first["reference"] in bot.case(again["reference"]).checks[0]["explanation"]


def test_a_message_with_no_message_id_and_no_date_is_held_and_a_copy_with_a_received_header_is_a_duplicate(
        bot: Bot) -> None:
    bare = without_header(without_header(compose(sender="priya.shah@nhs.net", to=MAILBOX,
                                                 subject="Open Exeter permission request", body=BODY), "Date"),
                          "Message-ID")
    raw = signed(bot, bare, WITHOUT_EITHER)
    first = bot.one(raw)
    assert first["outcome"] == "flagged" and first["message_id"] is None, first
    assert set(first["reasons"]) == {"message.stale", "message.replay_unsafe"}
    copy = b"Received: from relay.example (relay.example [192.0.2.1]) by mx; Thu, 26 Nov 2026 10:00:00 +0000\r\n" + raw
    again = bot.one(copy)
    assert (again["outcome"], again["reasons"]) == ("ignored", ["message.duplicate"]), again
    assert "Prior Notification List" not in applications(bot)


def test_a_request_without_a_date_is_stale_for_kinds_that_change_accounts(bot: Bot) -> None:
    raw = without_header(compose(sender="priya.shah@nhs.net", to=MAILBOX, subject="Open Exeter permission request",
                                 body=BODY), "Date")
    line = bot.one(bot.key.sign(raw, "nhs.net"))  # nothing to sign where there is no Date: not replay-safe either
    assert line["outcome"] == "flagged" and "message.stale" in line["reasons"], line
    assert "Prior Notification List" not in applications(bot)
    question = without_header(compose(sender="kate.doe@nhs.net", to=MAILBOX, subject="Password reset",
                                      body="How do I reset my Open Exeter password?"), "Date")
    assert bot.one(bot.key.sign(question, "nhs.net"))["outcome"] == "answered"  # a question changes nothing


def test_a_signed_request_sent_to_someone_else_is_not_acted_on(bot: Bot) -> None:
    raw = compose(sender="priya.shah@nhs.net", to="colleague@nhs.net", subject="Open Exeter permission request",
                  body=BODY)
    line = bot.one(bot.key.sign(raw, "nhs.net"))
    assert (line["outcome"], line["reasons"]) == ("flagged", ["message.not_addressed"]), line
    assert line["changes"] == [] and "Prior Notification List" not in applications(bot)
    assert [r["to"] for r in line["replies"]] == ["priya.shah@nhs.net"]  # the real sender hears of it


def test_a_recipient_cannot_add_us_in_an_unsigned_cc_beside_a_signed_to(bot: Bot) -> None:
    raw = bot.key.sign(compose(sender="priya.shah@nhs.net", to="colleague@nhs.net",
                               subject="Open Exeter permission request", body=BODY), "nhs.net")
    head, body = raw.split(b"\n\n", 1)
    passed_on = head + f"\nCc: {MAILBOX}".encode() + b"\n\n" + body
    line = bot.one(passed_on)
    assert (line["outcome"], line["reasons"]) == ("flagged", ["message.not_addressed"]), line


def test_addresses_are_compared_as_addresses(bot: Bot) -> None:
    cases = {
        '"PCSE Open Exeter" <PCSE.OpenExeter@NHS.NET>': [],
        "Team: someone@nhs.net, pcse.openexeter@nhs.net;": [],  # a group
        '"pcse.openexeter@nhs.net" <colleague@nhs.net>': ["message.not_addressed"],  # only a display name
        "pcse.openexeter@nhs.net.example.com": ["message.not_addressed"],
        "=?utf-8?q?pcse=2Eopenexeter=40nhs=2Enet?= <colleague@nhs.net>": ["message.not_addressed"],
    }
    for number, (to, reasons) in enumerate(cases.items()):
        raw = compose(sender="priya.shah@nhs.net", to=to, subject="Open Exeter permission request",
                      body=BODY.replace("Prior Notification List", ["Prior Notification List", "Sender Reports",
                                                                    "Screening History", "Cervical Screening Results",
                                                                    "Prior Notification List"][number]))
        line = bot.one(bot.key.sign(raw, "nhs.net"))
        assert [r for r in line["reasons"] if r == "message.not_addressed"] == reasons, (to, line)


def test_a_request_sent_to_an_alias_of_the_mailbox_is_addressed(tmp_path: Path, signing_key: SigningKey) -> None:
    bot = make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key,
                   '[mailbox]\naliases = ["openexeter.access@nhs.net"]\n')
    raw = compose(sender="priya.shah@nhs.net", to="Open Exeter <OpenExeter.Access@nhs.net>",
                  subject="Open Exeter permission request", body=BODY)
    assert bot.one(bot.key.sign(raw, "nhs.net"))["outcome"] == "approved"


TRUSTED = "mx.pcse.nhs.net"


def gateway_bot(tmp_path: Path, signing_key: SigningKey) -> Bot:
    """A mailbot behind a gateway it trusts (its Authentication-Results count), which re-encoded the body: the
    signatures no longer verify here, so authentication rests on the gateway's header."""
    return make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key,
                    f'trusted_authserv_ids = ["{TRUSTED}"]\n')


def through_gateway(raw: bytes, result: str) -> bytes:
    head, body = raw.split(b"\n\n", 1)
    return f"Authentication-Results: {result}\r\n".encode() + head + b"\n\n" + body + b"\n-- \nScanned.\n"


def test_a_gateway_pass_names_a_signature_without_message_id_so_the_request_is_held(
        tmp_path: Path, signing_key: SigningKey) -> None:
    bot = gateway_bot(tmp_path, signing_key)
    raw = signed(bot, compose(sender="priya.shah@nhs.net", to=MAILBOX, subject="Open Exeter permission request",
                              body=BODY), WITHOUT_MESSAGE_ID)
    b_value = dkim_signing.signature_b(raw)
    line = bot.one(through_gateway(raw, f"{TRUSTED}; dkim=pass header.d=nhs.net header.b={b_value[:10]}"))
    assert (line["outcome"], line["reasons"]) == ("flagged", ["message.replay_unsafe"]), line
    assert bot.case(line["reference"]).fields["sender"]["method"] == "authentication-results"


def test_a_gateway_pass_that_names_no_signature_is_replay_unsafe(tmp_path: Path, signing_key: SigningKey) -> None:
    bot = gateway_bot(tmp_path, signing_key)
    raw = compose(sender="priya.shah@nhs.net", to=MAILBOX, subject="Open Exeter permission request", body=BODY)
    line = bot.one(through_gateway(raw, f"{TRUSTED}; dmarc=pass header.from=nhs.net"))
    assert (line["outcome"], line["reasons"]) == ("flagged", ["message.replay_unsafe"]), line


def test_a_gateway_pass_naming_a_full_signature_is_acted_on_once(tmp_path: Path, signing_key: SigningKey) -> None:
    bot = gateway_bot(tmp_path, signing_key)
    raw = bot.key.sign(compose(sender="priya.shah@nhs.net", to=MAILBOX, subject="Open Exeter permission request",
                               body=BODY), "nhs.net")
    b_value = dkim_signing.signature_b(raw)
    report = f"{TRUSTED}; dkim=pass header.d=nhs.net header.b={b_value[:10]}"
    first = bot.one(through_gateway(raw, report))
    assert (first["outcome"], first["reasons"]) == ("approved", []), first
    renamed = re.sub(rb"Message-ID: <[^>]+>", b"Message-ID: <another@nhs.net>", raw, count=1)
    again = bot.one(through_gateway(renamed, report))  # the gateway vouches again; the signature is the same
    assert (again["outcome"], again["reasons"]) == ("ignored", ["message.duplicate"]), again
