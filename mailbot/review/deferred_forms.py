"""Forms left unread at intake (SPEC 17: a stranger's attachments are not opened automatically), read when a member
of staff opens the case: `review show`, `review approve` or the case's web page.

The form is read in the sandbox outside any transaction, then stored on the case (the reading becomes its request,
and the checks are run again on it as of the message's arrival, so staff see each one) in a short transaction that
first makes sure nobody stored a reading meanwhile. The case's outcome is not changed: it waits for a person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from mailbot.config import Config
from mailbot.processing.sandbox import FormReader, read_options
from mailbot.processing.settings import Settings
from mailbot.processing.stored_case import stored_context, stored_request
from mailbot.processing.understanding import form_request
from mailbot.review.actions import load_case
from parsers.message import parse_message
from rules.outcome import decide
from rules.requests import NOT_READ, PrimaryUserRequest
from store import audit
from store.db import transaction
from store.review import set_reasons


def _unread(case_request: object) -> PrimaryUserRequest | None:
    """The case's form request when it names one attachment not read yet (too many forms: none is ever read)."""
    if isinstance(case_request, PrimaryUserRequest) and case_request.reading == NOT_READ \
            and case_request.attachment_index >= 0:
        return case_request
    return None


def read_unread_form(sessions: sessionmaker[Session], reference: str, config: Config, *, by: str, now: datetime,
                     settings: Settings) -> bool:
    """Read the case's form if it was left unread at intake, and store the reading; True when it read one."""
    with sessions() as session:
        case = load_case(session, reference)
        request = _unread(stored_request(case))
        raw = case.message.raw if case.message is not None else None
        arrived = case.created_at
    if request is None or raw is None:
        return False
    attachments = parse_message(raw).attachments
    if request.attachment_index >= len(attachments):
        return False
    forms = config.forms
    with FormReader(workers=1, timeout=forms.timeout_seconds, memory_mb=forms.memory_mb,
                    cpu_seconds=forms.cpu_seconds, max_pdf_bytes=forms.max_pdf_bytes) as reader:
        # As the checks below, the form is judged as at the message's arrival: its digital signature too.
        reading = reader.read(attachments[request.attachment_index].data, read_options(forms, arrived))
    read = form_request(reading, request.attachment, request.attachment_index,
                        accept_typed_signature=forms.accept_typed_signature)
    with transaction(sessions) as session:
        case = load_case(session, reference, for_update=True)
        if _unread(stored_request(case)) is None:
            return False  # read by someone else meanwhile
        # The checks as they would have run when it arrived (its date judged then), on the register as it is now.
        decision = decide(stored_context(session, case, read, case.created_at, settings))
        case.fields = {**case.fields, "request": read.as_record(),
                       "form_read": {"at": now.isoformat(), "by": by}}
        case.checks = [r.as_record() for r in decision.results]
        set_reasons(session, case, list(decision.reasons))
        case.org_code, case.updated_at = read.org_code.strip().upper() or None, now
        audit.record(session, at=now, actor=by, action="case.form_read", case_id=case.id, org_code=case.org_code,
                     attachment=request.attachment, reading=read.reading)
    return True
