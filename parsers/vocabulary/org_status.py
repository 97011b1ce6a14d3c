"""An organisation's standing in the NHS Organisation Data Service: the status column of its extracts.

Here, beside the words the parsers read, because the ODS parser makes these values and the rules read them."""

from __future__ import annotations

from enum import StrEnum


class OrgStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    DORMANT = "dormant"
    PROPOSED = "proposed"
