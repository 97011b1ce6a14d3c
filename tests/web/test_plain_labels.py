"""One table of labels for staff (issue 18, deliverable 4): every code the rules can produce has plain words, and
no page puts a command-line word or a cut-off sentence in front of staff."""

from __future__ import annotations

import html
import re

from starlette.testclient import TestClient

from mailbot.processing.kinds import KINDS
from mailbot.review.labels import CHECK_LABELS, OUTBOX_STATUS_LABELS, OUTCOME_LABELS, REASON_LABELS
from parsers.vocabulary.kinds import Kind
from parsers.vocabulary.outcomes import Outcome
from rules.chains import CHAINS
from rules.reasons import REASONS
from tests.web.conftest import WebWorld


def test_every_reason_kind_outcome_and_check_has_a_label() -> None:
    assert set(REASONS) <= set(REASON_LABELS), set(REASONS) - set(REASON_LABELS)
    assert all(KINDS[k.value].label for k in Kind)  # a kind's label is in its entry of the table of kinds
    assert {o.value for o in Outcome} <= set(OUTCOME_LABELS)
    checks = {link.check.name for chain in CHAINS.values() for link in chain.links}
    assert checks <= set(CHECK_LABELS), checks - set(CHECK_LABELS)
    assert {"pending", "sending", "transmitting", "sent", "failed", "uncertain"} <= set(OUTBOX_STATUS_LABELS)


def visible_text(html: str) -> str:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", main, flags=re.S)
    main = re.sub(r'<span class="mailbot-hint mailbot-code">[^<]*</span>', " ", main)  # codes as small print
    main = re.sub(r"\([a-z_]+\.[a-z_]+\)", " ", main)  # a code in brackets after its label, for filtering
    return re.sub(r"<[^>]+>", " ", main)


def test_pages_speak_plain_english(world: WebWorld, staff_client: TestClient) -> None:
    for path in ("/", f"/cases/{world.seeded.approvable}", f"/cases/{world.seeded.unauthenticated}", "/outbox",
                 "/register/A81001", "/search?state=all"):
        text = visible_text(staff_client.get(path).text)
        assert "--" not in text.replace("&ndash;", ""), path
        assert not re.search(r"(?<![\w-])(sender|signatory|form|message|org|user)\.[a-z_]+\b", text), (path, re.findall(
            r"(?<![\w-])(?:sender|signatory|form|message|org|user)\.[a-z_]+\b", text))
        assert "gp_practice" not in text and "transmitting" not in text, path
    options = re.findall(r"<option value=\"[a-z_.]+\">([^<]*)</option>",
                         staff_client.get(f"/cases/{world.seeded.rejectable}").text)
    options = [html.unescape(o) for o in options]
    assert options and all(o in REASON_LABELS.values() for o in options), options  # whole labels, never cut
