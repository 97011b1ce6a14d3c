"""The kinds of message the mailbot tells apart (SPEC 1): what parsers.kinds.classify says a message is, and what
rules/chains.py, the shell and the store key on."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    PRIMARY_USER_REQUEST = "primary_user_request"
    PERMISSION_REQUEST = "permission_request"
    NEW_USER_NOTIFICATION = "new_user_notification"
    GUIDANCE = "guidance"
    SIGNATORY_CONFIRMATION = "signatory_confirmation"
    FOLLOW_UP = "follow_up"
    AUTOMATIC = "automatic"
    UNCLEAR = "unclear"
