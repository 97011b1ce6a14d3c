"""The signatory's deadline (SPEC 17): one reminder half-way through `[signatory] confirm_days`, then the case goes
to staff as `signatory.unconfirmed`, the sender told. A job of the daemon (mailbot.daemon.scheduler) and a command
(`mailbot signatory expire`), both calling `remind_and_expire` with the time they were given.

Each reminder and each expiry is its own short transaction, claimed by a conditional update in the store (see
store.confirmations): run it twice, or in several daemons on one PostgreSQL store at once, and each reminder is
still queued exactly once. A reminder that is late (nothing ran at the half-way point) still comes before the
expiry and keeps the second half of the wait, so nobody is flagged without having been reminded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from mailbot.outbox.rows import queue_mail
from mailbot.processing.confirmation_mail import confirmation_mail
from mailbot.processing.settings import Settings
from mailbot.processing.signatory_confirmation import ACTOR, flag_waiting_case, org_name
from parsers.vocabulary.outcomes import Outcome
from store import audit
from store.confirmations import CLOSED, claim_expiry, claim_reminder, due_expiries, due_reminders, finish
from store.db import transaction
from store.models import SignatoryConfirmation

BATCH = 200


@dataclass
class ExpiryReport:
    reminded: list[str] = field(default_factory=list)  # case references
    expired: list[str] = field(default_factory=list)

    @property
    def mails(self) -> int:
        return len(self.reminded) + len(self.expired)


def _still_pending(session: Session, row: SignatoryConfirmation, now: datetime) -> bool:
    if row.case.outcome == Outcome.PENDING.value:
        return True
    finish(session, row, CLOSED, now=now, by=ACTOR)  # decided some other way: nothing left to wait for
    return False


def remind_and_expire(sessions: sessionmaker[Session], *, now: datetime, settings: Settings,
                      batch: int = BATCH) -> ExpiryReport:
    """Queue the reminders that are due and flag the confirmations that have run out, as of NOW: at most BATCH of
    each, so one run of the daemon's job stays short; `everything_due` goes round until none is left."""
    report = ExpiryReport()
    with transaction(sessions) as session:
        reminders, expiries = due_reminders(session, now, batch), due_expiries(session, now, batch)
    for row_id in reminders:
        with transaction(sessions) as session:
            row = claim_reminder(session, row_id, now)
            if row is None or not _still_pending(session, row, now):
                continue  # another daemon sent it, or the case was decided meanwhile
            case = row.case
            mail = confirmation_mail(case, row, settings=settings, org_name=org_name(session, case.org_code),
                                     reminder=True)
            queued = queue_mail(session, case, mail, now=now, mailbox=settings.mailbox,
                                domain=settings.message_id_domain, user_id=None)
            audit.record(session, at=now, actor=ACTOR, action="signatory.reminder_sent", case_id=case.id,
                         org_code=case.org_code, to=row.address, message_id=queued.message_id,
                         expires_at=row.expires_at.isoformat())
            report.reminded.append(case.reference)
    for row_id in expiries:
        with transaction(sessions) as session:
            row = claim_expiry(session, row_id, now)
            if row is None or row.case.outcome != Outcome.PENDING.value:
                continue
            case = row.case
            flag_waiting_case(session, case, "signatory.unconfirmed",
                              f"{row.full_name} did not answer at {row.address} by {row.expires_at:%d/%m/%Y %H:%M} "
                              f"UTC ({row.requests} request(s) and a reminder sent).", now=now, settings=settings)
            audit.record(session, at=now, actor=ACTOR, action="signatory.unconfirmed", case_id=case.id,
                         org_code=case.org_code, address=row.address)
            report.expired.append(case.reference)
    return report


def everything_due(sessions: sessionmaker[Session], *, now: datetime, settings: Settings,
                   max_rounds: int = 10_000) -> ExpiryReport:
    """remind_and_expire until nothing is due as of NOW (a backlog after a long stop), for the command line."""
    total = ExpiryReport()
    for _ in range(max_rounds):
        report = remind_and_expire(sessions, now=now, settings=settings)
        total.reminded += report.reminded
        total.expired += report.expired
        if not report.mails:
            break
    return total
