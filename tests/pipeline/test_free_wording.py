"""Issue 20 end to end: free-worded requests and the guidance questions, as real DKIM-signed mail through
`mailbot process`; what staff see when the reader is not sure; and `mailbot explain`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailbot.outbox.replies import render
from parsers.guidance import Topic
from tests.pipeline.conftest import Bot
from tests.support.cli import mailbot, write_config

MOBILE_REQUEST = ("please add Prior Notification List, Sender Reports for paul.brown2@nhs.net (org A81001)\n\n"
                  "Priya Shah\nGP Partner\n\nSent from my NHSmail mobile\n")


def test_a_short_free_worded_request_from_a_mobile_is_approved(bot: Bot) -> None:
    line = bot.one(bot.mail("priya.shah@nhs.net", "Open Exeter", MOBILE_REQUEST))
    assert (line["kind"], line["outcome"], line["reasons"]) == ("permission_request", "approved", [])
    paul = next(u for u in bot.org("A81001")["users"] if u["username"] == "PBROWN2")
    assert {"Prior Notification List", "Sender Reports"} <= set(paul["applications"])
    case = bot.case(line["reference"])
    reading = case.fields["reading"]
    assert reading["understood"] and reading["parts"]["role"]["value"] == "GP Partner"
    assert reading["parts"]["role"]["source"] == "text"


@pytest.mark.parametrize("body", [
    "Please add Screening Histroy and Sender Reports for Tom White at Harbour Lane Practice.\n\nThanks\n"
    "Ruth Evans, GP Partner",
    "Organisation code: B82010\nUser: tom.white1@nhs.net\nApplications: Screening Histroy; Sender Reports\n"
    "Signatory role: GP Partner\n\nRuth",
], ids=["prose", "template"])
def test_a_slip_is_never_granted_and_the_reply_suggests_the_catalogue_name(bot: Bot, body: str) -> None:
    """SPEC 10: slips are suggested, not assumed. The whole request waits for the sender to name it right."""
    line = bot.one(bot.mail("ruth.evans@nhs.net", "Open Exeter", body))
    assert (line["kind"], line["outcome"], line["reasons"]) == ("permission_request", "rejected",
                                                                ["permission.unknown"]), line
    assert line["changes"] == []
    tom = next(u for u in bot.org("B82010")["users"] if u["username"] == "TWHITE1")
    assert tom["applications"] == ["Prior Notification List"]  # neither the slip nor Sender Reports granted
    assert bot.case(line["reference"]).fields["request"]["applications"] == ["Screening Histroy", "Sender Reports"]
    [reply] = bot.outbox(line["reference"])
    assert '"Screening Histroy" is not an application we know (did you mean "Screening History"?)' in reply.body
    assert "Nothing has been changed on Open Exeter." in reply.body


@pytest.mark.parametrize(("text", "topic", "step"), [
    ("I am locked out of Open Exeter after too many attempts", "password_reset", "Forgotten password"),
    ("how do I check whether I am the Primary User for our practice?", "who_is_primary",
     "If \"Organisation Maintenance\" is listed there, you are a Primary User"),
])
def test_the_two_questions_of_the_issue_are_answered(bot: Bot, text: str, topic: str, step: str) -> None:
    line = bot.one(bot.mail("kiran.patel3@nhs.net", "Open Exeter", text))
    assert (line["kind"], line["outcome"]) == ("guidance", "answered"), line
    assert bot.case(line["reference"]).fields["topic"] == topic
    [reply] = bot.outbox(line["reference"])
    assert step in reply.body and "Application" in reply.body


def test_a_removal_goes_to_staff_with_what_was_understood(bot: Bot) -> None:
    raw = bot.mail("priya.shah@nhs.net", "Open Exeter", "Please remove Cervical Screening Results from Paul Brown "
                   "(A81001), he has changed roles.\n\nPriya Shah\nGP Partner")
    line = bot.one(raw)
    assert (line["kind"], line["outcome"], line["reasons"]) == ("permission_request", "flagged", ["request.unclear"])
    assert line["changes"] == []
    paul = next(u for u in bot.org("A81001")["users"] if u["username"] == "PBROWN2")
    assert paul["applications"] == ["Cervical Screening Results"]  # nothing taken away, nothing granted
    [reply] = bot.outbox(line["reference"])
    assert "We could not tell for sure: applications." in reply.body and "Organisation code:" in reply.body
    shown = bot.cli("review", "show", line["reference"])
    assert shown.status == 0, shown.err
    assert "What the reader understood" in shown.out
    assert "applications  unsure" in shown.out and "removal" in shown.out
    assert "organisation  sure      A81001" in shown.out


def test_two_users_are_never_guessed_between(bot: Bot) -> None:
    raw = bot.mail("priya.shah@nhs.net", "Open Exeter", "Please add PNL for paul.brown2@nhs.net and Jane Smith at "
                   "A81001.\n\nPriya Shah\nGP Partner")
    line = bot.one(raw)
    assert (line["outcome"], line["reasons"], line["changes"]) == ("flagged", ["request.unclear"], [])
    request = bot.case(line["reference"]).fields["request"]
    assert request["user"] == "" and request["not_understood"][0].startswith("user: 2 different users")


def test_every_guide_renders_its_steps() -> None:
    for topic in [*Topic, None]:
        body = render("replies/guidance/answered.txt", reference="OE-2026-000001", mailbox="pcse.openexeter@nhs.net",
                      sender_name="", explanations=[], roles_gp=["Lead GP"], roles_other=["Caldicott Guardian"],
                      topic=topic.value if topic else "", intro="Here is what our self-service guide says.")
        assert "Your reference: OE-2026-000001" in body
        assert ("  1. " in body) or topic in (Topic.NO_SIGNATORY, Topic.FORMS, Topic.REQUEST_APPLICATIONS, None), topic


def test_explain_shows_each_part_and_why(bot: Bot) -> None:
    path = bot.directory / "request.eml"
    path.write_bytes(bot.mail("priya.shah@nhs.net", "Open Exeter", MOBILE_REQUEST))
    result = bot.cli("explain", str(path))
    assert result.status == 0, result.err
    for expected in ("Kind: permission_request", "organisation  sure      A81001  [text]",
                     "user          sure      paul.brown2@nhs.net", "Sent from my NHSmail mobile",
                     "Signature block", "role          sure      GP Partner"):
        assert expected in result.out, result.out
    doc = json.loads(bot.cli("explain", "--json", str(path)).out)
    assert doc["kind"] == "permission_request" and doc["reading"]["understood"] is True
    assert doc["request"]["applications"] == ["Prior Notification List", "Sender Reports"]
    assert bot.cli("review", "list").out.count("OE-") == 0  # explaining records nothing


def test_explain_works_on_the_embedded_default_with_an_empty_register(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'fresh.db'}")
    message = tmp_path / "q.eml"
    message.write_bytes(b"From: a@nhs.net\r\nTo: pcse.openexeter@nhs.net\r\nSubject: help\r\n\r\n"
                        b"I am locked out of Open Exeter after too many attempts\r\n")
    result = mailbot("--config", config, "explain", str(message))
    assert result.status == 0, result.err
    assert "Kind: guidance" in result.out and "guide: password_reset" in result.out
    missing = mailbot("--config", config, "explain", str(tmp_path / "nope.eml"))
    assert missing.status == 2 and "nope.eml: cannot read" in missing.err
