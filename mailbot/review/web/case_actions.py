"""What staff do to a case from its page: approve (correcting fields, with a preview of what would change first),
reject (a reason template plus free text, with a preview of the reply), close without a reply (with a reason;
reopen undoes it), add a note, send a signatory's confirmation request again, and send a message the mailbot
failed on through again.

Previews are GETs that change nothing, so Back and refresh work; every POST ends in a redirect (post/redirect/get)
with its message kept in the session (mailbot.review.web.flash), never in the URL.

Each goes through mailbot.review.actions with by=the logged-in staff member, which audits it with who and when.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailbot.review import actions as review
from mailbot.review import closing
from mailbot.review import resend as review_resend
from mailbot.review.approval_scope import awaiting_second
from mailbot.review.labels import FIELD_LABELS
from mailbot.review.web.case_page import case_context, correctable_fields, not_found
from mailbot.review.web.flash import flash
from mailbot.review.web.security import Staff, staff_only
from mailbot.review.web.state import web_state
from rules.reasons import REASONS
from store.cases import case_by_reference
from store.db import transaction
from store.review import history

MAX_TEXT = 5000
ACTION_TEXT = {
    "approved": "The case was approved. The replies are in the outbox.",
    "awaiting": "Your approval is recorded. Nothing is changed or sent until a second member of staff approves it "
                "too.",
    "rejected": "The case was rejected. The reply is in the outbox.",
    "rejected_no_reply": "The case was rejected. No reply was sent: the sender could not be confirmed.",
    "closed": "The case was closed without a reply.",
    "reopened": "The case was reopened: it is back in the queue.",
    "noted": "Your note was added to the history.",
    "retried": "The message was sent through again, from the start: this is the case it made now.",
    "resent": "The confirmation request was sent again to the signatory's address on record; their wait starts "
              "again.",
}


def _corrections(request: Request, given: Any) -> dict[str, str] | None:
    """The fields the reviewer changed (only those), or None when the case does not exist."""
    state = web_state(request)
    with state.app.read_sessions() as session:
        case = case_by_reference(session, request.path_params["reference"])
        if case is None:
            return None
        current = {f["name"]: f["value"] for f in correctable_fields(case)}
    changed = {}
    for name, value in current.items():
        new = given.get(f"field.{name}")
        if isinstance(new, str) and new.strip() != value.strip():
            changed[name] = new.strip()[:500]
    return changed


def _case_url(reference: str) -> str:
    return f"/cases/{quote(reference.strip().upper())}"


def _with_error(request: Request, staff: Staff, message: str, status: int = 409) -> Response:
    """After a POST: the error kept for the case page, and a redirect there (Back and refresh stay harmless).
    On a GET (a preview): the case page with the error, as the GET is safe to repeat."""
    text = message.removeprefix("mailbot: review: ")
    reference = request.path_params["reference"]
    if request.method == "POST":
        flash(request, text, kind="error", reference=reference.strip().upper())
        return RedirectResponse(_case_url(reference) + "#outcome", status_code=303)
    context = case_context(request, staff, reference)
    if context is None:
        return not_found(request, staff, "There is no case with that reference.")
    context["error"] = text
    return web_state(request).templates.TemplateResponse(request, "case.html", context, status_code=status)


def _summary(case: Any) -> dict[str, str]:
    """What a preview page shows of the case, read while its session is open."""
    return {"reference": case.reference, "subject": case.subject, "sender": case.sender, "kind": case.kind}


def _done(request: Request, reference: str, what: str) -> RedirectResponse:
    flash(request, ACTION_TEXT[what], reference=reference.strip().upper())
    return RedirectResponse(_case_url(reference) + "#outcome", status_code=303)


def _to_get(request: Request, form: FormData | None) -> Response:
    """A preview asked for by POST (an older page): the same preview as a GET, so Back and refresh work."""
    kept = [(k, str(v)) for k, v in (form.multi_items() if form else []) if k != "csrf_token"]
    return RedirectResponse(f"{request.url.path}?{urlencode(kept)}", status_code=303)


def _verification(given: Any) -> tuple[str | None, str]:
    """The signatory verification staff ticked (a method key, or None) and the name they gave."""
    ticked = given.get("record_signatory") == "yes"
    how = str(given.get("verified_how", ""))
    name = str(given.get("signatory_name", "")).strip()[:200]
    return (how if ticked else None), name


def _approve_preview(request: Request, staff: Staff, form: FormData | None) -> Response:
    if request.method == "POST":
        return _to_get(request, form)
    params = request.query_params
    corrections = _corrections(request, params)
    if corrections is None:
        return not_found(request, staff, "There is no case with that reference.")
    state = web_state(request)
    reference = request.path_params["reference"]
    verify, name = _verification(params)
    tick_error = ""
    if params.get("record_signatory") == "yes" and verify not in review.VERIFICATION_METHODS:
        verify, tick_error = None, "Choose how you verified the signatory, or untick it."
    try:
        with state.app.sessions() as session:  # closed without a commit: nothing changes
            found = review.load_case(session, reference)
            waiting = awaiting_second(found) if state.app.config.review.second_person else None
            if waiting is not None:  # the second person sees exactly what the first approved
                corrections, verify = dict(waiting["corrections"]), waiting["verify"]
                name = waiting.get("signatory_name", "")
            preview = review.preview_approval(session, reference, corrections, by=staff.name, now=state.clock(),
                                              settings=state.settings, verify=verify, signatory_name=name)
            case = _summary(found)
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return state.templates.TemplateResponse(request, "approve_preview.html", {
        "staff": staff, "case": case, "corrections": corrections, "preview": preview, "reasons": REASONS,
        "labels": FIELD_LABELS, "methods": review.VERIFICATION_METHODS, "verify": verify, "signatory_name": name,
        "tick_error": tick_error, "waiting": waiting, "second_person": state.app.config.review.second_person,
        "query": [(k, v) for k, v in params.multi_items() if k.startswith("field.")]})


def _approve_confirm(request: Request, staff: Staff, form: FormData | None) -> Response:
    assert form is not None
    corrections = {k.removeprefix("set."): str(v)[:500] for k, v in form.multi_items() if k.startswith("set.")}
    verify = str(form.get("verify", "")) or None
    name = str(form.get("signatory_name", ""))[:200]
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with transaction(state.app.sessions) as session:
            preview = review.approve(session, reference, corrections, by=staff.name, now=state.clock(),
                                     settings=state.settings, verify=verify, signatory_name=name,
                                     second_person=state.app.config.review.second_person)
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return _done(request, reference, "awaiting" if preview.awaiting is not None else "approved")


def _reason_text(form: Any) -> str:
    template = str(form.get("template", ""))
    free = str(form.get("text", "")).strip()[:MAX_TEXT]
    parts = [REASONS[template].sender_text] if template in REASONS else []
    return "\n\n".join(parts + ([free] if free else []))


def _reject_preview(request: Request, staff: Staff, form: FormData | None) -> Response:
    if request.method == "POST":
        return _to_get(request, form)
    text = _reason_text(request.query_params)
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
    return _done(request, reference, "rejected" if recipients else "rejected_no_reply")


def _close(request: Request, staff: Staff, form: FormData | None) -> Response:
    assert form is not None
    state = web_state(request)
    reference = request.path_params["reference"]
    reason = str(form.get("reason", "")).strip()[:1000]
    if not reason:
        return _with_error(request, staff, "Say why you are closing the case: it is shown on the case, and it "
                                           "helps whoever opens it next.", status=400)
    try:
        with transaction(state.app.sessions) as session:
            closing.close(session, reference, by=staff.name, now=state.clock(), reason=reason)
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return _done(request, reference, "closed")


def _reopen(request: Request, staff: Staff, form: FormData | None) -> Response:
    assert form is not None
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with transaction(state.app.sessions) as session:
            closing.reopen(session, reference, by=staff.name, now=state.clock(),
                          reason=str(form.get("reason", ""))[:1000])
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return _done(request, reference, "reopened")


def _resend(request: Request, staff: Staff, form: FormData | None) -> Response:
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with transaction(state.app.sessions) as session:
            review_resend.resend_confirmation(session, reference, by=staff.name, now=state.clock(),
                                              settings=state.settings)
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return _done(request, reference, "resent")


def _retry(request: Request, staff: Staff, form: FormData | None) -> Response:
    """Send a message the mailbot failed on through again; then show the new case."""
    from mailbot.config import secret_values
    from mailbot.processing.services import understander
    from mailbot.review.send_again import retry

    state = web_state(request)
    reference = request.path_params["reference"]
    config = state.app.config
    try:
        with understander(config, state.app.read_sessions) as understand:
            cases = retry(state.app.sessions, understand, reference, by=staff.name, now=state.clock(),
                          settings=state.settings, secrets=secret_values(config))
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc))
    return _done(request, cases[0].reference if cases else reference, "retried")


def _note(request: Request, staff: Staff, form: FormData | None) -> Response:
    assert form is not None
    state = web_state(request)
    reference = request.path_params["reference"]
    try:
        with transaction(state.app.sessions) as session:
            closing.note(session, reference, str(form.get("text", ""))[:MAX_TEXT], by=staff.name, now=state.clock())
    except review.ReviewError as exc:
        return _with_error(request, staff, str(exc), status=400)
    return _done(request, reference, "noted")


approve_preview = staff_only(_approve_preview)
approve_confirm = staff_only(_approve_confirm)
reject_preview = staff_only(_reject_preview)
reject_confirm = staff_only(_reject_confirm)
close_case = staff_only(_close)
reopen_case = staff_only(_reopen)
resend_confirmation = staff_only(_resend)
add_note = staff_only(_note)
retry_message = staff_only(_retry)
