"""Staff actions on the web page that must never do harm (SPEC 13 and 17): a case already approved is not approved
(or rejected) again, a sender who could not be authenticated is never mailed, and a stranger's form is read only
when a member of staff opens the case."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from starlette.testclient import TestClient

from store.models import AuditEvent, Case, OutboxMessage, User
from tests.support.forms_fixtures import filled_form
from tests.web.conftest import WebWorld, csrf_of
from tests.web.review_helpers import approve_by_two
from tests.web.seed import NOW, PRIMARY_REQUEST, STAFF_NAME, add_case, message_bytes


def outbox_size(world: WebWorld) -> int:
    with world.app.sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_a_case_back_in_the_queue_after_approval_cannot_be_approved_or_rejected_again(
        world: WebWorld, staff_client: TestClient) -> None:
    ref = world.seeded.approvable
    csrf = csrf_of(staff_client.get(f"/cases/{ref}").text)
    approve_by_two(world, staff_client, ref, {"csrf_token": csrf, "set.pu_job_title": "Practice Manager"})
    with world.app.sessions() as session, session.begin():  # as an authenticated follow-up from its sender does
        case = session.scalar(select(Case).where(Case.reference == ref))
        assert case is not None and case.outcome == "approved"
        case.needs_review = True
    mails = outbox_size(world)
    again = staff_client.post(f"/cases/{ref}/approve/confirm", data={"csrf_token": csrf})
    assert again.status_code == 303
    assert f"was already approved by {STAFF_NAME} and Kim Checker" in staff_client.get(f"/cases/{ref}").text
    again = staff_client.get(f"/cases/{ref}/approve")
    assert again.status_code == 409 and "already approved" in again.text
    page = staff_client.get(f"/cases/{ref}").text
    assert "already-approved" in page and "preview-approval" not in page and "preview-reject" not in page
    rejected = staff_client.post(f"/cases/{ref}/reject/confirm", data={"csrf_token": csrf, "text": "No."})
    assert rejected.status_code == 303 and "already approved" in staff_client.get(f"/cases/{ref}").text
    assert outbox_size(world) == mails
    with world.app.sessions() as session:
        approvals = session.scalar(select(func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action == "review.approved"))
    assert approvals == 1
    assert staff_client.post(f"/cases/{ref}/close", data={"csrf_token": csrf, "reason": "Read the thanks"}
                             ).status_code == 303


def unauthenticated_permission_request(world: WebWorld) -> str:
    raw = message_bytes(sender="priya.shah@nhs.net", subject="Open Exeter permission request",
                        body="Organisation code: A81001\nUser: paul.brown2@nhs.net\n"
                             "Applications: Prior Notification List\nSignatory role: GP Partner\n",
                        message_id="<perm-unauth@nhs.net>")
    with world.app.sessions() as session, session.begin():
        add_case(session, reference="OE-2026-000301", kind="permission_request",
                 reasons=["sender.unauthenticated"], raw=raw, sender="priya.shah@nhs.net",
                 subject="Open Exeter permission request", org_code="A81001",
                 request={"org_code": "A81001", "user": "paul.brown2@nhs.net",
                          "applications": ["Prior Notification List"], "signatory_role": "GP Partner"},
                 created_at=NOW - timedelta(hours=2), authenticated=False, message_id="<perm-unauth@nhs.net>")
    return "OE-2026-000301"


def test_approving_for_an_unauthenticated_sender_mails_only_the_user_and_says_what_was_withheld(
        world: WebWorld, staff_client: TestClient) -> None:
    ref = unauthenticated_permission_request(world)
    csrf = csrf_of(staff_client.get(f"/cases/{ref}").text)
    preview = staff_client.get(f"/cases/{ref}/approve")
    assert preview.status_code == 200 and 'id="withheld"' in preview.text
    assert "To priya.shah@nhs.net" in preview.text.split('id="withheld"', 1)[1]
    assert "Sender could not be confirmed" in preview.text.split('id="second-person-needed"', 1)[1]
    approve_by_two(world, staff_client, ref, {"csrf_token": csrf})
    with world.app.sessions() as session:
        case = session.scalar(select(Case).where(Case.reference == ref))
        assert case is not None
        recipients = session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.case_id == case.id)).all()
    assert recipients == ["paul.brown2@nhs.net"]


def test_a_strangers_form_is_read_when_a_member_of_staff_opens_the_case(world: WebWorld,
                                                                      staff_client: TestClient) -> None:
    values = {k: v for k, v in PRIMARY_REQUEST.items() if k.startswith(("org_", "pu_", "sig_")) and k != "sig_typed"}
    raw = message_bytes(sender="nadia.quinn@nhs.net", subject="Form", body="Attached.",
                        attachments=[("stranger-form.pdf", filled_form("gp", values, signature="ink"))],
                        message_id="<form-unauth@nhs.net>")
    with world.app.sessions() as session, session.begin():
        add_case(session, reference="OE-2026-000302", kind="primary_user_request",
                 reasons=["sender.unauthenticated"], raw=raw, sender="nadia.quinn@nhs.net", subject="Form",
                 org_code=None, request={"reading": "not_read", "attachment": "stranger-form.pdf",
                                         "attachment_index": 0},
                 created_at=NOW - timedelta(hours=1), authenticated=False, message_id="<form-unauth@nhs.net>")
    page = staff_client.get("/cases/OE-2026-000302")
    assert page.status_code == 200
    assert 'value="paul.brown2@nhs.net"' in page.text and "Dr Nadia Quinn" in page.text  # the fields, read now
    with world.app.sessions() as session:
        case = session.scalar(select(Case).where(Case.reference == "OE-2026-000302"))
        assert case is not None and case.fields["request"]["reading"] == "read" and case.org_code == "A81001"
        assert case.outcome == "flagged" and case.needs_review
        reader = session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "case.form_read"))
        assert reader == STAFF_NAME
        assert not session.scalar(select(User.is_primary).where(User.username == "PBROWN2"))  # nothing applied
