"""One case on one screen: the message as text, its attachments, page 1 of the form beside the extracted fields,
each check, the history, and the actions. Nothing from the message is ever rendered as HTML."""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mailbot.processing.kinds import spec_of
from mailbot.processing.stored_case import stored_request
from mailbot.processing.unprocessable import retryable
from mailbot.review.actions import ReviewError, closed_record
from mailbot.review.approval_scope import awaiting_second, own_account
from mailbot.review.case_view import case_document
from mailbot.review.deferred_forms import read_unread_form
from mailbot.review.how_read_view import box_line, box_overlay, field_rows
from mailbot.review.labels import FIELD_CHOICES, field_label, reason_label
from mailbot.review.resend import resendable
from mailbot.review.web.context_panel import ensure_digests, panel
from mailbot.review.web.flash import take_flash
from mailbot.review.web.pdf_image import PageImageError, render_first_page
from mailbot.review.web.security import Staff, staff_only
from mailbot.review.web.state import web_state
from mailbot.review.web.templating import as_text
from parsers.message import parse_message
from parsers.vocabulary.outcomes import Outcome
from rules.reasons import REASONS
from store.cases import case_by_reference
from store.models import Case
from store.review import history

CONFIRMATION_STATUS = {
    "waiting": "waiting for the signatory's answer", "confirmed": "the signatory confirmed it",
    "declined": "the signatory said they did not authorise it", "unclear": "the signatory answered, not clearly",
    "expired": "the signatory did not answer in time", "closed": "staff decided before the signatory answered",
}


def not_found(request: Request, staff: Staff, what: str) -> Response:
    return web_state(request).templates.TemplateResponse(
        request, "problem.html", {"staff": staff, "title": "Page not found", "why": what}, status_code=404)


def correctable_fields(case: Case) -> list[dict[str, Any]]:
    """The request's fields a reviewer may correct, with their current values (empty when there is no request)."""
    stored = (case.fields or {}).get("request")
    if not isinstance(stored, dict):
        return []
    return [{"name": name, "label": field_label(name), "value": as_text(stored.get(name, "")),
             "choices": FIELD_CHOICES.get(name)}
            for name in spec_of(case.kind).correctable]


def reject_templates(case: Case) -> list[tuple[str, str]]:
    """Reason templates for a rejection: the case's own reasons first, then every reason a sender can put right."""
    own = [c for c in case.reasons if c in REASONS]
    fixable = [c for c, r in REASONS.items() if r.outcome == Outcome.REJECTED and c not in own]
    # The option shows the reason's label, whole; the preview shows the full sentence the sender will read.
    return [(c, reason_label(c)) for c in own + fixable if REASONS[c].replies]


# Attachments whose first page is shown beside the fields: PDFs, and pictures read by OCR.
PAGE_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/tiff")


def form_attachment_index(document: dict[str, Any]) -> int | None:
    """Which attachment is the form the fields came from: the one the request names, else the first PDF."""
    attachments = (document.get("message") or {}).get("attachments", [])
    wanted = ((document.get("fields") or {}).get("request") or {}).get("attachment") or ""
    pdfs = [a for a in attachments if a["sniffed_type"] in PAGE_TYPES]
    for a in pdfs:
        if wanted and a["filename"] == wanted:
            return int(a["index"])
    return int(pdfs[0]["index"]) if pdfs else None


def case_context(request: Request, staff: Staff, reference: str) -> dict[str, Any] | None:
    state = web_state(request)
    with state.app.read_sessions() as session:
        case = case_by_reference(session, reference)
        if case is None:
            return None
        document = case_document(session, case)
        request_now = stored_request(case)
        own = own_account(session, case, request_now) if request_now is not None else None
        mails = history(session, case).mails
        confirmation = document.get("confirmation")
        request_fields = (document.get("fields") or {}).get("request")
        form_index = form_attachment_index(document)
        attachments = (document.get("message") or {}).get("attachments", [])
        # Over a picture the box is not drawn: a photo's page was squared up before it was read.
        shown_pdf = any(a["index"] == form_index and a["sniffed_type"] == "application/pdf" for a in attachments)
        return {"how_read": field_rows(request_fields), "box_line": box_line(request_fields),
                "box": box_overlay(request_fields) if shown_pdf else None,
                "staff": staff, "case": case, "doc": document, "mails": mails, "now": state.clock(),
                "decidable": case.needs_review or case.outcome == Outcome.PENDING.value,
                "confirmation": confirmation,
                "confirmation_status": CONFIRMATION_STATUS.get((confirmation or {}).get("status", ""), ""),
                "resendable": confirmation is not None and resendable(case.outcome, case.needs_review,
                                                                      confirmation["status"]),
                "unprocessable": (case.fields or {}).get("unprocessable"),
                "retried": (case.fields or {}).get("retried"),
                "retryable": retryable(case),
                "fields": correctable_fields(case), "templates": reject_templates(case),
                "form_index": form_index, "done": None, "error": None,
                "closed": closed_record(case), "awaiting": awaiting_second(case), "own_account": own,
                "second_person": state.app.config.review.second_person,
                **panel(session, case, now=state.clock(), warn_after_hours=state.app.config.review.warn_after_hours)}


def _case(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    try:  # a form left unread at intake (a stranger's) is read now that a person opens the case
        read_unread_form(state.app.sessions, request.path_params["reference"], state.app.config, by=staff.name,
                         now=state.clock(), settings=state.settings)
    except ReviewError:
        return not_found(request, staff, "There is no case with that reference.")
    ensure_digests(state.app, request.path_params["reference"])
    context = case_context(request, staff, request.path_params["reference"])
    if context is None:
        return not_found(request, staff, "There is no case with that reference.")
    message = take_flash(request, reference=context["case"].reference)
    if message is not None:
        context["error" if message.get("kind") == "error" else "done"] = message.get("text", "")
    return web_state(request).templates.TemplateResponse(request, "case.html", context)


def _attachment_bytes(request: Request) -> tuple[str, bytes] | None:
    state = web_state(request)
    with state.app.read_sessions() as session:
        case = case_by_reference(session, request.path_params["reference"])
        raw = case.message.raw if case is not None and case.message is not None else None
    if raw is None:
        return None
    attachments = parse_message(raw).attachments
    index = request.path_params["index"]
    if not 0 <= index < len(attachments):
        return None
    a = attachments[index]
    return a.filename or f"attachment-{index}", a.data


def download_name(name: str) -> str:
    """A file name safe for a Content-Disposition header: no quotes, slashes or control characters."""
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .") or "attachment"
    return cleaned[:120]


def _attachment(request: Request, staff: Staff, form: FormData | None) -> Response:
    found = _attachment_bytes(request)
    if found is None:
        return not_found(request, staff, "There is no such attachment.")
    name, data = found
    # Always a download, never shown inline: the browser must not render what a sender sent.
    return Response(data, media_type="application/octet-stream",
                    headers={"content-disposition": f'attachment; filename="{download_name(name)}"'})


def _page_image(request: Request, staff: Staff, form: FormData | None) -> Response:
    found = _attachment_bytes(request)
    if found is None:
        return not_found(request, staff, "There is no such attachment.")
    try:
        png = render_first_page(found[1])
    except PageImageError as exc:
        return Response(f"The first page could not be shown: {exc}", status_code=422, media_type="text/plain")
    return Response(png, media_type="image/png")


case_view = staff_only(_case)
attachment = staff_only(_attachment)
page_image = staff_only(_page_image)
