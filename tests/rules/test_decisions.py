"""The functional core on plain data: each check, each chain, and SPEC 2's precedence of outcomes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from parsers.vocabulary.kinds import Kind
from parsers.vocabulary.outcomes import Outcome
from parsers.vocabulary.roles import OrgType, Role
from rules.chains import CHAINS
from rules.context import CheckContext, ConfirmationFacts, MessageFacts, Policy
from rules.dkim_checks import SignedBy
from rules.outcome import decide
from rules.reasons import CODES, REASONS
from rules.register import OrgRecord, RegisterView, SignatoryRecord, UserRecord
from rules.requests import NewUserNotice, PermissionRequest, PrimaryUserRequest

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Sender:
    """A sender verdict as plain data (the real one comes from rules.sender; these tests are about the chains)."""

    address: str | None = "manager@nhs.net"
    domain: str | None = "nhs.net"
    ambiguous: bool = False
    nhs: bool = True
    authenticated: bool = True
    method: str | None = "dkim"
    problems: tuple[str, ...] = ()
    passing: tuple[SignedBy, ...] = (SignedBy("nhs.net", "s1", ("from", "to", "subject", "date", "message-id"), "b1"),)


JANE = UserRecord("JSMITH1", "Jane Smith", "jane.smith@nhs.net", "active", True,
                  frozenset({"Organisation Maintenance"}))
PAUL = UserRecord("PBROWN2", "Paul Brown", "paul.brown@nhs.net", "active", False, frozenset({"Sender Reports"}))
PRACTICE = OrgRecord("A81001", "The Oakwood Surgery", OrgType.GP_PRACTICE, users=(JANE, PAUL), signatories=(
    SignatoryRecord("Dr Alan Hughes", "alan.hughes@nhs.net", Role.LEAD_GP),
    SignatoryRecord("Dr Kofi Mensah", "", Role.GP_PARTNER),
    SignatoryRecord("Helen Ward", "helen.ward@nhs.net", Role.CALDICOTT_GUARDIAN),
))
CATALOGUE = ("Cervical Screening Results", "Organisation Maintenance", "Prior Notification List", "Sender Reports")

GOOD_FORM = PrimaryUserRequest(
    form_type="gp_practice", org_name="The Oakwood Surgery", org_code="A81001", pu_full_name="Sam New",
    pu_job_title="Practice Manager", pu_email="sam.new@nhs.net", pu_request="new", sig_full_name="Dr Alan Hughes",
    sig_role="Lead GP", sig_email="alan.hughes@nhs.net", sig_date="20/11/2026", reading="read", signature="signed",
    signature_how="ink annotation", attachment="form.pdf")


def ctx(kind: Kind, request: object = None, *, sender: Sender = Sender(), org: OrgRecord | None = PRACTICE,  # noqa: B008
        signatory_confirmation: ConfirmationFacts | None = None, **facts: object) -> CheckContext:
    message = replace(MessageFacts(size=2000, date=NOW - timedelta(hours=1),
                                   recipients=(("to", "pcse.openexeter@nhs.net"),)), **facts)  # type: ignore[arg-type]
    return CheckContext(kind=kind, now=NOW, message=message, sender=sender, policy=Policy(), request=request,  # type: ignore[arg-type]
                        register=RegisterView(org=org, catalogue=CATALOGUE),
                        signatory_confirmation=signatory_confirmation)


SIGNATORY = Sender(address="alan.hughes@nhs.net")  # the form's signatory, sending it from their address on record


def form_decision(form: PrimaryUserRequest = GOOD_FORM, **kw: object):  # type: ignore[no-untyped-def]
    kw.setdefault("sender", SIGNATORY)
    return decide(ctx(Kind.PRIMARY_USER_REQUEST, form, **kw))  # type: ignore[arg-type]


def test_a_good_form_is_approved_with_every_check_recorded() -> None:
    d = form_decision()
    assert d.outcome == Outcome.APPROVED and d.reasons == ()
    assert [r.name for r in d.results] == [link.check.name for link in CHAINS[Kind.PRIMARY_USER_REQUEST].links]
    assert all(r.status == "passed" for r in d.results)


@pytest.mark.parametrize(("change", "reason", "outcome"), [
    ({"reading": "missing"}, "form.missing", Outcome.REJECTED),
    ({"reading": "unreadable"}, "form.unreadable", Outcome.FLAGGED),
    ({"pu_job_title": " "}, "form.incomplete", Outcome.REJECTED),
    ({"pu_request": "replacement"}, "form.incomplete", Outcome.REJECTED),  # names nobody to replace
    ({"signature": "unsigned"}, "form.unsigned", Outcome.REJECTED),
    ({"signature": "altered"}, "form.altered", Outcome.FLAGGED),
    ({"signature": "unsure"}, "form.uncertain", Outcome.FLAGGED),  # some ink in a scan's box: staff look
    ({"form_type": "other"}, "form.type_mismatch", Outcome.REJECTED),
    ({"org_code": "Z99999"}, "org.unknown", Outcome.FLAGGED),
    ({"sig_role": "Practice Manager"}, "signatory.role_not_allowed", Outcome.REJECTED),
    ({"sig_email": "sam.new@nhs.net", "sig_full_name": "Sam New", "sig_role": "Lead GP"},
     "signatory.self_authorised", Outcome.REJECTED),
    ({"pu_email": "sam.new@gmail.com"}, "user.email_not_nhs", Outcome.REJECTED),
    ({"sig_full_name": "Dr Who", "sig_email": "who@nhs.net"}, "signatory.unverified", Outcome.FLAGGED),
    ({"pu_email": "jane.smith@nhs.net", "pu_full_name": "Jane Smith"}, "user.already_primary", Outcome.APPROVED),
    ({"pu_request": "replacement", "pu_replaces": "paul.brown@nhs.net"}, "user.unknown", Outcome.REJECTED),
])
def test_each_form_check_gives_its_reason_and_outcome(change: dict, reason: str, outcome: Outcome) -> None:
    org = PRACTICE if reason != "org.unknown" else None
    d = form_decision(replace(GOOD_FORM, **change), org=org)
    assert reason in d.reasons
    assert d.outcome == outcome


def test_a_third_primary_user_is_refused_unless_one_is_replaced() -> None:
    two = replace(PRACTICE, users=(JANE, replace(PAUL, primary=True)))
    assert form_decision(org=two).reasons == ("org.primary_user_limit",)
    replacing = replace(GOOD_FORM, pu_request="replacement", pu_replaces="PAUL.BROWN@nhs.net")
    assert form_decision(replacing, org=two).outcome == Outcome.APPROVED


def test_a_signatory_on_record_without_an_email_is_never_proven_by_name() -> None:
    """SPEC 17: a name proves nothing; staff verify by phone, whoever sent it and whatever address the form gives."""
    for email in ("", "kofi.mensah@nhs.net"):
        by_name = replace(GOOD_FORM, sig_full_name="dr kofi  mensah", sig_email=email, sig_role="GP Partner")
        for sender in (SIGNATORY, Sender(address="kofi.mensah@nhs.net")):
            d = form_decision(by_name, sender=sender)
            assert (d.outcome, d.reasons) == (Outcome.FLAGGED, ("signatory.unverified",)), (email, sender)


def test_a_name_on_record_with_another_address_than_the_form_gives_is_unverified() -> None:
    d = form_decision(replace(GOOD_FORM, sig_email="alan.hughes.gp@nhs.net"), sender=Sender(address="x@nhs.net"))
    assert (d.outcome, d.reasons) == (Outcome.FLAGGED, ("signatory.unverified",))
    assert "another address" in next(r for r in d.results if r.failed).explanation


def test_a_form_without_a_signatory_address_is_proven_only_by_the_signatory_sending_it() -> None:
    no_address = replace(GOOD_FORM, sig_email="")
    assert form_decision(no_address).outcome == Outcome.APPROVED  # Dr Alan Hughes sent it himself
    assert form_decision(no_address, sender=Sender(address="manager@nhs.net")).reasons == ("signatory.unverified",)
    other_name = replace(no_address, sig_full_name="Dr Priya Shah")  # Alan sends a form Priya is said to sign
    assert form_decision(other_name).reasons == ("signatory.unverified",)


def test_a_form_sent_by_anyone_but_the_signatory_waits_for_the_signatory_on_record() -> None:
    d = form_decision(sender=Sender(address="manager@nhs.net"))
    assert (d.outcome, d.reasons) == (Outcome.PENDING, ("signatory.confirmation_requested",))
    asked = next(r for r in d.results if r.failed)
    assert asked.details["address"] == "alan.hughes@nhs.net"  # the register's address, never the form's


def test_the_signatorys_answer_from_the_address_on_record_decides_the_proof() -> None:
    manager = Sender(address="manager@nhs.net")
    yes = ConfirmationFacts("alan.hughes@nhs.net", "yes", '"yes"')
    assert form_decision(sender=manager, signatory_confirmation=yes).outcome == Outcome.APPROVED
    no = ConfirmationFacts("alan.hughes@nhs.net", "no", '"no"')
    assert form_decision(sender=manager, signatory_confirmation=no).reasons == ("signatory.declined",)
    elsewhere = ConfirmationFacts("manager@nhs.net", "yes", '"yes"')
    assert form_decision(sender=manager, signatory_confirmation=elsewhere).outcome == Outcome.PENDING


def test_pending_is_below_flagged_and_rejected_and_above_approved() -> None:
    manager = Sender(address="manager@nhs.net")
    unsigned = form_decision(replace(GOOD_FORM, signature="unsigned"), sender=manager)
    assert (unsigned.outcome, unsigned.reasons) == (Outcome.REJECTED, ("form.unsigned",
                                                                       "signatory.confirmation_requested"))
    altered = form_decision(replace(GOOD_FORM, signature="altered"), sender=manager)
    assert altered.outcome == Outcome.FLAGGED
    unauthenticated = form_decision(sender=Sender(address="manager@nhs.net", authenticated=False))
    assert unauthenticated.reasons == ("sender.unauthenticated",)  # no request for a sender nobody can trust


def test_existing_primary_contact_must_be_an_active_primary_user_with_that_email() -> None:
    ok = replace(GOOD_FORM, sig_full_name="Jane Smith", sig_email="jane.smith@nhs.net",
                 sig_role="Existing Primary Contact")
    assert form_decision(ok, sender=Sender(address="jane.smith@nhs.net")).outcome == Outcome.APPROVED
    assert form_decision(ok).outcome == Outcome.PENDING  # sent by someone else: Jane is asked
    not_primary = replace(ok, sig_full_name="Paul Brown", sig_email="paul.brown@nhs.net")
    assert form_decision(not_primary).reasons == ("signatory.unverified",)


@pytest.mark.parametrize(("answer", "outcome", "reasons"), [
    ("yes", Outcome.APPROVED, ()),
    ("no", Outcome.FLAGGED, ("signatory.declined",)),
    ("unclear", Outcome.FLAGGED, ("request.unclear",)),
])
def test_a_signatory_confirmation_is_decided_by_its_answer(answer: str, outcome: Outcome, reasons: tuple) -> None:
    facts = ConfirmationFacts("alan.hughes@nhs.net", answer, "")
    answering = replace(ctx(Kind.SIGNATORY_CONFIRMATION, sender=SIGNATORY, signatory_confirmation=facts),
                        follow_up_of="OE-2026-000001", follow_up_named_by=("in-reply-to", "subject"))
    d = decide(answering)
    assert (d.outcome, d.reasons) == (outcome, reasons)
    # Named only by a header the signature does not cover (here In-Reply-To): it could be any signed mail of theirs.
    unsigned_link = decide(replace(answering, follow_up_named_by=("in-reply-to",)))
    assert (unsigned_link.outcome, unsigned_link.reasons[0]) == (Outcome.FLAGGED, "message.replay_unsafe")


def test_role_lists_differ_by_organisation_type() -> None:
    trust = OrgRecord("RX1", "A Trust", OrgType.OTHER, signatories=(
        SignatoryRecord("Dr Alan Hughes", "alan.hughes@nhs.net", Role.LEAD_GP),))
    form = replace(GOOD_FORM, form_type="other", org_code="RX1")
    d = form_decision(form, org=trust)
    assert d.reasons == ("signatory.role_not_allowed",)
    failed = next(r for r in d.results if r.failed)
    assert failed.details["allowed"] == ["Caldicott Guardian", "Member of the Board of Directors",
                                         "Existing Primary Contact"]


def test_every_failure_is_listed_not_just_the_first() -> None:
    bad = replace(GOOD_FORM, pu_job_title="", signature="unsigned", sig_role="Receptionist", pu_email="x@gmail.com")
    d = form_decision(bad)
    assert d.outcome == Outcome.REJECTED
    assert d.reasons == ("form.incomplete", "form.unsigned", "signatory.role_not_allowed", "user.email_not_nhs")


def test_precedence_unauthenticated_beats_rejected_and_silences_replies() -> None:
    d = form_decision(replace(GOOD_FORM, signature="unsigned"), sender=Sender(authenticated=False))
    assert d.outcome == Outcome.FLAGGED
    assert d.reasons == ("sender.unauthenticated", "form.unsigned")
    assert not d.replies_allowed


def test_precedence_ignored_beats_everything() -> None:
    d = form_decision(sender=Sender(authenticated=False), duplicate_of="OE-2026-000001")
    assert (d.outcome, d.reasons) == (Outcome.IGNORED, ("message.duplicate",))


def test_rejected_beats_flagged_and_both_are_listed() -> None:
    d = form_decision(replace(GOOD_FORM, signature="unsigned", sig_full_name="Dr Who", sig_email="who@nhs.net"))
    assert d.outcome == Outcome.REJECTED
    assert set(d.reasons) == {"form.unsigned", "signatory.unverified"}


def test_message_level_checks() -> None:
    assert form_decision(size=30_000_000).reasons == ("message.too_large",)
    assert form_decision(size=30_000_000).replies_allowed
    stranger = form_decision(size=30_000_000, sender=Sender(authenticated=False))  # SPEC 4, 12: no backscatter
    assert (stranger.outcome, stranger.reasons, stranger.replies_allowed) == (
        Outcome.FLAGGED, ("sender.unauthenticated", "message.too_large"), False)
    assert form_decision(date=NOW - timedelta(days=31)).reasons == ("message.stale",)
    assert form_decision(date=NOW + timedelta(days=2)).reasons == ("message.stale",)
    assert form_decision(date=None).reasons == ("message.stale",)  # a request that changes accounts needs one
    assert decide(ctx(Kind.GUIDANCE, date=None)).outcome == Outcome.ANSWERED  # a question does not
    limited = form_decision(replies_to_sender_today=10)
    assert (limited.outcome, limited.reasons, limited.replies_allowed) == (Outcome.FLAGGED, ("reply.rate_limited",),
                                                                          False)
    assert decide(ctx(Kind.AUTOMATIC, notes=("Auto-Submitted: auto-replied",))).reasons == ("message.automatic",)


def test_non_nhs_sender_is_rejected_for_permissions_but_flagged_for_forms() -> None:
    gmail = Sender(address="someone@gmail.com", domain="gmail.com", nhs=False)
    assert form_decision(sender=gmail).outcome == Outcome.FLAGGED
    perm = PermissionRequest("A81001", "paul.brown@nhs.net", ("Prior Notification List",), "Lead GP")
    assert decide(ctx(Kind.PERMISSION_REQUEST, perm, sender=gmail)).outcome == Outcome.REJECTED


def perm_decision(request: PermissionRequest, sender: str = "alan.hughes@nhs.net", **kw: object):  # type: ignore[no-untyped-def]
    return decide(ctx(Kind.PERMISSION_REQUEST, request, sender=Sender(address=sender), **kw))  # type: ignore[arg-type]


GOOD_PERMISSION = PermissionRequest("A81001", "PBROWN2", ("Prior Notification List", "sender reports"), "Lead GP")


def test_permission_request_checks() -> None:
    assert perm_decision(GOOD_PERMISSION).outcome == Outcome.APPROVED
    assert perm_decision(GOOD_PERMISSION, sender="stranger@nhs.net").reasons == ("signatory.unverified",)
    assert perm_decision(GOOD_PERMISSION, sender="jane.smith@nhs.net").reasons == ("signatory.role_not_allowed",)
    unknown = perm_decision(replace(GOOD_PERMISSION, user="nobody@nhs.net"))
    assert (unknown.outcome, unknown.reasons) == (Outcome.REJECTED, ("user.unknown",))
    slip = perm_decision(replace(GOOD_PERMISSION, applications=("Prior Notificaton List",)))
    assert slip.reasons == ("permission.unknown",)
    failed = next(r for r in slip.results if r.failed)
    assert failed.details["suggestions"] == {"Prior Notificaton List": "Prior Notification List"}
    assert perm_decision(replace(GOOD_PERMISSION, applications=())).reasons == ("request.unclear",)
    assert decide(ctx(Kind.PERMISSION_REQUEST, GOOD_PERMISSION, org=None,
                      sender=Sender(address="alan.hughes@nhs.net"))).reasons == ("org.unknown",)


def test_organisation_maintenance_is_never_granted_by_a_permission_request() -> None:
    """SPEC 5: the Primary User's application comes only with the Primary User request form (its signatory proof, at
    most two Primary Users). A signatory on record cannot grant it by email; nothing else in the request is granted."""
    assert "permission.not_organisation_maintenance" in [link.check.name
                                                         for link in CHAINS[Kind.PERMISSION_REQUEST].links]
    for written in ("Organisation Maintenance", "organisation  MAINTENANCE", "Organisation Maintenence"):
        d = perm_decision(replace(GOOD_PERMISSION, applications=("Sender Reports", written)))
        assert d.outcome == Outcome.REJECTED, written
        assert "permission.primary_user_only" in d.reasons, written
        failed = next(r for r in d.results if r.reason == "permission.primary_user_only")
        assert (failed.details["named"], failed.details["others"]) == ([written], ["Sender Reports"])
    # Already a Primary User, or asked by a Primary User: still only the form gives it.
    alone = perm_decision(replace(GOOD_PERMISSION, user="JSMITH1", applications=("Organisation Maintenance",)))
    assert (alone.outcome, alone.reasons) == (Outcome.REJECTED, ("permission.primary_user_only",))
    # Nor is it offered: the applications a rejection lists as valid are those a permission request can give.
    unknown = perm_decision(replace(GOOD_PERMISSION, applications=("Flying Lessons",)))
    valid = next(r for r in unknown.results if r.failed).details["valid"]
    assert "Organisation Maintenance" not in valid and "Sender Reports" in valid


GOOD_NOTICE = NewUserNotice("A81001", "KLEE1", "Kim Lee", "kim.lee@nhs.net", "jane.smith@nhs.net",
                            ("Prior Notification List",))
SYSTEM = Sender(address="openexeter-noreply@nhs.net")


def test_notice_checks() -> None:
    assert decide(ctx(Kind.NEW_USER_NOTIFICATION, GOOD_NOTICE, sender=SYSTEM)).outcome == Outcome.APPROVED
    by_paul = replace(GOOD_NOTICE, created_by="paul.brown@nhs.net")
    assert decide(ctx(Kind.NEW_USER_NOTIFICATION, by_paul, sender=SYSTEM)).reasons == (
        "notification.creator_not_primary",)
    insecure = decide(ctx(Kind.NEW_USER_NOTIFICATION, replace(GOOD_NOTICE, email="kim@hotmail.com"), sender=SYSTEM))
    assert (insecure.outcome, insecure.reasons) == (Outcome.FLAGGED, ("user.email_not_nhs",))
    forged = decide(ctx(Kind.NEW_USER_NOTIFICATION, GOOD_NOTICE, sender=Sender(address="openexeter@nhs.net")))
    assert (forged.outcome, forged.reasons, forged.replies_allowed) == (Outcome.FLAGGED,
                                                                       ("sender.unauthenticated",), False)


def test_guidance_follow_up_and_unclear() -> None:
    assert decide(ctx(Kind.GUIDANCE)).outcome == Outcome.ANSWERED
    assert decide(ctx(Kind.GUIDANCE, sender=Sender(authenticated=False))).outcome == Outcome.FLAGGED
    follow = CheckContext(kind=Kind.FOLLOW_UP, now=NOW, message=MessageFacts(size=10, date=NOW), sender=Sender(),
                          follow_up_of="OE-2026-000001", follow_up_case_found=True)
    assert (decide(follow).outcome, decide(follow).reasons) == (Outcome.FLAGGED, ())
    assert decide(replace(follow, follow_up_case_found=False)).reasons == ("request.unclear",)
    assert decide(ctx(Kind.UNCLEAR)).reasons == ("request.unclear",)


def test_every_reason_code_has_an_outcome_and_wording() -> None:
    # SPEC 3's 34; permission.primary_user_only, notification.primary_user_only and form.uncertain beyond it, and
    # org.closed and org.proposed (the register's ODS status, issue 16)
    assert len(CODES) == 39
    for code, r in REASONS.items():
        assert r.staff_text and r.sender_text and r.outcome in Outcome, code


def test_a_rejection_that_cannot_be_sent_is_flagged_for_a_person() -> None:
    """Over the per-address reply limit, a rejection would reach nobody: a person sees it instead."""
    decision = form_decision(replace(GOOD_FORM, signature="unsigned"), replies_to_sender_today=99)
    assert decision.outcome == Outcome.FLAGGED
    assert set(decision.reasons) == {"reply.rate_limited", "form.unsigned"}
    assert not decision.replies_allowed


def test_a_field_ocr_was_unsure_of_is_flagged_for_staff_not_rejected_as_empty() -> None:
    unsure = {"fields": {"pu_job_title": {"how": "ocr", "confidence": 41.0, "unsure": True},
                         "org_name": {"how": "ocr", "confidence": 93.0, "unsure": False}}}
    read = replace(GOOD_FORM, pu_job_title="", how_read=unsure)
    decision = form_decision(read)
    assert (decision.outcome, decision.reasons) == (Outcome.FLAGGED, ("form.uncertain",))
    # Staff read it from the page and correct it: the checks pass.
    corrected = read.with_corrections({"pu_job_title": "Practice Manager"})
    assert form_decision(corrected).outcome == Outcome.APPROVED


def test_a_form_date_that_is_no_date_is_named_briefly() -> None:
    """The field may hold a letter's worth of text: the reply names the date field and the first words of it."""
    d = form_decision(replace(GOOD_FORM, sig_date="x" * 500))
    assert d.reasons == ("form.incomplete",)
    failed = next(r for r in d.results if r.failed)
    assert failed.details["problems"]["sig_date"] == f"{'x' * 40 + '...'!r} is not a date written as day/month/year " \
                                                      "(dd/mm/yyyy)"
