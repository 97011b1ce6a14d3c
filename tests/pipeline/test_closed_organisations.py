"""An organisation the ODS extract marks closed: its requests wait for a person, who may still approve one (the
register can lag behind the world), and the queue can be filtered on the reason."""

from __future__ import annotations

import json

from tests.pipeline.conftest import Bot
from tests.pipeline.messages import permission_mail
from tests.pipeline.test_reason_codes import mark_in_ods


def test_staff_can_approve_a_request_for_a_closed_practice_after_checking(bot: Bot) -> None:
    mark_in_ods(bot, "A81001", "The Oakwood Surgery", "C")
    line = bot.one(permission_mail(bot))
    assert (line["outcome"], line["reasons"]) == ("flagged", ["org.closed"])
    waiting = bot.cli("review", "list", "--reason", "org.closed", "--json")
    assert waiting.status == 0 and line["reference"] in waiting.out
    shown = json.loads(bot.cli("review", "show", line["reference"], "--json").out)
    assert "A81001 (The Oakwood Surgery) is closed in the register" in json.dumps(shown)
    approved = bot.cli("review", "approve", line["reference"], "--by", "Pat Reviewer")
    assert approved.status == 0, approved.err
    user = next(u for u in bot.org("A81001")["users"] if u["username"] == "PBROWN2")
    assert "Prior Notification List" in user["applications"]


def test_reopening_in_a_later_extract_lets_requests_through_again(bot: Bot) -> None:
    mark_in_ods(bot, "A81001", "The Oakwood Surgery", "C")
    assert bot.one(permission_mail(bot))["outcome"] == "flagged"
    mark_in_ods(bot, "A81001", "The Oakwood Surgery", "A")
    assert bot.one(permission_mail(bot, applications="Cervical Screening Results"))["outcome"] == "approved"
