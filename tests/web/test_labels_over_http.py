"""Staff read outcomes and kinds in words on every page that lists cases, served over real HTTP: the search
results, the case page's lists of other cases and its linked cases. The code stays in a title attribute, for
talking to the people who run the mailbot; it is never the visible text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from store.db import transaction
from store.models import Case
from tests.web.http_world import HttpWorld, http_world, try_login
from tests.web.seed import NOW, STAFF_NAME, STAFF_PASSWORD, add_case, message_bytes

# Outcomes as the store holds them: none may be the visible text of a page staff read.
RAW_OUTCOMES = re.compile(r"\b(flagged|rejected|approved|pending|answered|ignored|needs_review)\b")


@pytest.fixture
def world(sqlite_url: str) -> Iterator[HttpWorld]:
    with http_world(sqlite_url) as world:
        with transaction(world.app.sessions) as session:
            unclear = session.scalars(select(Case).where(Case.reference == "OE-2026-000102")).one()
            raw = message_bytes(sender="Tom White <tom.white1@nhs.net>", subject="Access please, again",
                                body="Can you sort out the access thing for us? [OE-2026-000102]",
                                message_id="<unclear-2@nhs.net>")
            again = add_case(session, reference="OE-2026-000105", kind="unclear", reasons=["request.unclear"],
                             raw=raw, sender="tom.white1@nhs.net", subject="Access please, again",
                             org_code="B82010", request=None, created_at=NOW - timedelta(days=1),
                             message_id="<unclear-2@nhs.net>")
            again.outcome, again.needs_review, again.decided_by = "rejected", False, STAFF_NAME
            again.parent_case_id = unclear.id
        yield world


@pytest.fixture
def client(world: HttpWorld) -> Iterator[httpx.Client]:
    with world.client("127.0.0.1") as client:
        assert try_login(client, STAFF_NAME, STAFF_PASSWORD).status_code == 303
        yield client


def words_in(html: str, element_id: str) -> tuple[str, str]:
    """The element's markup and its visible text (tags and attributes dropped)."""
    found = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"no #{element_id} in the page"
    return found.group(2), " ".join(re.sub(r"<[^>]+>", "", found.group(2).replace("<br>", " ")).split())


def test_search_results_show_outcomes_and_kinds_in_words_with_the_code_in_a_title(client: httpx.Client) -> None:
    page = client.get("/search", params={"state": "all"})
    assert page.status_code == 200
    markup, text = words_in(page.text, "results")
    assert not RAW_OUTCOMES.search(text), RAW_OUTCOMES.findall(text)
    assert "unclear" not in text and "primary_user_request" not in text
    assert text.count("Needs a person") == 4 and text.count("Rejected") == 1, text
    assert "Not clear what is asked" in text and "Primary User request" in text
    assert 'title="flagged"' in markup and 'title="rejected"' in markup and 'title="unclear"' in markup


def test_the_case_pages_lists_of_other_cases_show_outcomes_in_words(client: httpx.Client) -> None:
    page = client.get("/cases/OE-2026-000102")
    assert page.status_code == 200
    for list_id in ("by-sender", "linked-cases"):
        markup, text = words_in(page.text, list_id)
        assert "OE-2026-000105" in text and "Rejected" in text, (list_id, text)
        assert not RAW_OUTCOMES.search(text), (list_id, RAW_OUTCOMES.findall(text))
        assert 'title="rejected"' in markup, list_id
    _, text = words_in(client.get("/cases/OE-2026-000105").text, "linked-cases")
    assert "OE-2026-000102" in text and "Needs a person (waiting for review)" in text, text
