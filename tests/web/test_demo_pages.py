"""Every case the demo makes from its sample mailbox (real messages through the real parsers and rules) shows on
the web page: the queue lists the flagged ones, and every case page, form image and attachment opens."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select
from starlette.testclient import TestClient

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.config import load_config
from mailbot.review.web.app import create_app
from store.db import transaction
from store.models import Case
from store.staff import add_staff
from tests.support.cli import mailbot
from tests.web.conftest import log_in


def test_every_demo_case_opens_with_its_form_image_and_attachments(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    assert mailbot("demo", "--dir", folder).status == 0
    app = App(load_config(folder / "mailbot.toml", environ={}))
    with transaction(app.sessions) as session:
        add_staff(session, "Demo Reviewer", "demo password 123", now=utcnow(), by="test")
        cases = session.scalars(select(Case).order_by(Case.id)).all()
        # The queue is oldest first; the daemon handles two messages at once, so that is not always id order.
        flagged = [c.reference for c in sorted(cases, key=lambda c: (c.created_at, c.id)) if c.needs_review]
        references = [c.reference for c in cases]
    assert flagged and len(references) > len(flagged)
    with TestClient(create_app(app), follow_redirects=False) as client:
        log_in(client, "Demo Reviewer", "demo password 123")
        queue = client.get("/").text
        queue_table = queue.split('id="queue"')[1].split("</table>")[0]
        assert re.findall(r'<a href="/cases/(OE-[\d-]+)">', queue_table) == flagged
        images = 0
        for reference in references:
            page = client.get(f"/cases/{reference}")
            assert page.status_code == 200, reference
            for link in re.findall(r'href="(/cases/[^"]+/attachments/\d+(?:/page1\.png)?)"', page.text):
                response = client.get(link)
                assert response.status_code == 200, link
                images += link.endswith(".png") and response.content.startswith(b"\x89PNG")
        assert images >= 1  # the demo's forms are drawn
    app.engine.dispose()
