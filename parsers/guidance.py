"""Which self-service guide answers a question: password reset, change of address, who the Primary User is, or
what to do with no signatory available."""

from __future__ import annotations

import re
from enum import StrEnum


class Topic(StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a topic name
    CHANGE_EMAIL = "change_email"
    WHO_IS_PRIMARY = "who_is_primary"
    NO_SIGNATORY = "no_signatory"


# Ordered: the first topic whose pattern matches answers the question.
PATTERNS: tuple[tuple[Topic, re.Pattern[str]], ...] = (
    (Topic.NO_SIGNATORY, re.compile(
        r"\b(no|not have an?|without an?|haven'?t got an?|nobody|no one|no-one)\b[^.?!\n]{0,40}"
        r"\b(signator(y|ies)|authori[sz]ed (person|signatory)|caldicott|lead gp|partner)", re.I)),
    (Topic.PASSWORD_RESET, re.compile(
        r"\b(reset|forgot(ten)?|lost|expired|locked out|unlock|new)\b[^.?!\n]{0,30}\b(password|log ?in|account)\b"
        r"|\bpassword\b[^.?!\n]{0,30}\b(reset|expired|not work|doesn'?t work|forgot)", re.I)),
    (Topic.CHANGE_EMAIL, re.compile(
        r"\b(change|update|amend|new)\b[^.?!\n]{0,30}\b(e-?mail|address)\b", re.I)),
    (Topic.WHO_IS_PRIMARY, re.compile(
        r"\b(who('s| is| are)|am i|are we|find out|do we have)\b[^.?!\n]{0,40}\bprimary user", re.I)),
)


def guidance_topic(text: str) -> Topic | None:
    for topic, pattern in PATTERNS:
        if pattern.search(text):
            return topic
    return None
