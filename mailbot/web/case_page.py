"""One case on one screen: the message as text, its attachments, page 1 of the form beside the extracted fields,
each check, the history, and the actions. Nothing from the message is ever rendered as HTML."""

from __future__ import annotations

import re
from dataclasses import fields as dataclass_fields
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from mailbot.case_view import case_document
from mailbot.deferred_forms import read_unread_form
from mailbot.review import ReviewError, resendable
from mailbot.web.context_panel import DONE as WORK_DONE
from mailbot.web.context_panel import ensure_digests, panel
from mailbot.web.pdf_image import PageImageError, render_first_page
from mailbot.web.security import Staff, staff_only
from mailbot.web.state import web_state
from mailbot.web.templating import as_text
from parsers.message import parse_message
from rules.reasons import REASONS, Kind, Outcome
from rules.requests import NewUserNotice, PermissionRequest, PrimaryUserRequest
from store.cases import case_by_reference
from store.models import Case
from store.review import history

REQUEST_CLASSES = {Kind.PRIMARY_USER_REQUEST.value: PrimaryUserRequest,
                   Kind.PERMISSION_REQUEST.value: PermissionRequest,
                   Kind.NEW_USER_NOTIFICATION.value: NewUserNotice}
# Plain labels for the request fields (SPEC 9-11 names); a field not listed shows its name in words.
FIELD_LABELS = {
    "form_type": "Form type (gp_practice or other)", "org_name": "Organisation name", "org_code": "ODS code",
    "pu_full_name": "Primary User: full name", "pu_job_title": "Primary User: job title",
    "pu_email": "Primary User: email", "pu_phone": "Primary User: phone",
    "pu_request": "Request (new, additional or replacement)", "pu_replaces": "Primary User it replaces",
    "sig_full_name": "Signatory: full name", "sig_role": "Signatory: role", "sig_email": "Signatory: email",
    "sig_date": "Signatory: date signed", "sig_typed": "Signatory: typed name",
    "user": "User (email or Open Exeter username)", "applications": "Applications (separate with ;)",
    "signatory_role": "Signatory role, as written", "username": "Open Exeter username", "full_name": "Full name",
    "email": "Email", "created_by": "Created by (email of the Primary User)",
}
DONE = {
    "approved": "The case was approved. The replies are in the outbox.",
    "rejected": "The case was rejected. The reply is in the outbox.",
    "rejected_no_reply": "The case was rejected. No reply was sent: the sender could not be confirmed.",
    "closed": "The case was closed without a reply.",
    "noted": "Your note was added to the history.",
    "resent": "The confirmation request was sent again to the signatory's address on record; their wait starts "
              "again.",
    **WORK_DONE,
}
CONFIRMATION_STATUS = {
    "waiting": "waiting for the signatory's answer", "confirmed": "the signatory confirmed it",
    "declined": "the signatory said they did not authorise it", "unclear": "the signatory answered, not clearly",
    "expired": "the signatory did not answer in time", "closed": "staff decided before the signatory answered",
}


def not_found(request: Request, staff: Staff, what: str) -> Response:
    return web_state(request).templates.TemplateResponse(
        request, "problem.html", {"staff": staff, "title": "Page not found", "why": what}, status_code=404)


def correctable_fields(case: Case) -> list[dict[str, str]]:
    """The request's fields a reviewer may correct, with their current values (empty when there is no request)."""
    cls = REQUEST_CLASSES.get(case.kind)
    stored = (case.fields or {}).get("request")
    if cls is None or not isinstance(stored, dict):
        return []
    return [{"name": f.name, "label": FIELD_LABELS.get(f.name, f.name.replace("_", " ").capitalize()),
             "value": as_text(stored.get(f.name, ""))}
            for f in dataclass_fields(cls) if f.metadata.get("correctable", True)]


def reject_templates(case: Case) -> list[tuple[str, str]]:
    """Reason templates for a rejection: the case's own reasons first, then every reason a sender can put right."""
    own = [c for c in case.reasons if c in REASONS]
    fixable = [c for c, r in REASONS.items() if r.outcome == Outcome.REJECTED and c not in own]
    return [(c, REASONS[c].sender_text) for c in own + fixable if REASONS[c].replies]


def form_attachment_index(document: dict[str, Any]) -> int | None:
    """Which attachment is the form the fields came from: the one the request names, else the first PDF."""
    attachments = (document.get("message") or {}).get("attachments", [])
    wanted = ((document.get("fields") or {}).get("request") or {}).get("attachment") or ""
    pdfs = [a for a in attachments if a["sniffed_type"] == "application/pdf"]
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
        mails = history(session, case).mails
        confirmation = document.get("confirmation")
        return {"staff": staff, "case": case, "doc": document, "mails": mails, "now": state.clock(),
                "decidable": case.needs_review or case.outcome == Outcome.PENDING.value,
                "confirmation": confirmation,
                "confirmation_status": CONFIRMATION_STATUS.get((confirmation or {}).get("status", ""), ""),
                "resendable": confirmation is not None and resendable(case.outcome, case.needs_review,
                                                                      confirmation["status"]),
                "fields": correctable_fields(case), "templates": reject_templates(case),
                "form_index": form_attachment_index(document), "done": DONE.get(request.query_params.get("done", "")),
                "error": None,
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
