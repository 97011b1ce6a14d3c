"""Open Exeter's new-user notices (SPEC 7): signed by the system address's own domain, never changing an existing
user, the creator matched by address only and told at the address on record. Real signatures, real store."""

from __future__ import annotations

import re
from pathlib import Path

from mailbot.outbox.replies import PASSWORD_SLOT
from tests.pipeline.conftest import SYSTEM, Bot, make_bot
from tests.pipeline.messages import notice_mail
from tests.support.signed_mail import SigningKey


def user(bot: Bot, org: str, username: str) -> dict:
    return next(u for u in bot.org(org)["users"] if u["username"] == username)


def disable(bot: Bot, line: str) -> None:
    """What staff do to take an account away: the users register, re-imported with the user disabled."""
    path = bot.directory / "users-update.csv"
    path.write_text("org_code,username,full_name,email,status,primary,applications\n" + line + "\n")
    result = bot.cli("import", "users", str(path))
    assert result.status == 0, result.err


def test_a_replayed_notice_does_not_reactivate_a_disabled_user_or_queue_a_password(bot: Bot) -> None:
    raw = notice_mail(bot)
    first = bot.one(raw)
    assert first["outcome"] == "approved", first
    disable(bot, "A81001,AGREY1,Alex Grey,alex.grey@nhs.net,disabled,no,")
    replay = bot.one(b"Received: by relay.example; Thu, 26 Nov 2026 10:00:00 +0000\r\n" + raw)
    assert (replay["outcome"], replay["reasons"], replay["replies"]) == ("ignored", ["message.duplicate"], [])
    fresh = bot.one(notice_mail(bot))  # the same notice sent again as a new message, newly signed
    assert (fresh["outcome"], fresh["reasons"], fresh["replies"]) == ("flagged", ["notification.user_exists"], [])
    assert user(bot, "A81001", "AGREY1")["status"] == "disabled"
    assert [r.purpose for r in bot.outbox(fresh["reference"])] == []


def test_a_notice_naming_an_existing_username_with_another_address_changes_nothing(bot: Bot) -> None:
    line = bot.one(notice_mail(bot, username="PBROWN2", name="Paul Brown", email="attacker@nhs.net"))
    assert (line["outcome"], line["reasons"], line["replies"]) == ("flagged", ["notification.user_exists"], [])
    assert user(bot, "A81001", "PBROWN2")["email"] == "paul.brown2@nhs.net"
    assert all(r.recipient != "attacker@nhs.net" for r in bot.outbox())
    # What a notice is for: authorising the very user PCSE holds as pending, with that address.
    pending = bot.one(notice_mail(bot, username="LKHAN1", name="Leila Khan", email="leila.khan@nhs.net"))
    assert (pending["outcome"], pending["reasons"]) == ("approved", []), pending
    assert user(bot, "A81001", "LKHAN1")["status"] == "active"


def test_a_notice_naming_an_address_another_user_holds_is_flagged(bot: Bot) -> None:
    line = bot.one(notice_mail(bot, org="A81001", username="TWHITE9", name="Tom White", email="tom.white1@nhs.net"))
    assert (line["outcome"], line["reasons"]) == ("flagged", ["notification.user_exists"]), line
    failed = next(c for c in bot.case(line["reference"]).checks if c.get("reason") == "notification.user_exists")
    assert "TWHITE1" in failed["explanation"]  # at B82010, for staff


def test_a_creator_named_by_username_does_not_pass_and_nothing_is_mailed_to_it(bot: Bot) -> None:
    line = bot.one(notice_mail(bot, created_by="JSMITH1"))
    assert (line["outcome"], line["reasons"]) == ("flagged", ["notification.creator_not_primary"]), line
    assert user_absent(bot, "AGREY1")
    approve = bot.cli("review", "approve", line["reference"], "--by", "Pat")  # staff checked with the practice
    assert approve.status == 0, approve.err + approve.out
    recipients = {r.recipient for r in bot.outbox(line["reference"])}
    assert recipients == {"alex.grey@nhs.net"}  # the password; no notice to "jsmith1", an address nobody holds
    by_address = bot.one(notice_mail(bot, username="BBLUE1", name="Bo Blue", email="bo.blue@nhs.net",
                                     created_by="Jane Smith <JANE.SMITH@nhs.net>"))
    assert by_address["outcome"] == "approved", by_address
    creator = [r for r in bot.outbox(by_address["reference"]) if r.purpose == "notice"]
    assert [r.recipient for r in creator] == ["jane.smith@nhs.net"] and PASSWORD_SLOT not in creator[0].body


def user_absent(bot: Bot, username: str) -> bool:
    return all(u["username"] != username for u in bot.org("A81001")["users"])


def test_a_notice_signed_by_a_sub_domain_of_the_system_address_does_not_count(tmp_path: Path,
                                                                               signing_key: SigningKey) -> None:
    bot = make_bot(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", signing_key)
    signing_key.write_key_file(bot.directory / "test-keys.txt", ("nhs.net", "mail.nhs.net"))
    line = bot.one(notice_mail(bot, domain="mail.nhs.net"))
    assert (line["outcome"], line["reasons"], line["replies"]) == ("flagged", ["sender.unauthenticated"], [])
    assert user_absent(bot, "AGREY1")
    raw = notice_mail(bot, username="AGREY2", sign=False)  # signed by nhs.net itself, the address in any case
    raw = re.sub(rb"From: [^\r\n]+", f"From: Open Exeter <{SYSTEM.upper()}>".encode(), raw, count=1)
    assert bot.one(bot.key.sign(raw, "nhs.net"))["outcome"] == "approved"
