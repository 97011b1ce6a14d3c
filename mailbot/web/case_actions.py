"""What staff do to a case from its page: approve (correcting fields, with a preview of what would change first),
reject (a reason template plus free text, with a preview of the reply), close without a reply, add a note,
send a signatory's confirmation request again, and send a message the mailbot failed on through again.

Each goes through mailbot.review with by=the logged-in staff member, which audits it with who and when.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailbot import review
from mailbot.web.case_page import FIELD_LABELS, case_context, correctable_fields, not_found
from mailbot.web.security import Staff, staff_only
from mailbot.web.state import web_state
from rules.reasons import REASONS
from store.cases import case_by_reference
from store.db import transaction
from store.review import history

MAX_TEXT = 5000


def _corrections(request: Request, form: FormData) -> dict[str, str] | None:
    """The fields the reviewer changed (only those), or None when the case does not exist."""
    state = web_state(request)
    with state.app.read_sessions() as session:
        case = case_by_reference(session, request.path_params["reference"])
        if case is None:
            return None
        current = {f["name"]: f["value"] for f in correctable_fields(case)}
    changed = {}
    for name, value in current.items():
        given = form.get(f"field.{name}")
        if isinstance(given, str) and given.strip() != value.strip():
            changed[name] = given.strip()[:500]
    return changed


def _with_error(request: Request, staff: Staff, message: str, status: int = 409) -> Response:
    context = case_context(request, staff, request.path_params["reference"])
    if context is None:
        return not_found(request, staff, "There is no case with that reference.")
    context["error"] = message.removeprefix("mailbot: review: ")
    return web_state(request).templates.TemplateResponse(request, "case.html", context, status_code=status)


def _summary(case: Any) -> dict[str, str]:
    """What a preview page shows of the case, read while its session is open."""
    return {"reference": case.reference, "subject": case.subject, "sender": case.sender, "kind": case.kind}


def _done(reference: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"/cases/{quote(reference.strip().upper())}?done={what}#outcome", status_code=303)


def _approve_preview(request: Request, staff: Staff, form: FormData | None) -> Response:
    assert form is not None
    corrections = _corrections(request, form)
    if corrections is None:
        return not_found(request, staff, "There is no case with that reference.")
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with state.app.sessions() as session:  # closed without a commit: nothing changes
            preview = review.preview_approval(session, reference, corrections, by=staff.name, now=state.clock(),
                                              settings=state.settings)
            case = _summary(review.load_case(session, reference))
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return state.templates.TemplateResponse(request, "approve_preview.html", {
        "staff": staff, "case": case, "corrections": corrections, "preview": preview, "reasons": REASONS,
        "labels": FIELD_LABELS})


def _approve_confirm(request: Request, staff: Staff, form: FormData | None) -> Response:
    assert form is not None
    corrections = {k.removeprefix("set."): str(v)[:500] for k, v in form.multi_items() if k.startswith("set.")}
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with transaction(state.app.sessions) as session:
            review.approve(session, reference, corrections, by=staff.name, now=state.clock(), settings=state.settings)
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return _done(reference, "approved")


def _reason_text(form: FormData) -> str:
    template = str(form.get("template", ""))
    free = str(form.get("text", "")).strip()[:MAX_TEXT]
    parts = [REASONS[template].sender_text] if template in REASONS else []
    return "\n\n".join(parts + ([free] if free else []))


def _reject_preview(request: Request, staff: Staff, form: FormData | None) -> Response:
    assert form is not None
    text = _reason_text(form)
    state = web_state(request)
    reference = request.path_params["reference"]
    mails: list[Any] = []
    try:
        with state.app.sessions() as session:  # the real rejection, rolled back: the preview is the exact reply
            found = review.load_case(session, reference)
            case = _summary(found)
            before = {m.id for m in history(session, found).mails}
            review.reject(session, reference, text, by=staff.name, now=state.clock(), settings=state.settings)
            session.flush()
            mails = [{"to": m.recipient, "subject": m.subject, "body": m.body}
                     for m in history(session, found).mails if m.id not in before]
            session.rollback()
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return state.templates.TemplateResponse(request, "reject_preview.html", {
        "staff": staff, "case": case, "text": text, "mails": mails})


def _reject_confirm(request: Request, staff: Staff, form: FormData | None) -> Response:
    assert form is not None
    text = str(form.get("text", ""))[:2 * MAX_TEXT]
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with transaction(state.app.sessions) as session:
            recipients = review.reject(session, reference, text, by=staff.name, now=state.clock(),
                                       settings=state.settings)
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return _done(reference, "rejected" if recipients else "rejected_no_reply")


def _close(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with transaction(state.app.sessions) as session:
            review.close(session, reference, by=staff.name, now=state.clock())
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return _done(reference, "closed")


def _resend(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with transaction(state.app.sessions) as session:
            review.resend_confirmation(session, reference, by=staff.name, now=state.clock(), settings=state.settings)
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return _done(reference, "resent")


def _retry(request: Request, staff: Staff, form: FormData | None) -> Response:
    """Send a message the mailbot failed on through again; then show the new case."""
    from mailbot.config import secret_values
    from mailbot.send_again import retry
    from mailbot.services import understander

    state = web_state(request)
    reference = request.path_params["reference"]
    config = state.app.config
    try:
        with understander(config, state.app.read_sessions) as understand:
            cases = retry(state.app.sessions, understand, reference, by=staff.name, now=state.clock(),
                          settings=state.settings, secrets=secret_values(config))
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return _done(cases[0].reference if cases else reference, "retried")


def _note(request: Request, staff: Staff, form: FormData | None) -> Response:
    assert form is not None
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with transaction(state.app.sessions) as session:
            review.note(session, reference, str(form.get("text", ""))[:MAX_TEXT], by=staff.name, now=state.clock())
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc), status=400)
    return _done(reference, "noted")


approve_preview = staff_only(_approve_preview)
approve_confirm = staff_only(_approve_confirm)
reject_preview = staff_only(_reject_preview)
reject_confirm = staff_only(_reject_confirm)
close_case = staff_only(_close)
resend_confirmation = staff_only(_resend)
add_note = staff_only(_note)
retry_message = staff_only(_retry)
