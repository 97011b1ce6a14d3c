"""Two cases from the review that found issue 18, added to the web tests' seeded store:

- a Primary User form from a sender that could not be authenticated (no DKIM): a stranger's form, which staff
  could turn into a take-over by correcting Request to "replacement" and naming a current Primary User;
- Paul Brown's permission request for his own account, calling himself "GP Partner" without being on record.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from tests.support.forms_fixtures import filled_form
from tests.web.seed import NOW, PRIMARY_REQUEST, add_case, message_bytes

STRANGER = "OE-2026-000111"
OWN_ACCOUNT = "OE-2026-000112"
STRANGER_REQUEST = {**PRIMARY_REQUEST, "pu_full_name": "Max Stranger", "pu_email": "max.stranger@nhs.net",
                    "pu_job_title": "Practice Manager", "attachment": "stranger.pdf"}


def seed_review_cases(session: Session) -> None:
    values = {k: v for k, v in STRANGER_REQUEST.items() if k.startswith(("org_", "pu_", "sig_")) and k != "sig_typed"}
    raw = message_bytes(sender="Nadia Quinn <nadia.quinn@nhs.net>", subject="Primary User form",
                        body="Form attached.", attachments=[("stranger.pdf", filled_form("gp", values,
                                                                                          signature="ink"))],
                        message_id="<stranger-1@nhs.net>")
    checks = [{"name": "sender.authenticated", "status": "failed", "reason": "sender.unauthenticated",
               "explanation": "No passing DKIM signature aligned with nhs.net."}]
    add_case(session, reference=STRANGER, kind="primary_user_request", reasons=["sender.unauthenticated"],
             raw=raw, sender="nadia.quinn@nhs.net", subject="Primary User form", org_code="A81001",
             request=dict(STRANGER_REQUEST), created_at=NOW - timedelta(hours=3), checks=checks,
             authenticated=False, message_id="<stranger-1@nhs.net>")
    raw = message_bytes(sender="Paul Brown <paul.brown2@nhs.net>", subject="Open Exeter permission request",
                        body="Organisation code: A81001\nUser: paul.brown2@nhs.net\n"
                             "Applications: Cervical Screening Results\nSignatory role: GP Partner\n",
                        message_id="<own-1@nhs.net>")
    checks = [{"name": "signatory.on_record", "status": "failed", "reason": "signatory.unverified",
               "explanation": "paul.brown2@nhs.net is not on record as a signatory of A81001."}]
    add_case(session, reference=OWN_ACCOUNT, kind="permission_request", reasons=["signatory.unverified"], raw=raw,
             sender="paul.brown2@nhs.net", subject="Open Exeter permission request", org_code="A81001",
             request={"org_code": "A81001", "user": "paul.brown2@nhs.net",
                      "applications": ["Cervical Screening Results"], "signatory_role": "GP Partner"},
             created_at=NOW - timedelta(hours=2), checks=checks, message_id="<own-1@nhs.net>")
