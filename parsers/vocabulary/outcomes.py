"""What happens to a case (SPEC 2): the outcome every reason code leads to (rules/reasons.py) and the precedence
rules/outcome.py applies."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    FLAGGED = "flagged"
    PENDING = "pending"  # waiting for the named signatory to confirm (SPEC 17)
    ANSWERED = "answered"
    IGNORED = "ignored"
