"""How each field of a form was read, and where its signature box was found, is kept on the case for staff."""

from __future__ import annotations

from tests.pipeline.conftest import Bot
from tests.pipeline.messages import form_mail


def test_the_case_keeps_how_each_field_was_read_and_where_the_box_is(bot: Bot) -> None:
    line = bot.one(form_mail(bot, flatten=True))
    request = bot.case(line["reference"]).fields["request"]
    how = request["how_read"]
    org = how["fields"]["org_name"]
    assert (org["how"], org["confidence"], org["unsure"]) == ("printed_text", None, False)
    assert org["label_box"][2] < org["value_box"][0]  # the value is right of its label
    box = how["signature_box"]
    assert (box["page"], box["from"], box["page_turn"]) == (0, "label", 0)
    assert box["page_size"] == [595.28, 841.89]
    filled = bot.case(bot.one(form_mail(bot, sender="alan.hughes@nhs.net", org_name="Oakwood"))["reference"])
    assert filled.fields["request"]["how_read"]["fields"]["org_name"]["how"] == "acroform"
    assert filled.fields["request"]["how_read"]["signature_box"]["from"] == "widget"
    shown = bot.cli("review", "show", line["reference"])
    assert "how_read" not in shown.out
