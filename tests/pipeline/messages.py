"""The messages people really send, as builders: a permission request in the published template, an Open Exeter
notice, a Primary User request carrying a form made by our own generator."""

from __future__ import annotations

from typing import Any

from tests.pipeline.conftest import SYSTEM, Bot
from tests.support.forms_fixtures import filled_form

GOOD_GP_FORM = {
    "org_name": "The Oakwood Surgery", "org_code": "A81001", "pu_full_name": "Sam New",
    "pu_job_title": "Practice Manager", "pu_email": "sam.new@nhs.net", "pu_phone": "01392 000000",
    "pu_request": "new", "pu_replaces": "", "sig_full_name": "Dr Alan Hughes", "sig_role": "Lead GP",
    "sig_email": "alan.hughes@nhs.net", "sig_date": "20/11/2026",
}
GOOD_OTHER_FORM = {
    "org_name": "Northshire Hospitals NHS Trust", "org_code": "RX1", "pu_full_name": "Kim Hale",
    "pu_job_title": "Screening Lead", "pu_email": "kim.hale@nhs.net", "pu_phone": "01392 111111",
    "pu_request": "new", "pu_replaces": "", "sig_full_name": "Grace Lee", "sig_role": "Caldicott Guardian",
    "sig_email": "grace.lee@nhs.net", "sig_date": "20/11/2026",
}


def form_mail(bot: Bot, sender: str = "alan.hughes@nhs.net", *, form_type: str = "gp_practice",
              signature: str = "ink", flatten: bool = False, sign: bool = True, **changes: str) -> bytes:
    values = {**(GOOD_GP_FORM if form_type == "gp_practice" else GOOD_OTHER_FORM), **changes}
    pdf = filled_form(form_type, values, signature=signature, flatten=flatten)
    return bot.mail(sender, "Primary User request form", "Please find our signed form attached.\n\nThanks",
                    attachments=(("primary-user-request.pdf", pdf, "application/pdf"),), sign=sign)


def permission_mail(bot: Bot, sender: str = "priya.shah@nhs.net", *, org: str = "A81001",
                    user: str = "paul.brown2@nhs.net", applications: str = "Prior Notification List",
                    role: str = "GP Partner", **kw: Any) -> bytes:
    body = (f"Organisation code: {org}\nUser: {user}\nApplications: {applications}\nSignatory role: {role}\n\n"
            "Kind regards\nPriya")
    return bot.mail(sender, "Open Exeter permission request", body, **kw)


def notice_mail(bot: Bot, *, org: str = "A81001", username: str = "AGREY1", name: str = "Alex Grey",
                email: str = "alex.grey@nhs.net", created_by: str = "jane.smith@nhs.net",
                applications: str = "Prior Notification List; Cervical Screening Results", **kw: Any) -> bytes:
    body = (f"A new user has been created in Open Exeter.\n\nOrganisation: {org}\nUsername: {username}\n"
            f"Name: {name}\nEmail: {email}\nCreated by: {created_by}\nApplications: {applications}\n")
    return bot.mail(SYSTEM, "Open Exeter: new user created", body, **kw)
