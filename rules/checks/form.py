"""Checks on the Primary User request form itself (SPEC 5 and 9)."""

from __future__ import annotations

from datetime import date, timedelta

from parsers.form_template import LABELS
from parsers.forms.value_kinds import form_date
from rules.check import Verdict, check, failed, passed, skipped
from rules.context import CheckContext
from rules.requests import NOT_READ, REQUIRED_FORM_FIELDS, PrimaryUserRequest

# People are told which fields to complete by the labels printed on the form they filled in: the template's own
# (parsers.form_template.LABELS, which the form builder prints), never a copy that could drift from them.
REQUEST_TYPES = ("new", "additional", "replacement")
DATE_SHOWN_CHARS = 40


def form_of(ctx: CheckContext) -> PrimaryUserRequest | None:
    return ctx.request if isinstance(ctx.request, PrimaryUserRequest) else None


@check("form.present", "A Primary User request form is attached.")
def present(ctx: CheckContext) -> Verdict:
    form = form_of(ctx)
    if form is None or form.reading == "missing":
        return failed("form.missing", "No PDF form is attached to the message.")
    if form.reading == "word_document":
        # The form filled in a word processor: put right by sending the PDF, so the sender is told exactly that.
        return failed("form.missing", f"The form was sent as a word-processor file ({form.attachment}), not as "
                                      "the PDF form.", word_documents=form.attachment)
    return passed(f"Form attached: {form.attachment or 'unnamed attachment'}.")


@check("form.count", "At most [limits] max_forms_per_message forms in one message.")
def within_form_limit(ctx: CheckContext) -> Verdict:
    count, limit = ctx.message.forms_attached, ctx.policy.max_forms_per_message
    if count > limit:
        return failed("message.too_many_forms", f"{count} attachments that may be forms; at most {limit} are read "
                                                "from one message, so none was.", count=count, limit=limit)
    return passed()


def _why_not_read(ctx: CheckContext) -> tuple[str, str]:
    """The reason code and words for a form left unread at intake: the sender it came from (SPEC 17)."""
    if ctx.sender.ambiguous:
        return "sender.ambiguous", "the sender is ambiguous"
    if not ctx.sender.authenticated:
        return "sender.unauthenticated", "the sender is not authenticated"
    if not ctx.sender.nhs:
        return "sender.not_nhs", "the sender is not an NHS address"
    return "form.unreadable", "it was not read"


@check("form.readable", "The form could be read.")
def readable(ctx: CheckContext) -> Verdict:
    form = form_of(ctx)
    if form is None:
        return skipped("No form.")
    if form.reading == NOT_READ:
        code, why = _why_not_read(ctx)
        return failed(code, f"{form.attachment or 'The attachment'} was not read: {why}, and a stranger's "
                            "attachments are not opened automatically. It is read when a member of staff opens "
                            "the case.")
    if form.reading != "read":
        why = "; ".join(form.problems) or ("not one of the published forms" if form.reading == "not_a_form"
                                          else "could not be read")
        return failed("form.unreadable", f"{form.attachment or 'The attachment'}: {why}.")
    return passed()


def unsure_fields(form: PrimaryUserRequest) -> list[str]:
    """Fields OCR could not read with confidence (SPEC 9) that are still empty (staff may have corrected them)."""
    reads = form.how_read.get("fields", {}) if isinstance(form.how_read, dict) else {}
    return [name for name in LABELS if isinstance(reads.get(name), dict) and reads[name].get("unsure")
            and not getattr(form, name).strip()]


def missing_fields(form: PrimaryUserRequest, today: date | None = None) -> list[str]:
    unsure = set(unsure_fields(form))  # not read is not left empty: the sender is not asked to fill them in
    missing = [name for name in REQUIRED_FORM_FIELDS if not getattr(form, name).strip() and name not in unsure]
    if form.pu_request == "replacement" and not form.pu_replaces.strip():
        missing.append("pu_replaces")
    if form.pu_request and form.pu_request not in REQUEST_TYPES and "pu_request" not in missing:
        missing.append("pu_request")
    if today is not None and date_problem(form.sig_date, today):
        missing.append("sig_date")
    return missing


def date_problem(written: str, today: date) -> str:
    """Why the date a form was signed is not one to act on ("" when it is): SPEC 9 asks for dd/mm/yyyy, and a date
    that is no day in that order (12/31/2026, 31/02/2026, "next week") is not guessed at, nor is a day to come."""
    if not written.strip():
        return ""
    signed = form_date(written)
    if signed is None:  # the words as written go into the reply: a few are enough to recognise them
        shown = written if len(written) <= DATE_SHOWN_CHARS else written[:DATE_SHOWN_CHARS] + "..."
        return f"{shown!r} is not a date written as day/month/year (dd/mm/yyyy)"
    if signed > today + timedelta(days=1):  # a day's grace for time zones
        return f"{written} is a date still to come"
    return ""


@check("form.complete", "Every required field is filled in.")
def complete(ctx: CheckContext) -> Verdict:
    form = form_of(ctx)
    if form is None:
        return skipped("No form.")
    today = ctx.now.date()
    missing = missing_fields(form, today)
    if missing:
        labels = [LABELS[name] for name in missing]
        problems = {"sig_date": why} if (why := date_problem(form.sig_date, today)) else {}
        said = "".join(f" {LABELS[name]}: {text}." for name, text in problems.items())
        return failed("form.incomplete", "Empty or not valid: " + "; ".join(labels) + "." + said,
                      fields=missing, labels=labels, problems=problems)
    return passed()


@check("form.legible", "Every field of a scanned form was read with confidence (else staff read it).")
def legible(ctx: CheckContext) -> Verdict:
    form = form_of(ctx)
    if form is None:
        return skipped("No form.")
    unsure = unsure_fields(form)
    if unsure:
        labels = [LABELS[name] for name in unsure]
        return failed("form.uncertain", "Not read with confidence by OCR, left empty: " + "; ".join(labels)
                      + ". Read them from the form's page.", fields=unsure, labels=labels)
    return passed()


@check("form.signed", "Signed by an authorised signatory at the bottom of page 1.")
def signed(ctx: CheckContext) -> Verdict:
    form = form_of(ctx)
    if form is None:
        return skipped("No form.")
    if form.signature == "unsigned":
        return failed("form.unsigned", "No signature found in the signature box on page 1.")
    if form.signature == "unsure":  # never called signed on an ink measure that could be a shadow or a line
        return failed("form.uncertain", "The signature box on page 1 (a scan or photo) has some ink, less than a "
                      "clear signature: look at the box on the page and decide whether it is signed.")
    return passed(f"Signed: {form.signature_how or form.signature}.")


@check("form.unaltered", "A digitally signed form was not changed after signing.")
def unaltered(ctx: CheckContext) -> Verdict:
    form = form_of(ctx)
    if form is None:
        return skipped("No form.")
    if form.signature == "altered":
        return failed("form.altered", "The file was changed after its digital signature was applied.")
    return passed()


@check("form.type", "The form's type (GP practice or other) matches the organisation.")
def type_matches(ctx: CheckContext) -> Verdict:
    form, org = form_of(ctx), ctx.register.org
    if form is None or org is None:
        return skipped("No form, or the organisation is not known.")
    if not form.form_type:
        return skipped("The form's type could not be told.")
    if form.form_type != org.type.value:
        wanted = "GP practice" if org.type.value == "gp_practice" else "other organisation"
        return failed("form.type_mismatch", f"{org.code} is a {org.type.value.replace('_', ' ')}; the "
                                            f"{wanted} form is the one to use.", expected=org.type.value)
    return passed()
