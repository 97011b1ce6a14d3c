"""Which self-service guide answers a question: password reset and lock-out, change of email address, "am I / who
is our Primary User", adding a user, asking for extra applications, no signatory available, where the forms are.

Questions are matched by the ways people ask them, not by keywords alone; a question none of these answers is for
staff. Order matters: the first topic whose pattern matches answers the question.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Topic(StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a topic name
    CHANGE_EMAIL = "change_email"
    WHO_IS_PRIMARY = "who_is_primary"
    ADD_USER = "add_user"
    REQUEST_APPLICATIONS = "request_applications"
    NO_SIGNATORY = "no_signatory"
    FORMS = "forms"


_GAP = r"[^.?!\n]{0,40}"
# "primary user" as a person, not as the name of the form ("the Primary User request form").
_PRIMARY = r"primary[\s-]+users?\b(?!\s+(?:request|form|nomination|application|registration))"
PATTERNS: tuple[tuple[Topic, re.Pattern[str]], ...] = (
    (Topic.NO_SIGNATORY, re.compile(
        r"\b(no|not have an?|don'?t have an?|do not have an?|without an?|haven'?t got an?|nobody|no one|no-one|"
        r"none of)\b[^.?!\n]{0,40}\b(signator(y|ies)|authori[sz]ed (person|signatory)|caldicott|lead gp|"
        r"partners?|anyone (who|that) can sign)"
        r"|\b(signatory|lead gp|only partner|gp partner|caldicott guardian)\b[^.?!\n]{0,40}\b(has left|left the|"
        r"retired|on (long[- ]term )?(sick|leave|maternity)|is away|not available|unavailable|off sick)"
        r"|\b(nobody|no one|no-one)\b[^.?!\n]{0,30}\b(sign|authori[sz]e)", re.I)),
    (Topic.PASSWORD_RESET, re.compile(
        r"\b(reset|forgot(ten)?|lost|expired|locked|unlock)\b[^.?!\n]{0,30}\b(password|log ?-?in|account|pass ?word)\b"
        r"|\b(new|change|changing)\b[^.?!\n]{0,30}\bpass ?word\b"
        r"|\bpassword\b[^.?!\n]{0,30}\b(reset|expired|not work|doesn'?t work|won'?t work|forgot|wrong|locked)"
        r"|\blocked out\b|\block(ed)?[\s-]out\b|\btoo many (attempts|tries|failed)"
        r"|\b(can'?t|cannot|can not|unable to|couldn'?t|not able to)\s+(log ?-?in|sign ?-?in|get in|access (my|the)"
        r" (account|open exeter)|access open exeter)"
        r"|\baccount\b[^.?!\n]{0,20}\b(locked|suspended|disabled)", re.I)),
    (Topic.CHANGE_EMAIL, re.compile(
        r"\b(change|update|amend|new|correct)\b[^.?!\n]{0,30}\b(e-?mail|email address|address)\b"
        r"|\b(e-?mail|email address)\b[^.?!\n]{0,30}\b(has changed|changed|is wrong|out of date|different)"
        r"|\bchange of (e-?mail|address)\b|\bmoved to nhs\.?net\b", re.I)),
    (Topic.WHO_IS_PRIMARY, re.compile(
        rf"\b(who('s| is| are)|who)\b{_GAP}\b{_PRIMARY}"
        rf"|\b(am i|are we|is (she|he|it|my)|whether (i|we) (am|are)|if (i|we) (am|are)|if i'?m|whether i'?m)\b"
        rf"{_GAP}\b{_PRIMARY}"
        rf"|\b(find out|check|know|see|tell|confirm|list)\b{_GAP}\b{_PRIMARY}"
        rf"|\bdo we (have|already have)\b{_GAP}\b{_PRIMARY}"
        rf"|\b(mean|means|meant)\b{_GAP}\b{_PRIMARY}"
        r"|\b(can'?t|cannot|don'?t|do not)\s+(see|have|find)\s+(the\s+)?organisation maintenance"
        r"|\borganisation maintenance\b[^.?!\n]{0,40}\b(see|mean|missing|have|where)", re.I)),
    (Topic.REQUEST_APPLICATIONS, re.compile(
        r"\bhow\b[^.?!\n]{0,40}\b(request|ask for|get|apply for|add|give|grant)\b[^.?!\n]{0,40}"
        r"\b(applications?|permissions?|access|modules?)\b"
        r"|\b(what|which) (is the|do i|do we)?\s*(process|template|format)\b[^.?!\n]{0,40}\b(applications?|"
        r"permissions?|access)", re.I)),
    (Topic.ADD_USER, re.compile(
        r"\b(how|what do (i|we) (need to )?do)\b[^.?!\n]{0,40}\b(add|create|set up|setup|register|make)\b"
        r"[^.?!\n]{0,30}\b(new )?(users?|account|"
        r"member of staff|staff member|colleague|starter)s?\b"
        r"|\bhow\b[^.?!\n]{0,40}\b(set (her|him|them) up|add (her|him|them))\b"
        r"|\b(new starter|new member of staff|new staff member|new colleague|new user)\b[^.?!\n]{0,60}\b(how|what do|"
        r"account|access|log ?in|set up)", re.I)),
    (Topic.FORMS, re.compile(
        r"\b(where|how)\b[^.?!\n]{0,40}\b(find|get|download|obtain|locate|access)\b[^.?!\n]{0,40}\bforms?\b"
        r"|\b(link|copy|copies|blank|latest version)\b[^.?!\n]{0,30}\bforms?\b"
        r"|\bwhich form\b|\bsend me the forms?\b|\bcan'?t find the forms?\b", re.I)),
)


def guidance_topic(text: str) -> Topic | None:
    for topic, pattern in PATTERNS:
        if pattern.search(text):
            return topic
    return None


def guidance_match(text: str) -> tuple[Topic, str] | None:
    """The topic and the words that matched it (for staff and `mailbot explain`)."""
    for topic, pattern in PATTERNS:
        found = pattern.search(text)
        if found:
            return topic, found.group(0)
    return None
