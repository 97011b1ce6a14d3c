"""The golden corpus, as data: what people, machines and impostors send to the mailbox on an ordinary month.

Each scenario is one message. They are processed in this order on one store with the sample register, so later
ones see what earlier ones changed (a third Primary User request after two approvals, a duplicate, a follow-up).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tests.support.forms_fixtures import filled_form

SYSTEM = "openexeter-noreply@nhs.net"
Attachment = tuple[str, bytes, str]


@dataclass(frozen=True)
class Scenario:
    name: str
    sender: str
    subject: str
    body: str = ""
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    signed_by: str = "ours"  # ours / stranger / none
    signing_domain: str = "nhs.net"
    id_domain: str = "mail.nhs.net"
    edit: Callable[[bytes], bytes] | None = None  # before signing
    after: Callable[[bytes], bytes] | None = None  # after signing (tampering)


GP = {"org_name": "The Oakwood Surgery", "org_code": "A81001", "pu_full_name": "Sam New",
      "pu_job_title": "Practice Manager", "pu_email": "sam.new@nhs.net", "pu_phone": "01392 000000",
      "pu_request": "new", "pu_replaces": "", "sig_full_name": "Dr Alan Hughes", "sig_role": "Lead GP",
      "sig_email": "alan.hughes@nhs.net", "sig_date": "01/11/2026"}
RIVERSIDE = {**GP, "org_name": "Riverside Medical Centre", "org_code": "A81002", "sig_full_name": "Dr Omar Said",
             "sig_email": "omar.said@nhs.net"}
HARBOUR = {**GP, "org_name": "Harbour Lane Practice", "org_code": "B82010", "pu_full_name": "Lily Moss",
           "pu_email": "lily.moss@nhs.net", "sig_full_name": "Dr Ruth Evans", "sig_role": "GP Partner",
           "sig_email": "ruth.evans@nhs.net"}
TRUST = {"org_name": "Northshire Hospitals NHS Trust", "org_code": "RX1", "pu_full_name": "Kim Hale",
         "pu_job_title": "Screening Lead", "pu_email": "kim.hale@nhs.net", "pu_phone": "01392 111111",
         "pu_request": "new", "pu_replaces": "", "sig_full_name": "Grace Lee", "sig_role": "Caldicott Guardian",
         "sig_email": "grace.lee@nhs.net", "sig_date": "01/11/2026"}
CLINIC = {**TRUST, "org_name": "Westvale Sexual Health Service", "org_code": "Y01234", "pu_full_name": "Omar Reed",
          "pu_email": "omar.reed@nhs.net", "sig_full_name": "Nina Rossi", "sig_email": "nina.rossi@nhs.net"}


def form(sender: str, name: str, values: dict[str, str], *, form_type: str = "gp_practice", signature: str = "ink",
         flatten: bool = False, **kw: object) -> Scenario:
    pdf = filled_form(form_type, values, signature=signature, flatten=flatten)
    return Scenario(name, sender, "Primary User request form", "Please find our signed form attached.\n\nThanks",
                    attachments=(("primary-user-request.pdf", pdf, "application/pdf"),), **kw)  # type: ignore[arg-type]


def permission(sender: str, name: str, *, org: str = "A81001", user: str = "paul.brown2@nhs.net",
               apps: str = "Prior Notification List", role: str = "GP Partner", **kw: object) -> Scenario:
    body = f"Organisation code: {org}\nUser: {user}\nApplications: {apps}\nSignatory role: {role}\n\nKind regards"
    return Scenario(name, sender, "Open Exeter permission request", body, **kw)  # type: ignore[arg-type]


def notice(name: str, *, org: str = "A81001", username: str, full_name: str, email: str,
           created_by: str = "jane.smith@nhs.net", apps: str = "Prior Notification List", **kw: object) -> Scenario:
    body = (f"A new user has been created in Open Exeter.\n\nOrganisation: {org}\nUsername: {username}\n"
            f"Name: {full_name}\nEmail: {email}\nCreated by: {created_by}\nApplications: {apps}\n")
    return Scenario(name, SYSTEM, "Open Exeter: new user created", body, **kw)  # type: ignore[arg-type]


def _two_froms(raw: bytes) -> bytes:
    return raw.replace(b"From: ", b"From: attacker@example.com\r\nFrom: ", 1)


def _body_changed(raw: bytes) -> bytes:
    return raw.replace(b"Prior Notification List", b"Cervical Screening Results", 1)


def _extra_subject(raw: bytes) -> bytes:
    return b"Subject: Urgent: grant all applications\r\n" + raw


def scenarios() -> Iterator[Scenario]:
    # Primary User requests, every way a form arrives.
    yield form("alan.hughes@nhs.net", "gp-new-ink", GP)
    yield form("grace.lee@nhs.net", "trust-new-caldicott", TRUST, form_type="other")
    yield form("ruth.evans@nhs.net", "harbour-new-typed", HARBOUR, signature="typed",
               flatten=False)
    yield form("nina.rossi@nhs.net", "clinic-new-image", CLINIC, form_type="other", signature="image")
    yield form("omar.said@nhs.net", "riverside-third-primary", RIVERSIDE)
    yield form("omar.said@nhs.net", "riverside-replacement", {**RIVERSIDE, "pu_request": "replacement",
                                                              "pu_replaces": "dev.patel1@nhs.net"})
    yield form("alan.hughes@nhs.net", "gp-third-after-approval", {**GP, "pu_full_name": "Tara Quinn",
                                                                  "pu_email": "tara.quinn@nhs.net"})
    yield form("alan.hughes@nhs.net", "gp-unsigned", {**GP, "pu_full_name": "Una Lowe",
                                                      "pu_email": "una.lowe@nhs.net"}, signature="none")
    yield form("alan.hughes@nhs.net", "gp-incomplete", {**GP, "pu_email": "", "sig_date": ""})
    yield form("ian.ford@nhs.net", "trust-wrong-role", {**TRUST, "sig_full_name": "Ian Ford", "sig_role": "Lead GP",
                                                        "sig_email": "ian.ford@nhs.net"}, form_type="other")
    yield form("helen.ward@nhs.net", "gp-on-other-form", {**TRUST, "org_code": "A81001",
                                                          "org_name": "The Oakwood Surgery",
                                                          "sig_full_name": "Helen Ward",
                                                          "sig_email": "helen.ward@nhs.net"}, form_type="other")
    yield form("alan.hughes@nhs.net", "gp-self-appointed", {**GP, "pu_full_name": "Dr Alan Hughes",
                                                            "pu_email": "alan.hughes@nhs.net"})
    yield form("nora.bell@nhs.net", "gp-unknown-signatory", {**GP, "sig_full_name": "Dr Nora Bell",
                                                             "sig_email": "nora.bell@nhs.net"})
    yield form("alan.hughes@nhs.net", "unknown-org", {**GP, "org_code": "Z99999"})
    yield form("alan.hughes@nhs.net", "gp-gmail-nominee", {**GP, "pu_email": "sam.new@gmail.com"})
    yield form("alan.hughes@nhs.net", "gp-already-primary", {**GP, "pu_full_name": "Jane Smith",
                                                             "pu_email": "jane.smith@nhs.net"})
    yield form("ruth.evans@nhs.net", "harbour-flattened", {**HARBOUR, "pu_full_name": "Max Kerr",
                                                           "pu_email": "max.kerr@nhs.net"}, flatten=True)
    yield form("alan.hughes@nhs.net", "gp-unsigned-sender", GP, signed_by="none")
    yield form("alan.hughes@nhs.net", "gp-forged-key", GP, signed_by="stranger")
    yield form("practice@oakwood-surgery.co.uk", "gp-from-outside-nhs", {**GP, "pu_full_name": "Ed Vale",
                                                                        "pu_email": "ed.vale@nhs.net"},
               signing_domain="oakwood-surgery.co.uk", signed_by="none")
    yield Scenario("gp-no-form", "alan.hughes@nhs.net", "Primary User request",
                   "We would like Sam New to become our Primary User. Who do I send the form to?")
    yield Scenario("gp-corrupt-pdf", "alan.hughes@nhs.net", "Primary User request form", "Form attached.",
                   attachments=(("form.pdf", b"%PDF-1.7\n1 0 obj <<<<", "application/pdf"),))
    yield Scenario("gp-photo-of-form", "alan.hughes@nhs.net", "Primary User request form", "Photo of the form.",
                   attachments=(("IMG_0042.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200, "image/jpeg"),))
    # Permission requests.
    yield permission("priya.shah@nhs.net", "perm-approved")
    yield permission("priya.shah@nhs.net", "perm-two-apps-comma", apps="Screening History, Sender Reports",
                     user="PBROWN2")
    yield permission("alan.hughes@nhs.net", "perm-lower-case-labels", role="lead gp",
                     apps="call and recall", user="paul.brown2@nhs.net")
    yield permission("priya.shah@nhs.net", "perm-unknown-app", apps="Prior Notification List; Flying Lessons")
    yield permission("priya.shah@nhs.net", "perm-misspelt-app", apps="Cervical Screning Results")
    yield permission("priya.shah@nhs.net", "perm-unknown-user", user="nobody@nhs.net")
    yield permission("priya.shah@nhs.net", "perm-pending-user", user="leila.khan@nhs.net")
    yield permission("jane.smith@nhs.net", "perm-primary-user-only", role="GP Partner")
    yield permission("helen.ward@nhs.net", "perm-caldicott", role="Caldicott Guardian", apps="Sender Reports")
    yield permission("stranger@nhs.net", "perm-not-a-signatory")
    yield permission("priya.shah@example.com", "perm-not-nhs", signing_domain="example.com")
    yield permission("priya.shah@nhs.net", "perm-unsigned", signed_by="none")
    yield permission("priya.shah@nhs.net", "perm-body-tampered", after=_body_changed)
    yield permission("priya.shah@nhs.net", "perm-two-from", edit=_two_froms)
    yield permission("priya.shah@nhs.net", "perm-extra-subject", after=_extra_subject)
    yield permission("priya.shah@nhs.net", "perm-lookalike-domain", signing_domain="nhs-net.com",
                     signed_by="none")
    yield permission("grace.lee@nhs.net", "perm-trust", org="RX1", user="RBLACK2", apps="Prior Notification List",
                     role="Caldicott Guardian")
    yield Scenario("perm-html-only", "priya.shah@nhs.net", "Open Exeter permission request", "",
                   html="<p>Organisation code: A81001<br>User: paul.brown2@nhs.net<br>"
                        "Applications: Sender Reports<br>Signatory role: GP Partner</p>")
    # Open Exeter notices.
    yield notice("notice-approved", username="AGREY1", full_name="Alex Grey", email="alex.grey@nhs.net",
                 apps="Prior Notification List; Cervical Screening Results")
    yield notice("notice-creator-not-primary", username="BCOLE1", full_name="Ben Cole", email="ben.cole@nhs.net",
                 created_by="paul.brown2@nhs.net")
    yield notice("notice-gmail", username="CDAY1", full_name="Cat Day", email="cat.day@gmail.com")
    yield notice("notice-unknown-org", org="Q11111", username="DFOX1", full_name="Dan Fox", email="dan.fox@nhs.net")
    yield notice("notice-forged", username="EVIL1", full_name="Eve Il", email="eve.il@nhs.net", signed_by="none")
    # Guidance.
    yield Scenario("guidance-password", "kate.doe@nhs.net", "Password reset",
                   "Hello, I have forgotten my Open Exeter password. How do I reset it?")
    yield Scenario("guidance-who-is-primary", "kate.doe@nhs.net", "Who is our Primary User?",
                   "How can I find out who the Primary User is for our practice?")
    yield Scenario("guidance-change-email", "leo.hart@nhs.net", "Change of email address",
                   "I have a new email address. How do I change the email address on my Open Exeter account?")
    yield Scenario("guidance-no-signatory", "mia.ross@nhs.net", "No signatory",
                   "Our lead GP has left and we have no signatory available. What can we do?")
    # Machines.
    yield Scenario("auto-out-of-office", "jane.smith@nhs.net", "Automatic reply: Open Exeter permission request",
                   "I am out of the office until Monday.", headers={"Auto-Submitted": "auto-replied"})
    yield Scenario("auto-bulk", "news@nhs.net", "Screening newsletter", "This month in screening...",
                   headers={"Precedence": "bulk"})
    yield Scenario("auto-list", "list@nhs.net", "[pcse-users] Meeting notes", "Notes attached.",
                   headers={"List-Id": "PCSE users <pcse-users.lists.nhs.net>"})
    yield Scenario("auto-bounce", "mailer-daemon@nhs.net", "Undeliverable: Re: Open Exeter permission request",
                   "Delivery has failed to these recipients.", headers={"Auto-Submitted": "auto-generated"})
    # People replying, and the rest.
    yield Scenario("follow-up-by-subject", "nora.bell@nhs.net", "Re: Primary User request form [OE-2026-000013]",
                   "I joined the practice as a partner in October; Dr Hughes can confirm.")
    yield Scenario("unclear", "someone@nhs.net", "Hello", "Could you give me a call about the thing we discussed?")
    yield Scenario("unclear-unsigned", "someone@nhs.net", "Hello again", "Please call me.", signed_by="none")
