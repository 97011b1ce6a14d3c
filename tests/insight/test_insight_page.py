"""The mailbox at a glance page (/insight) over the known store, on SQLite and PostgreSQL: the figures in words and
tables, charts that are inline SVG with a title and description and no style attribute or script, the
Content-Security-Policy unchanged, a link from every page's navigation, and only for staff."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from starlette.testclient import TestClient

from mailbot.review.web.app import create_app
from mailbot.review.web.insight_charts import nice_step, stacked_days
from mailbot.review.web.security import SECURITY_HEADERS
from store.db import transaction
from store.insight import DayCount
from store.staff import add_staff
from tests.insight import known_store as known
from tests.web.conftest import log_in, make_app

NAME, PASSWORD = "Sam Reviewer", "a long password 1234"


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    app = make_app(store_url)
    with transaction(app.sessions) as session:
        known.seed_insight(session)
        add_staff(session, NAME, PASSWORD, now=known.NOW, by="test")
    with TestClient(create_app(app, clock=lambda: known.NOW), follow_redirects=False) as c:
        yield c
    app.engine.dispose()


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_only_staff_see_it(client: TestClient) -> None:
    response = client.get("/insight")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Finsight"


def test_the_figures_in_words_and_tables(client: TestClient) -> None:
    log_in(client, NAME, PASSWORD)
    response = client.get("/insight")
    assert response.status_code == 200
    words = text_of(response.text)
    assert "Finished by the mailbot alone 75% (6 of 8 finished cases)" in words
    assert "Finished by staff 2 Still waiting for staff 3 Waiting for a signatory to confirm 1" in words
    # median and 95th percentile of all finished cases (60 s, a day) and of those staff finished (2 h, a day)
    assert "All finished cases 8 1 minutes 24.0 hours" in words
    assert "Finished by staff 2 2.0 hours 24.0 hours" in words
    assert "4 cases waiting for a person; the oldest since 17 Oct 2026 12:00 UTC (40 days)" in words
    assert "under 1 day 1 1 to 2 days 0 2 to 7 days 2 7 to 30 days 0 30 days or more 1" in words
    reasons = re.search(r"<caption[^>]*>The most frequent reasons this week</caption>.*?</table>", response.text, re.S)
    assert reasons and [n for n in re.findall(r"numeric\">([\d,]+)</td>", reasons.group(0))] == \
        ["3", "1", "1", "1", "1", "1"]
    # the daily table by outcome: 26 Nov has one approved, one rejected, one needing a person
    by_outcome = re.search(r"<caption class=\"nhsuk-table__caption\">Cases per day by outcome</caption>.*?</table>",
                           response.text, re.S)
    assert by_outcome
    last = text_of(re.findall(r"<tr class=\"nhsuk-table__row\">.*?</tr>", by_outcome.group(0), re.S)[-1])
    heads = text_of(re.search(r"<thead.*?</thead>", by_outcome.group(0), re.S).group(0))  # type: ignore[union-attr]
    assert heads == ("Day Approved Answered with guidance Rejected Ignored (automatic or already received) "
                     "Waiting for the signatory Needs a person All")
    assert last == "26 Nov 1 0 1 0 0 1 3"


def test_charts_are_inline_svg_with_words_and_the_policy_is_unchanged(client: TestClient) -> None:
    log_in(client, NAME, PASSWORD)
    response = client.get("/insight?days=7")
    html = response.text
    assert response.headers["content-security-policy"] == SECURITY_HEADERS["content-security-policy"] == (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'")
    assert "<script" not in html and " style=" not in html and "<style" not in html
    charts = re.findall(r"<svg role=\"img\" aria-labelledby=\"([^\"]+)\"", html)
    assert charts == ["chart-outcome-title chart-outcome-desc", "chart-kind-title chart-kind-desc",
                      "chart-queue-title chart-queue-desc", "chart-reasons-title chart-reasons-desc"]
    for key in ("outcome", "kind", "queue", "reasons"):
        assert f'<title id="chart-{key}-title">' in html and f'<desc id="chart-{key}-desc">' in html
    assert "Stacked bars, one a day from 20 Nov to 26 Nov, each divided by outcome. 10 cases in all" in html
    assert "<title>26 Nov: Needs a person: 1</title>" in html
    assert 'selected>7 days</option>' in html


def test_every_page_links_to_it(client: TestClient) -> None:
    log_in(client, NAME, PASSWORD)
    for path in ("/", "/outbox", "/register", "/search", "/insight"):
        assert '<a class="nhsuk-header__navigation-link" href="/insight">At a glance</a>' in client.get(path).text


def test_an_unknown_period_shows_thirty_days(client: TestClient) -> None:
    log_in(client, NAME, PASSWORD)
    for query in ("?days=5", "?days=x", ""):
        assert "The last 30 days" in client.get("/insight" + query).text


def test_stacked_bars_are_drawn_to_scale() -> None:
    first = known.NOW.date()
    chart = stacked_days("outcome", (DayCount(first, "guidance", "answered", 3),
                                     DayCount(first, "guidance", "flagged", 1)), first, 1, by="outcome")
    answered, flagged = chart.bars
    assert answered.height == pytest.approx(3 * flagged.height)  # 3 to 1 on one scale
    assert answered.y + answered.height == pytest.approx(chart.baseline)  # the first series sits on the axis
    assert flagged.y + flagged.height == pytest.approx(answered.y)  # the next on top of it
    assert [t.label for t in chart.y_ticks] == ["0", "1", "2", "3", "4"]
    assert chart.totals == (4,)
    assert [nice_step(n) for n in (0, 4, 9, 40, 130, 5000)] == [1, 1, 5, 10, 50, 2000]
