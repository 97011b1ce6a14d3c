"""One case with everything a person needs to decide it, as plain data (for `review show --json` and the web
page) and as text. The message is shown as text only: HTML from a message is never rendered."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mailbot.review.how_read_view import how_read_lines
from mailbot.review.labels import (
    action_label,
    check_label,
    coded,
    field_label,
    field_value_label,
    kind_label,
    outbox_status_label,
    outcome_label,
    reason_label,
)
from mailbot.review.reading_view import reading_lines
from rules.reasons import REASONS
from store.confirmations import confirmation_of
from store.models import Case, SignatoryConfirmation
from store.review import history

SHOWN_HEADERS = ("From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To",
                 "Authentication-Results")


def confirmation_summary(row: SignatoryConfirmation, answer_reference: str | None = None) -> dict[str, Any]:
    """Where a signatory's confirmation stands (SPEC 17), for staff."""
    def at(moment: Any) -> str | None:
        return moment.isoformat() if moment is not None else None
    return {"status": row.status, "full_name": row.full_name, "role": row.role, "address": row.address,
            "waiting_since": at(row.waiting_since), "requested_at": at(row.requested_at), "requests": row.requests,
            "remind_at": at(row.remind_at), "reminder_sent_at": at(row.reminder_sent_at),
            "expires_at": at(row.expires_at), "answer_case": answer_reference, "answer_why": row.answer_why,
            "closed_at": at(row.closed_at), "closed_by": row.closed_by}


def case_document(session: Session, case: Case) -> dict[str, Any]:
    h = history(session, case)
    row = confirmation_of(session, case.id)
    answer = session.get(Case, row.answer_case_id) if row is not None and row.answer_case_id else None
    message: dict[str, Any] = {}
    if case.message is not None:
        from parsers.message import parse_message  # only when a stored message is shown

        try:
            parsed = parse_message(case.message.raw)
        except Exception as exc:  # noqa: BLE001 - a message the mailbot failed on must still be shown to staff
            parsed = None
            unreadable = f"the message cannot be shown ({type(exc).__name__}); its raw bytes are kept"
        message = {
            "source": case.message.source,
            "received_at": case.message.received_at.isoformat(),
            "size": case.message.size,
            "headers": [], "text": "", "quoted_text": "", "attachments": [], "defects": [unreadable],
        } if parsed is None else {
            "source": case.message.source,
            "received_at": case.message.received_at.isoformat(),
            "size": case.message.size,
            "headers": [[n, v] for n, v in parsed.headers if n.title() in SHOWN_HEADERS or n in SHOWN_HEADERS],
            "text": parsed.text,
            "quoted_text": parsed.quoted_text,
            "attachments": [{"index": i, "filename": a.filename, "declared_type": a.declared_type,
                             "sniffed_type": a.sniffed_type, "size": a.size}
                            for i, a in enumerate(parsed.attachments)],
            "defects": list(parsed.defects),
        }
    return {
        "reference": case.reference,
        "kind": case.kind,
        "outcome": case.outcome,
        "needs_review": case.needs_review,
        "reasons": [{"code": c, "meaning": REASONS[c].staff_text} for c in case.reasons if c in REASONS],
        "org_code": case.org_code,
        "sender": case.sender,
        "subject": case.subject,
        "created_at": case.created_at.isoformat(),
        "decided_by": case.decided_by,
        "parent": case.parent.reference if case.parent else None,
        "confirmation": confirmation_summary(row, answer.reference if answer else None) if row else None,
        "fields": case.fields,
        "checks": case.checks,
        "changes": case.changes,
        "message": message,
        "history": [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
                    for e in h.events],
        "follow_ups": [{"reference": f.reference, "created_at": f.created_at.isoformat(), "subject": f.subject}
                       for f in h.follow_ups],
        "mails": [{"to": m.recipient, "subject": m.subject, "purpose": m.purpose, "status": m.status,
                   "message_id": m.message_id} for m in h.mails],
    }


def render_case(doc: dict[str, Any]) -> str:
    out = [f"{doc['reference']}  {coded(kind_label, doc['kind'])}  {coded(outcome_label, doc['outcome'])}"
           + ("  - waiting for review" if doc["needs_review"] else f"  - decided by {doc['decided_by']}")]
    if doc["parent"]:
        out.append(f"follow-up of {doc['parent']}")
    c = doc.get("confirmation")
    if c:
        out.append(f"signatory confirmation: {c['status']}; {c['full_name']} ({c['role']}) at {c['address']}; "
                   f"waiting since {c['waiting_since'][:16]}; {c['requests']} request(s); reminder "
                   + (f"sent {c['reminder_sent_at'][:16]}" if c["reminder_sent_at"] else f"due {c['remind_at'][:16]}")
                   + f"; runs out {c['expires_at'][:16]}"
                   + (f"; answered in {c['answer_case']} ({c['answer_why']})" if c["answer_case"] else "")
                   + (f"; closed by {c['closed_by']}" if c["closed_by"] else ""))
    for r in doc["reasons"]:
        out.append(f"  reason: {coded(reason_label, r['code'])}: {r['meaning']}")
    failed = (doc["fields"] or {}).get("unprocessable")
    if failed:
        out.append(f"  error (after {failed['attempts']} attempt(s)): {failed['error']}")
    retried = (doc["fields"] or {}).get("retried")
    if retried:
        out.append(f"  sent through again by {retried['by']} at {retried['at'][:16]} as {', '.join(retried['as'])}")
    msg = doc["message"]
    if msg:
        out.append("\nMessage")
        out += [f"  {name}: {value}" for name, value in msg["headers"]]
        out.append("")
        out += ["  | " + line for line in (msg["text"] or "(no text)").splitlines()]
        for a in msg["attachments"]:
            name = a["filename"] or "(no name)"
            out.append(f"  attachment {a['index']}: {name} {a['sniffed_type']} {a['size']:,} bytes")
        for d in msg["defects"]:
            out.append(f"  problem: {d}")
    request = (doc["fields"] or {}).get("request")
    if request:
        out.append("\nExtracted fields")
        # how_read (how each field was read, where the box was found) is shown on its own, not as a field.
        out += [f"  {field_label(k)}: {field_value_label(k, v) if isinstance(v, str) else v}"
                for k, v in request.items() if v not in ("", [], None) and not isinstance(v, dict)]
        how = how_read_lines(request)
        if how:
            out.append("\nHow the form was read")
            out += how
    reading = (doc["fields"] or {}).get("reading")
    if reading:
        out.append("\nWhat the reader understood" + ("" if reading.get("understood") else
                                                     " (not sure of every part: nothing is acted on)"))
        out += reading_lines(reading)
    out.append("\nChecks")
    for c in doc["checks"]:
        mark = {"passed": "ok  ", "failed": "FAIL", "skipped": "--  "}.get(c["status"], c["status"])
        out.append(f"  {mark} {coded(check_label, c['name'])}: {c['explanation']}"
                   + (f" [{coded(reason_label, c['reason'])}]" if c.get("reason") else ""))
    if doc["changes"]:
        out.append("\nChanges")
        out += [f"  {c}" for c in doc["changes"]]
    out.append("\nHistory")
    out += [f"  {e['at']}  {e['actor']}: {coded(action_label, e['action'])} {e['detail'] or ''}"
            for e in doc["history"]]
    out += [f"  follow-up {f['reference']} at {f['created_at']}: {f['subject']}" for f in doc["follow_ups"]]
    out += [f"  mail to {m['to']} ({outbox_status_label(m['status'])}): {m['subject']}" for m in doc["mails"]]
    return "\n".join(out)
