"""Every word staff read for a code, in one table: reason codes, check names, outcomes, kinds, outbox statuses,
organisation types, roles and request fields. The codes stay the stable strings (SPEC 3); pages show these labels
and keep the code only as small print, for filtering and for talking to the people who run the mailbot.

A code missing here still shows as words (never a blank), and tests/web/test_plain_labels.py fails for any code
the rules can produce that has no label.
"""

from __future__ import annotations

from collections.abc import Callable

from parsers.vocabulary.roles import ROLE_LABELS, parse_role

REASON_LABELS: dict[str, str] = {
    "message.duplicate": "Already received",
    "message.automatic": "Automatic mail (auto-reply, bounce or list)",
    "message.too_large": "Message too large to read",
    "message.stale": "Dated too long ago, or in the future",
    "message.replay_unsafe": "Could be a copy of an old message",
    "message.not_addressed": "Not addressed to this mailbox",
    "message.too_many_forms": "Too many forms in one message",
    "message.unprocessable": "The mailbot failed on this message",
    "sender.ambiguous": "Sender unclear or disguised",
    "sender.not_nhs": "Not from an NHS address",
    "sender.unauthenticated": "Sender could not be confirmed",
    "form.missing": "No form attached",
    "form.unreadable": "Form could not be read",
    "form.incomplete": "Form not filled in completely",
    "form.unsigned": "Form not signed",
    "form.uncertain": "Part of a scan (fields or the signature box) needs reading by a person",
    "form.type_mismatch": "Wrong form for this organisation",
    "form.altered": "Signed form changed after signing",
    "org.unknown": "Organisation not in the register",
    "org.closed": "Organisation closed or dormant",
    "org.proposed": "Organisation not open yet (proposed)",
    "org.primary_user_limit": "Would make more than two Primary Users",
    "signatory.role_not_allowed": "Signatory's role may not sign this",
    "signatory.self_authorised": "Signatory is the person appointed",
    "signatory.unverified": "Signatory not on record",
    "signatory.confirmation_requested": "Waiting for the signatory to confirm",
    "signatory.declined": "Signatory said they did not sign",
    "signatory.unconfirmed": "Signatory did not answer in time",
    "user.unknown": "User not found at this organisation",
    "user.email_not_nhs": "User's address is not a secure NHS address",
    "user.already_primary": "Already a Primary User",
    "permission.unknown": "Application name not recognised",
    "permission.primary_user_only": "Organisation Maintenance is for Primary Users only",
    "notification.creator_not_primary": "Creator is not a Primary User",
    "notification.user_exists": "User already exists",
    "notification.primary_user_only": "Notice gives Organisation Maintenance",
    "request.unclear": "What is asked is unclear",
    "reply.undeliverable": "Our reply could not be delivered",
    "reply.rate_limited": "Too many replies to this address today",
}

CHECK_LABELS: dict[str, str] = {
    "account.email_secure": "The user's address is a secure NHS address",
    "follow_up.case": "It answers one of our cases",
    "form.complete": "Every required field is filled in",
    "form.legible": "Every field of a scan was read with confidence",
    "form.count": "Not too many forms",
    "form.present": "A form is attached",
    "form.readable": "The form can be read",
    "form.replacement": "The Primary User to replace is known",
    "form.signed": "The form is signed",
    "form.type": "The right form for the organisation",
    "form.unaltered": "Not changed after signing",
    "message.addressed": "Addressed to this mailbox",
    "message.date": "Recently dated",
    "message.dated": "Has a date",
    "message.first_sighting": "Not received before",
    "message.human": "Written by a person (not automatic)",
    "message.names_case_signed": "The reference it answers is in a signed header",
    "message.replay_safe": "Cannot be a replayed copy",
    "message.size": "Within the size limit",
    "nominee.already_primary": "Not already a Primary User",
    "notice.complete": "The notice is complete",
    "notice.creator": "Created by a Primary User",
    "notice.user_new": "The user is new",
    "notice.not_organisation_maintenance": "Does not give Organisation Maintenance",
    "org.known": "Organisation in the register",
    "org.open": "Organisation open (not closed, dormant or proposed)",
    "org.primary_user_limit": "No more than two Primary Users",
    "permission.complete": "The request is complete",
    "permission.known": "Every application is recognised",
    "permission.not_organisation_maintenance": "Does not ask for Organisation Maintenance",
    "reply.rate": "Within today's reply limit",
    "request.understood": "What is asked is clear",
    "sender.authenticated": "Sender confirmed (signed by their mail server)",
    "sender.nhs": "From an NHS address",
    "sender.openexeter": "From Open Exeter's own address",
    "sender.openexeter_signature": "Signed by Open Exeter's mail server",
    "sender.unambiguous": "One clear sender",
    "signatory.answer": "The signatory's answer",
    "signatory.not_nominee": "Signatory is not the person appointed",
    "signatory.on_record": "Signatory on record",
    "signatory.proven": "Signatory proven (sent it, or confirmed it)",
    "signatory.role": "Signatory's role may sign this",
    "signatory.verified": "Signatory on record in that role",
    "user.active": "The user is active at the organisation",
    "store.apply": "The register can take the change",
}

OUTCOME_LABELS: dict[str, str] = {
    "approved": "Approved", "rejected": "Rejected", "flagged": "Needs a person", "pending": "Waiting for the signatory",
    "answered": "Answered with guidance", "ignored": "Ignored (automatic or already received)",
}

OUTBOX_STATUS_LABELS: dict[str, str] = {
    "pending": "Waiting to be sent", "sending": "Being sent now", "transmitting": "Being sent now",
    "sent": "Sent", "failed": "Refused by the mail server", "uncertain": "Not sure it arrived",
    "withheld": "Not sent",
}

ORG_TYPE_LABELS: dict[str, str] = {"gp_practice": "GP practice", "other": "Other organisation"}

REQUEST_LABELS: dict[str, str] = {"new": "New Primary User", "additional": "An additional Primary User",
                                  "replacement": "Replacing a Primary User"}

CHECK_STATUS_LABELS: dict[str, str] = {"passed": "Passed", "failed": "Failed", "skipped": "Not checked"}

MAIL_PURPOSE_LABELS: dict[str, str] = {
    "reply": "Reply", "notice": "Notice", "confirmation": "Confirmation request", "temporary_password":
    "Temporary password", "reminder": "Reminder",
}

ACTION_LABELS: dict[str, str] = {
    "case.decided": "Decided by the mailbot", "case.follow_up": "A follow-up came in", "case.form_read":
    "Form read", "case.linked": "Linked to another case", "mail.uncertain": "A mail may not have arrived",
    "mail.undeliverable": "A mail was refused", "review.approval_awaiting_second":
    "Approved, waiting for a second member of staff", "review.approved": "Approved", "review.closed":
    "Closed without a reply", "review.confirmation_resent": "Confirmation request sent again", "review.note": "Note",
    "review.rejected": "Rejected", "review.reopened": "Reopened", "signatory.answer_not_used":
    "Signatory's answer not used", "signatory.answered": "The signatory answered",
    "signatory.confirmation_requested": "Signatory asked to confirm", "signatory.reminder_sent":
    "Reminder sent to the signatory", "signatory.unconfirmed": "The signatory did not answer in time",
    "signatory.verified": "Signatory recorded as verified", "user.created": "User created", "user.made_primary":
    "Made a Primary User", "user.primary_removed": "No longer a Primary User", "user.applications_granted":
    "Applications granted", "user.activated_from_notice": "User activated",
    "case.unprocessable": "The mailbot failed on this message", "review.retried": "Sent through again",
    "review.retry_failed": "Sent through again, and failed again", "review.assigned": "Assigned",
    "review.released": "Released", "review.information_requested": "More information asked of the sender",
    "review.impersonation_warned": "People on record warned of a possible impersonation",
}

# The request fields (SPEC 9-11 names) as staff read them.
FIELD_LABELS: dict[str, str] = {
    "form_type": "Form type", "org_name": "Organisation name", "org_code": "ODS code",
    "pu_full_name": "Primary User: full name", "pu_job_title": "Primary User: job title",
    "pu_email": "Primary User: email", "pu_phone": "Primary User: phone",
    "pu_request": "Request", "pu_replaces": "Primary User it replaces (email)",
    "sig_full_name": "Signatory: full name", "sig_role": "Signatory: role", "sig_email": "Signatory: email",
    "sig_date": "Signatory: date signed", "sig_typed": "Signatory: typed name",
    "user": "User (email or Open Exeter username)", "applications": "Applications (separate with ;)",
    "signatory_role": "Signatory role, as written", "username": "Open Exeter username", "full_name": "Full name",
    "email": "Email", "created_by": "Created by (email of the Primary User)",
}
# Fields with a fixed set of values: the page offers a choice, each value labelled.
FIELD_CHOICES: dict[str, dict[str, str]] = {"form_type": ORG_TYPE_LABELS, "pu_request": REQUEST_LABELS}


def words(code: str) -> str:
    """Any code as words, the last resort: primary_user_request -> Primary user request."""
    return code.replace("_", " ").replace(".", ": ").strip().capitalize()


def _from(table: dict[str, str], code: str | None) -> str:
    if not code:
        return ""
    return table.get(code) or words(code)


def reason_label(code: str | None) -> str:
    return _from(REASON_LABELS, code)


def check_label(name: str | None) -> str:
    return _from(CHECK_LABELS, name)


def outcome_label(code: str | None) -> str:
    return _from(OUTCOME_LABELS, code)


def kind_label(code: str | None) -> str:
    """A kind in words (its entry's label in mailbot/processing/kinds.py)."""
    # Imported here: the table brings the whole processing stack, which `mailbot stats` never needs otherwise.
    from mailbot.processing.kinds import KINDS

    spec = KINDS.get(code or "")
    return spec.label if spec is not None else _from({}, code)


def outbox_status_label(code: str | None) -> str:
    return _from(OUTBOX_STATUS_LABELS, code)


def org_type_label(code: str | None) -> str:
    return _from(ORG_TYPE_LABELS, code)


def check_status_label(code: str | None) -> str:
    return _from(CHECK_STATUS_LABELS, code)


def purpose_label(code: str | None) -> str:
    return _from(MAIL_PURPOSE_LABELS, code)


def action_label(code: str | None) -> str:
    return _from(ACTION_LABELS, code)


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or words(name)


def role_label(code: str | None) -> str:
    """A role code (or a role as someone wrote it) as the form prints it."""
    if not code:
        return ""
    role = parse_role(code)
    return ROLE_LABELS[role] if role else code


def field_value_label(name: str, value: str) -> str:
    """A field's value as words where the field has fixed choices (gp_practice -> GP practice)."""
    return FIELD_CHOICES.get(name, {}).get(value, value)


def coded(label: Callable[[str | None], str], code: str | None) -> str:
    """A code as words with the code in brackets after them, for command-line lines staff read and search by code:
    coded(reason_label, "form.unsigned") -> Form not signed (form.unsigned)."""
    return f"{label(code)} ({code})" if code else ""


FILTERS = {"reason_label": reason_label, "check_label": check_label, "outcome_label": outcome_label,
           "kind_label": kind_label, "outbox_status_label": outbox_status_label, "org_type_label": org_type_label,
           "check_status_label": check_status_label, "action_label": action_label, "purpose_label": purpose_label,
           "field_label": field_label, "role_label": role_label}
