"""The queue, case, outbox and register pages with a logged-in member of staff, over a seeded store."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from store.models import AuditEvent, Case, OutboxMessage, User
from tests.web.conftest import WebWorld, csrf_of, make_world
from tests.web.review_helpers import second_client
from tests.web.seed import STAFF_NAME


@pytest.fixture
def world(store_url: str) -> Iterator[WebWorld]:
    """These pages run on both stores (PostgreSQL is the one several daemons share)."""
    yield from make_world(store_url)


def references(html: str) -> list[str]:
    table = html.split('id="queue"', 1)[1].split("</table>", 1)[0] if 'id="queue"' in html else ""
    return re.findall(r'<a href="/cases/(OE-\d{4}-\d{6})">', table)


def test_the_queue_lists_waiting_cases_oldest_first_with_counts_per_reason(staff_client: TestClient) -> None:
    html = staff_client.get("/").text
    assert references(html) == ["OE-2026-000104", "OE-2026-000101", "OE-2026-000102", "OE-2026-000103"]
    assert "4 cases match these filters" in html
    counts = dict(re.findall(r'reason=([a-z_.]+)"[^>]*>[^<]+</a> <span class="nhsuk-tag">(\d+)</span>', html))
    assert counts == {"request.unclear": "3", "sender.unauthenticated": "1", "signatory.unverified": "1"}


def test_the_queue_filters_by_reason_kind_organisation_and_age(staff_client: TestClient) -> None:
    assert references(staff_client.get("/?reason=signatory.unverified").text) == ["OE-2026-000101"]
    assert references(staff_client.get("/?kind=unclear").text) == ["OE-2026-000104", "OE-2026-000102",
                                                                   "OE-2026-000103"]
    assert references(staff_client.get("/?org=b82010").text) == ["OE-2026-000102"]
    assert references(staff_client.get("/?age=30").text) == ["OE-2026-000104"]
    assert references(staff_client.get("/?age=3").text) == ["OE-2026-000104", "OE-2026-000101"]
    assert references(staff_client.get("/?kind=unclear&reason=sender.unauthenticated").text) == ["OE-2026-000104"]
    # Unknown values are dropped, not errors, and never echoed back.
    html = staff_client.get("/?reason=<x>&kind=nope&org=<b>&age=9&page=x").text
    assert len(references(html)) == 4 and "<x>" not in html and "&lt;x&gt;" not in html


def test_the_queue_is_paged(world: WebWorld, staff_client: TestClient) -> None:
    from tests.web.seed import NOW, add_case

    with world.app.sessions() as session, session.begin():
        for n in range(60):
            add_case(session, reference=f"OE-2026-{200 + n:06d}", kind="guidance", reasons=["message.stale"],
                     raw=b"Subject: x\r\n\r\nx", sender="a@nhs.net", subject=f"case {n}", org_code=None,
                     request=None, created_at=NOW, message_id=f"<p{n}@nhs.net>")
    first = staff_client.get("/?reason=message.stale").text
    second = staff_client.get("/?reason=message.stale&page=2").text
    assert "Page 1 of 2" in first and 'rel="next" href="/?reason=message.stale&amp;page=2"' in first
    assert len(references(first)) == 50 and len(references(second)) == 10
    assert not set(references(first)) & set(references(second))


def test_the_queue_shows_replies_that_may_not_have_arrived(staff_client: TestClient) -> None:
    html = staff_client.get("/").text.split('id="problems"', 1)[1]
    assert "OE-2026-000104" in html and "Not sure it arrived" in html and "timeout after DATA" in html


def test_the_case_page_shows_fields_checks_message_attachments_and_the_form_image(
        world: WebWorld, staff_client: TestClient) -> None:
    html = staff_client.get(f"/cases/{world.seeded.approvable}").text
    assert 'value="Practise Manger"' in html and 'name="field.pu_job_title"' in html
    assert 'name="field.reading"' not in html  # how the form was read is not a field to correct
    assert "signatory_verified" in html and "is not on record as a signatory of A81001" in html
    assert "Please find our completed form attached." in html
    assert 'src="/cases/OE-2026-000101/attachments/0/page1.png"' in html
    image = staff_client.get("/cases/OE-2026-000101/attachments/0/page1.png")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    download = staff_client.get("/cases/OE-2026-000101/attachments/0")
    assert download.content.startswith(b"%PDF") and 'filename="oakwood-form.pdf"' in download.headers[
        "content-disposition"]


def test_a_damaged_pdf_is_not_drawn_and_does_not_break_the_page(world: WebWorld, staff_client: TestClient) -> None:
    response = staff_client.get(f"/cases/{world.seeded.hostile}/attachments/0/page1.png")
    assert response.status_code == 422 and "could not be shown" in response.text
    assert staff_client.get(f"/cases/{world.seeded.hostile}/attachments/7").status_code == 404
    assert staff_client.get("/cases/OE-2026-999999").status_code == 404


def test_hostile_pdfs_are_drawn_within_limits_or_not_at_all(world: WebWorld, staff_client: TestClient) -> None:
    from tests.support.forms_fixtures import circular_xref, decompression_bomb, huge_image
    from tests.web.seed import NOW, add_case, message_bytes

    raw = message_bytes(sender="a@nhs.net", subject="bombs", body="x", message_id="<bombs@nhs.net>",
                        attachments=[("bomb.pdf", decompression_bomb()), ("huge.pdf", huge_image()),
                                     ("loop.pdf", circular_xref())])
    with world.app.sessions() as session, session.begin():
        add_case(session, reference="OE-2026-000900", kind="primary_user_request", reasons=["form.unreadable"],
                 raw=raw, sender="a@nhs.net", subject="bombs", org_code=None, request=None, created_at=NOW,
                 message_id="<bombs@nhs.net>")
    for index in range(3):
        started = time.monotonic()
        response = staff_client.get(f"/cases/OE-2026-000900/attachments/{index}/page1.png")
        assert time.monotonic() - started < 20
        assert response.status_code in (200, 422)
        assert response.status_code == 422 or response.content.startswith(b"\x89PNG")
    assert staff_client.get("/cases/OE-2026-000900/attachments/0/page1.png").status_code == 422  # the bomb
    assert staff_client.get(f"/cases/{world.seeded.approvable}").status_code == 200  # and the server is fine


def test_approval_is_previewed_first_then_applied_and_audited(world: WebWorld, staff_client: TestClient) -> None:
    ref = world.seeded.approvable
    csrf = csrf_of(staff_client.get(f"/cases/{ref}").text)
    preview = staff_client.get(f"/cases/{ref}/approve", params={"field.pu_job_title": "Practice Manager",
                                                                "field.pu_email": "paul.brown2@nhs.net"})
    assert preview.status_code == 200
    assert "PBROWN2: made a Primary User of A81001" in preview.text
    assert "signatory.unverified" in preview.text  # the decision stands in for it, and the page says so
    assert 'name="set.pu_job_title" value="Practice Manager"' in preview.text
    assert 'name="set.pu_email"' not in preview.text  # unchanged fields are not corrections
    with world.app.sessions() as session:
        case = session.scalar(select(Case).where(Case.reference == ref))
        assert case is not None and case.needs_review  # the preview changed nothing
        assert not session.scalar(select(User.is_primary).where(User.username == "PBROWN2"))
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all() == []
    done = staff_client.post(f"/cases/{ref}/approve/confirm", data={"csrf_token": csrf,
                                                                    "set.pu_job_title": "Practice Manager"})
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{ref}#outcome"
    page = staff_client.get(done.headers["location"]).text
    assert "Your approval is recorded" in page and "waiting for a second member of staff" in page
    # A Primary User appointed over an unproven signatory: a second member of staff confirms it.
    second = second_client(world)
    second_csrf = csrf_of(second.get(f"/cases/{ref}").text)
    assert second.get(f"/cases/{ref}/approve").status_code == 200
    done = second.post(f"/cases/{ref}/approve/confirm", data={"csrf_token": second_csrf})
    page = second.get(done.headers["location"]).text
    assert "The case was approved" in page and "Approved – decided by Sam Reviewer and Kim Checker" in page
    with world.app.sessions() as session:
        case = session.scalar(select(Case).where(Case.reference == ref))
        assert case is not None and not case.needs_review and case.outcome == "approved"
        assert case.fields["request"]["pu_job_title"] == "Practice Manager"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "review.approved"))
        assert event is not None and event.actor == "Kim Checker" and event.at == world.clock()
        assert event.detail["first_approved_by"] == STAFF_NAME
        assert event.detail["corrections"] == {"pu_job_title": "Practice Manager"}
        mails = session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.case_id == case.id)).all()
    assert "nadia.quinn@nhs.net" in mails and "paul.brown2@nhs.net" in mails
    again = staff_client.post(f"/cases/{ref}/approve/confirm", data={"csrf_token": csrf})
    assert again.status_code == 303
    assert "already approved by Sam Reviewer and Kim Checker" in staff_client.get(again.headers["location"]).text


def test_a_blocked_approval_says_why_and_offers_no_button(world: WebWorld, staff_client: TestClient) -> None:
    ref = world.seeded.approvable
    csrf = csrf_of(staff_client.get(f"/cases/{ref}").text)
    preview = staff_client.post(f"/cases/{ref}/approve", data={"csrf_token": csrf, "field.org_code": "ZZZ999"})
    assert preview.status_code == 303  # post/redirect/get: the preview is a GET, safe to go Back to
    preview = staff_client.get(preview.headers["location"])
    assert "cannot be approved as it stands" in preview.text and "org.unknown" in preview.text
    assert "Organisation not in the register" in preview.text
    assert "confirm-approval" not in preview.text


def test_rejection_previews_the_exact_reply_then_sends_it(world: WebWorld, staff_client: TestClient) -> None:
    ref = world.seeded.rejectable
    csrf = csrf_of(staff_client.get(f"/cases/{ref}").text)
    preview = staff_client.get(f"/cases/{ref}/reject", params={"template": "request.unclear",
                                                               "text": "Please say which user & which <app>."})
    assert preview.status_code == 200
    assert "Please say which user &amp; which &lt;app&gt;." in preview.text
    assert "Re: Access please [OE-2026-000102]" in preview.text
    with world.app.sessions() as session:
        case = session.scalar(select(Case).where(Case.reference == ref))
        assert case is not None and case.needs_review
    text = re.search(r'name="text" value="([^"]*)"', preview.text)
    assert text is not None
    done = staff_client.post(f"/cases/{ref}/reject/confirm", data={"csrf_token": csrf,
                                                                   "text": text.group(1).replace("&amp;", "&")
                                                                   .replace("&lt;", "<").replace("&gt;", ">")})
    assert done.headers["location"] == f"/cases/{ref}#outcome"
    assert "The case was rejected. The reply is in the outbox." in staff_client.get(f"/cases/{ref}").text
    with world.app.sessions() as session:
        mail = session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "tom.white1@nhs.net"))
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "review.rejected"))
    assert mail is not None and "Please say which user & which <app>." in mail.body
    assert event is not None and event.actor == STAFF_NAME


def test_no_reply_goes_to_a_sender_that_could_not_be_confirmed(world: WebWorld, staff_client: TestClient) -> None:
    ref = world.seeded.unauthenticated
    csrf = csrf_of(staff_client.get(f"/cases/{ref}").text)
    preview = staff_client.get(f"/cases/{ref}/reject", params={"text": "No."})
    assert "No reply will be sent" in preview.text
    done = staff_client.post(f"/cases/{ref}/reject/confirm", data={"csrf_token": csrf, "text": "No."})
    assert "No reply was sent" in staff_client.get(done.headers["location"]).text


def test_close_and_note_are_audited_with_the_staff_member(world: WebWorld, staff_client: TestClient) -> None:
    ref = world.seeded.rejectable
    csrf = csrf_of(staff_client.get(f"/cases/{ref}").text)
    assert staff_client.post(f"/cases/{ref}/note", data={"csrf_token": csrf, "text": "Phoned <them>"}
                             ).status_code == 303
    empty = staff_client.post(f"/cases/{ref}/note", data={"csrf_token": csrf, "text": "  "})
    assert empty.status_code == 303 and "the note is empty" in staff_client.get(f"/cases/{ref}").text
    no_reason = staff_client.post(f"/cases/{ref}/close", data={"csrf_token": csrf, "reason": " "})
    assert "Say why you are closing the case" in staff_client.get(no_reason.headers["location"]).text
    assert staff_client.post(f"/cases/{ref}/close", data={"csrf_token": csrf, "reason": "Sorted by phone"}
                             ).status_code == 303
    page = staff_client.get(f"/cases/{ref}").text
    assert "Phoned &lt;them&gt;" in page and "Closed without a reply by Sam Reviewer" in page
    assert "Why: Sorted by phone" in page and "close-case" not in page and "reopen-case" in page
    assert references(staff_client.get("/").text).count(ref) == 0
    with world.app.sessions() as session:
        actors = session.scalars(select(AuditEvent.actor).where(AuditEvent.action.in_(["review.note",
                                                                                        "review.closed"]))).all()
    assert actors == [STAFF_NAME, STAFF_NAME]


def test_the_outbox_lists_mail_and_shows_one(world: WebWorld, staff_client: TestClient) -> None:
    html = staff_client.get("/outbox?status=uncertain").text
    assert "Re: Add me [OE-2026-000104]" in html
    mail_id = re.search(r'href="/outbox/(\d+)"', html)
    assert mail_id is not None
    page = staff_client.get(f"/outbox/{mail_id.group(1)}").text
    assert "someone@nhs.net" in page and "timeout after DATA" in page
    assert staff_client.get("/outbox/99999").status_code == 404
    assert "No mail." in staff_client.get("/outbox?status=sent").text


def test_register_search_by_ods_code_name_and_email(staff_client: TestClient) -> None:
    by_code = staff_client.get("/register?q=a81001").text
    assert "A81001 – The Oakwood Surgery" in by_code
    by_name = staff_client.get("/register?q=Priya").text
    assert "Dr Priya Shah" in by_name and "GP Partner" in by_name
    by_email = staff_client.get("/register?q=paul.brown2@").text
    assert "Paul Brown – paul.brown2@nhs.net – PBROWN2" in by_email
    assert "None found." in staff_client.get("/register?q=%25").text  # LIKE wildcards are literal


def test_an_organisation_page_lists_users_primary_users_and_signatories(staff_client: TestClient) -> None:
    html = staff_client.get("/register/a81001").text
    primary = html.split('id="primary-users"', 1)[1].split("</ul>", 1)[0]
    assert "Jane Smith" in primary and "Paul Brown" not in primary
    assert "Leila Khan" in html and "pending" in html
    assert "Dr Alan Hughes" in html and "Lead GP" in html and "Helen Ward" in html
    assert staff_client.get("/register/NOPE").status_code == 404


def test_the_case_page_shows_how_each_field_was_read_and_the_signature_box_over_the_page(
        world: WebWorld, staff_client: TestClient) -> None:
    from tests.support.forms_fixtures import filled_form
    from tests.support.scanned_forms import as_picture, rendered
    from tests.web.seed import NOW, PRIMARY_REQUEST, add_case, message_bytes

    pdf = filled_form("gp")
    how_read = {"fields": {
        "org_name": {"how": "ocr", "confidence": 91.4, "unsure": False, "label_box": None, "value_box": None},
        "org_code": {"how": "ocr", "confidence": 41.0, "unsure": True, "label_box": None, "value_box": None},
        "pu_email": {"how": "acroform", "confidence": None, "unsure": False, "label_box": None, "value_box": None}},
        "signature_box": {"page": 0, "box": [235.5, 645.0, 549.0, 758.9], "from": "label",
                          "page_size": [595.28, 841.89], "page_turn": 0}}
    request = {**PRIMARY_REQUEST, "org_code": "", "how_read": how_read, "attachment": "scan.pdf"}
    raw = message_bytes(sender="alan.hughes@nhs.net", subject="scan", body="x", message_id="<scan@nhs.net>",
                        attachments=[("scan.pdf", pdf), ("photo.png", as_picture(rendered(pdf, 50), "PNG"))])
    with world.app.sessions() as session, session.begin():
        add_case(session, reference="OE-2026-000950", kind="primary_user_request", reasons=["form.uncertain"],
                 raw=raw, sender="alan.hughes@nhs.net", subject="scan", org_code=None, request=request,
                 created_at=NOW, message_id="<scan@nhs.net>")
    html = staff_client.get("/cases/OE-2026-000950").text
    table = html.split('id="how-read"', 1)[1].split("</table>", 1)[0]
    assert "Organisation name</th><td>OCR, confidence 91%" in table
    assert "ODS code</th><td>OCR, confidence 41%</td><td>not read with confidence: left empty" in table
    assert "Primary User: email</th><td>form field</td>" in table
    assert 'viewBox="0 0 595.28 841.89"' in html and '<rect id="signature-box" x="235.5" y="645.0"' in html
    assert "found from the printed label" in html
    picture = staff_client.get("/cases/OE-2026-000950/attachments/1/page1.png")
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")


def test_a_closed_organisation_is_marked_on_its_page_and_in_the_search(world: WebWorld,
                                                                       staff_client: TestClient) -> None:
    from sqlalchemy import update

    from store.models import Organisation
    assert 'id="org-status"' not in staff_client.get("/register/A81001").text
    with world.app.sessions() as session, session.begin():
        session.execute(update(Organisation).where(Organisation.code == "A81001").values(status="closed"))
    assert 'id="org-status">Closed in the register</strong>' in staff_client.get("/register/A81001").text
    assert "Closed in the register" in staff_client.get("/register?q=a81001").text
