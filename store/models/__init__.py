"""The account store and the mailbot's own records, as SQLAlchemy 2 models, one module per half: the register PCSE
keeps (register.py), the mailbot's working records (records.py) and the staff of the review page (staff.py), on
one declarative base (base.py). Importing this package declares every table, so `Base.metadata` is the whole
schema. The schema itself is created by the Alembic migrations in store/migrations; these classes must match
them (a test compares the two).
"""

from store.models.base import NAMING, Base
from store.models.records import (
    AuditChainHead,
    AuditEvent,
    Case,
    CaseReason,
    IntakeRecord,
    MailboxState,
    MessageDigest,
    MessageKey,
    OutboxMessage,
    ReferenceCounter,
    RegisterVersion,
    RunningDaemon,
    SignatoryConfirmation,
    StoredMessage,
)
from store.models.register import Application, Organisation, Signatory, User, user_applications
from store.models.staff import LoginThrottle, OidcLogin, StaffMember, StaffSession

__all__ = [
    "NAMING", "Application", "AuditChainHead", "AuditEvent", "Base", "Case", "CaseReason", "IntakeRecord",
    "LoginThrottle", "MailboxState", "MessageDigest", "MessageKey", "OidcLogin", "Organisation", "OutboxMessage",
    "ReferenceCounter", "RegisterVersion", "RunningDaemon", "Signatory", "SignatoryConfirmation", "StaffMember",
    "StaffSession", "StoredMessage", "User", "user_applications",
]
