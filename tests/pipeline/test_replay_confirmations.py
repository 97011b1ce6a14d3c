"""`mailbot replay` over a signatory's confirmation (SPEC 17): the answer is replayed against the request as it
stood when the answer came (waiting), and the register before the answer's approval."""

from __future__ import annotations

import json
from typing import Any

from tests.pipeline.conftest import Bot
from tests.pipeline.test_signatory_proof import answer, pending_form, request_to, users


def _replay(bot: Bot, *argv: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    result = bot.cli("replay", "--json", *argv)
    assert result.status == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    return lines[:-1], lines[-1]["summary"]


def test_a_signatorys_yes_replays_as_it_was_met_whole_or_from_the_answer_on(bot: Bot) -> None:
    line = pending_form(bot)
    request = request_to(bot, line["reference"], "alan.hughes@nhs.net")
    confirmed = bot.one(answer(bot, request, "Yes, that's fine.\n\nKind regards\nAlan"))
    assert (confirmed["outcome"], confirmed["confirms"]["outcome"]) == ("approved", "approved")
    assert users(bot, "A81001")["sam.new@nhs.net"]["primary"]

    changed, summary = _replay(bot)
    assert changed == [] and summary["cases"] == 2

    # From the answer on: the request came before the window, so its confirmation is waiting again in the copy,
    # and the Primary User its yes made is taken out of the copy's register before the answer is replayed.
    since = bot.case(confirmed["reference"]).created_at.isoformat()
    changed, summary = _replay(bot, "--since", since)
    assert changed == [] and (summary["messages"], summary["cases"]) == (1, 1), json.dumps(changed)
    assert any("1 change(s)" in note or "2 change(s)" in note for note in summary["notes"]), summary
