"""What waits for a form's signatory, on the staff web page (issue 12, deliverable 9): the queue page lists it
(since when, reminder), the case page shows where the confirmation stands, and staff can send the request again or
decide the case themselves. The pending case is made by the real pipeline from real signed mail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.config import parse_config
from mailbot.review.web.app import create_app
from store.db import transaction
from store.models import AuditEvent, OutboxMessage
from store.staff import add_staff
from tests.pipeline.conftest import Bot, make_bot
from tests.pipeline.messages import form_mail
from tests.support.signed_mail import SigningKey
from tests.web.conftest import csrf_of, log_in

STAFF, PASSWORD = "Sam Reviewer", "correct horse battery staple"


@pytest.fixture
def pending(tmp_path: Path, store_url: str) -> Iterator[tuple[Bot, str, TestClient, App]]:
    bot = make_bot(tmp_path, store_url, SigningKey.generate())
    line = bot.one(form_mail(bot, "kate.doe@nhs.net"))  # the practice manager sends what Dr Hughes signed
    assert line["outcome"] == "pending", line
    app = App(parse_config({"store": {"url": store_url}}, environ={}))
    with transaction(app.sessions) as session:
        add_staff(session, STAFF, PASSWORD, now=utcnow(), by="test")
    with TestClient(create_app(app, clock=lambda: utcnow() + timedelta(hours=2)), follow_redirects=False) as client:
        log_in(client, STAFF, PASSWORD)
        yield bot, line["reference"], client, app
    app.engine.dispose()


def section(html: str, marker: str) -> str:
    return html.split(marker, 1)[1].split("</table>", 1)[0] if marker in html else ""


def test_the_queue_page_lists_what_waits_for_the_signatory(pending: tuple[Bot, str, TestClient, App]) -> None:
    _, reference, client, _ = pending
    html = client.get("/").text
    assert reference not in section(html, 'id="queue"')  # not a task for staff yet...
    waiting = section(html, 'id="waiting"')  # ...but seen, with since when and the reminder
    assert f'<a href="/cases/{reference}">{reference}</a>' in waiting
    assert "alan.hughes@nhs.net" in waiting and "not yet (due" in waiting and "kate.doe@nhs.net" in waiting
    assert "2 h" in waiting  # waiting for two hours by the page's clock
    assert reference not in section(client.get("/?reason=signatory.unverified").text, 'id="waiting"')


def test_the_case_page_shows_the_confirmation_and_staff_can_send_it_again(
        pending: tuple[Bot, str, TestClient, App]) -> None:
    bot, reference, client, app = pending
    page = client.get(f"/cases/{reference}").text
    assert "waiting for the signatory&#39;s answer" in page and "alan.hughes@nhs.net" in page
    assert 'id="resend-request"' in page and 'id="preview-approval"' in page  # resend, or decide it yourself
    response = client.post(f"/cases/{reference}/resend", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 303 and "done=" not in response.headers["location"]
    assert "The confirmation request was sent again" in client.get(response.headers["location"]).text
    requests = [r for r in bot.outbox(reference) if r.purpose == "confirmation_request"]
    assert [r.recipient for r in requests] == ["alan.hughes@nhs.net"] * 2
    with app.sessions() as session:
        actors = list(session.execute(select(AuditEvent.actor, AuditEvent.action)
                                      .where(AuditEvent.action == "review.confirmation_resent")))
    assert actors == [(STAFF, "review.confirmation_resent")]
    assert "2 requests sent" in client.get(f"/cases/{reference}").text


def test_resending_needs_the_csrf_token(pending: tuple[Bot, str, TestClient, App]) -> None:
    bot, reference, client, _ = pending
    assert client.post(f"/cases/{reference}/resend", data={"csrf_token": "forged"}).status_code == 403
    assert len([r for r in bot.outbox(reference) if r.purpose == "confirmation_request"]) == 1


def test_staff_decide_a_pending_case_from_its_page(pending: tuple[Bot, str, TestClient, App]) -> None:
    bot, reference, client, app = pending
    page = client.get(f"/cases/{reference}").text
    preview = client.get(f"/cases/{reference}/approve")
    assert preview.status_code == 200 and "signatory.confirmation_requested" in preview.text
    confirm = client.post(f"/cases/{reference}/approve/confirm", data={"csrf_token": csrf_of(preview.text)})
    assert confirm.status_code == 303, confirm.text
    assert bot.case(reference).outcome == "pending"  # deciding for a silent signatory needs a second person
    with transaction(app.sessions) as session:
        add_staff(session, "Kim Checker", PASSWORD, now=utcnow(), by="test")
    with TestClient(client.app, follow_redirects=False) as second:
        log_in(second, "Kim Checker", PASSWORD)
        page = second.get(f"/cases/{reference}/approve").text
        assert second.post(f"/cases/{reference}/approve/confirm",
                           data={"csrf_token": csrf_of(page)}).status_code == 303
    assert bot.case(reference).outcome == "approved"
    after = client.get(f"/cases/{reference}").text
    assert "staff decided before the signatory answered" in after and 'id="resend-request"' not in after
    assert reference not in section(client.get("/").text, 'id="waiting"')
    with app.sessions() as session:
        rows = session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.purpose == "notice")).all()
    assert "alan.hughes@nhs.net" in rows  # the signatory's notice, at the address on record
    assert re.search(r"Approved – decided by Sam Reviewer and Kim Checker", after)
