"""Writing the replies and notices of SPEC 12: plain text, from templates a practice manager can read at first go,
with threading headers. Which mails go to whom is decided in mailbot/outbox/case_mail.py; queueing them is
mailbot/outbox/rows.py's job and sending the outbox sender's."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from mailbot.outbox.temp_passwords import PASSWORD_SLOT
from parsers.form_template import LABELS as FIELD_LABELS
from parsers.form_template import TITLES
from parsers.vocabulary.kinds import Kind
from parsers.vocabulary.outcomes import Outcome
from parsers.vocabulary.roles import ROLE_LABELS, OrgType, RequestType, allowed_roles
from rules.check import CheckResult
from rules.reasons import REASONS

MAX_SUBJECT = 200

_env = Environment(loader=PackageLoader("mailbot.outbox", "templates"), autoescape=False,  # noqa: S701 - plain text mail
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                   auto_reload=False)  # the templates ship with the code: not looked at again for every mail


@dataclass(frozen=True)
class OutgoingMail:
    purpose: str  # reply / confirmation / notice / temporary_password
    to: str
    subject: str
    body: str
    auto_submitted: str = "auto-replied"  # RFC 3834: auto-replied to the sender, auto-generated to others
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    username: str | None = None  # the account a temporary password is for


@dataclass(frozen=True)
class ReplyContext:
    """What every template may use, about the case and the message it answers."""

    reference: str
    mailbox: str
    original_subject: str
    original_message_id: str | None
    original_references: tuple[str, ...]
    sender: str
    sender_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # Fields PCSE staff corrected before approving, as lines for the mail ("as corrected by PCSE", not "as your
    # form asked"); empty when nothing was corrected.
    corrected: tuple[str, ...] = ()


def clean_subject(text: str) -> str:
    """One line: CR, LF and other control or format characters (bidi overrides included) removed."""
    if text.isascii() and text.isprintable():
        # Most subjects: printable ASCII has no control (Cc) or format (Cf) character to take out, and only the
        # space for whitespace; checked by two C calls instead of a category looked up for each character.
        return " ".join(text.split())[:MAX_SUBJECT]
    kept = "".join(" " if ch in "\r\n\t" else ch for ch in text
                   if ch in "\r\n\t" or unicodedata.category(ch) not in ("Cc", "Cf"))
    return " ".join(kept.split())[:MAX_SUBJECT]


def reply_subject(original: str, reference: str) -> str:
    subject = re.sub(r"^(\s*(re|fw|fwd|aw)\s*:\s*)+", "", clean_subject(original), flags=re.IGNORECASE)
    subject = subject.replace(f"[{reference}]", "").strip() or "Your message"
    return f"Re: {subject} [{reference}]"


def render(template: str, **values: Any) -> str:
    return _env.get_template(template).render(**values)


def roles_lists() -> dict[str, list[str]]:
    return {
        "roles_gp": [ROLE_LABELS[r] for r in allowed_roles(RequestType.PRIMARY_USER, OrgType.GP_PRACTICE)],
        "roles_other": [ROLE_LABELS[r] for r in allowed_roles(RequestType.PRIMARY_USER, OrgType.OTHER)],
    }


TEMPLATE_LINES = ("  Organisation code: (your ODS code, for example A81001)",
                  "  User: (the user's email address or Open Exeter username)",
                  "  Applications: (one a line, or separated by semicolons)",
                  "  Signatory role: (for example GP Partner)")
CALDICOTT_ROUTE = ("If none of these people is available, your organisation's Caldicott Guardian can sign "
                   "instead: every NHS organisation has one.")


def explain(result: CheckResult) -> dict[str, Any]:
    """One failed check in the sender's words, with what to do about it."""
    assert result.reason is not None
    text, lines, details = REASONS[result.reason].sender_text, [], result.details
    if result.reason == "form.incomplete":
        lines = ["Fields to complete: " + "; ".join(details.get("labels", []))]
        lines += [f"{FIELD_LABELS.get(name, name)}: {why}." for name, why in details.get("problems", {}).items()]
    elif result.reason == "signatory.role_not_allowed":
        lines = [f"The role given was: {details.get('role', '')}.", "These roles may authorise it:"]
        lines += [f"  - {label}" for label in details.get("allowed", [])]
        lines.append(CALDICOTT_ROUTE)
    elif result.reason == "permission.unknown":
        for name in details.get("unknown", []):
            hint = details.get("suggestions", {}).get(name)
            lines.append(f'"{name}" is not an application we know' + (f' (did you mean "{hint}"?)' if hint else "."))
        lines.append("The applications are: " + "; ".join(details.get("valid", [])) + ".")
    elif result.reason == "permission.primary_user_only":
        if details.get("others"):
            lines.append("That includes the other applications it asks for (" + "; ".join(details["others"]) + "): "
                         "please ask for them again in a request that does not name Organisation Maintenance.")
        lines.append("To appoint a Primary User (an organisation may have up to two), an authorised signatory signs "
                     "the Primary User request form for your type of organisation, from the PCSE Open Exeter page:")
        lines += [f"  - {title}" for title in TITLES.values()]
        lines.append("and it is emailed to us.")
    elif result.reason == "form.type_mismatch":
        form = "GP practice" if details.get("expected") == "gp_practice" else "other organisation"
        lines = [f"Please use the {form} form."]
    elif result.reason == "user.unknown" and details.get("user"):
        lines = [f"The user named was: {details['user']}."]
    elif result.reason == "form.missing" and details.get("word_documents"):
        text = (f"The form was sent as a word-processor file ({details['word_documents']}). We can only accept "
                "the Primary User request form as a PDF, signed by the authorised signatory in the signature box "
                "at the bottom of page 1.")
        lines = ["Please fill in the published PDF form (or save your completed form as a PDF), have the",
                 "authorised signatory sign it in the box at the bottom of page 1, and send us the signed PDF."]
    elif result.reason == "request.unclear" and details.get("encrypted"):
        text = "Your message was encrypted, so it could not be read automatically; a member of staff will look at it."
        lines = ["Please send requests to this mailbox without encryption: mail between NHSmail addresses is",
                 "already protected on its way."]
    elif result.reason == "request.unclear" and details.get("missing"):
        lines = ["We could not tell for sure: " + ", ".join(details["missing"]) + ".",
                 "If you are asking for applications, please send the request again using this layout:",
                 *TEMPLATE_LINES]
    return {"code": result.reason, "text": text, "lines": lines}


def explanations(results: tuple[CheckResult, ...]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    items = []
    for r in results:
        if r.failed and r.reason and r.reason not in seen:
            seen.add(r.reason)
            items.append(explain(r))
    return items


def _reply(ctx: ReplyContext, body: str, purpose: str = "reply") -> OutgoingMail:
    refs = tuple(dict.fromkeys((*ctx.original_references, *( [ctx.original_message_id]
                                                              if ctx.original_message_id else []))))
    return OutgoingMail(purpose, ctx.sender, reply_subject(ctx.original_subject, ctx.reference), body,
                        in_reply_to=ctx.original_message_id, references=refs[-20:])


def _notice(ctx: ReplyContext, to: str, subject: str, template: str, purpose: str = "notice",
            username: str | None = None, **values: Any) -> OutgoingMail:
    # The templates that name the account read `username` too; the parameter must not swallow it.
    body = render(template, reference=ctx.reference, mailbox=ctx.mailbox, username=username or "",
                  corrected=ctx.corrected, **values)
    return OutgoingMail(purpose, to, clean_subject(f"{subject} [{ctx.reference}]"), body,
                        auto_submitted="auto-generated", username=username)


def sender_reply(ctx: ReplyContext, kind: Kind, outcome: Outcome, results: tuple[CheckResult, ...],
                 **values: Any) -> OutgoingMail:
    """The reply to the sender for KIND and OUTCOME (a template each)."""
    if outcome != Outcome.APPROVED:
        # "Already a Primary User" is news, not a fault: a rejection lists only what the sender must put right.
        results = tuple(r for r in results if r.outcome != Outcome.APPROVED)
    if outcome != Outcome.PENDING:
        # The signatory is asked to confirm only for a case that waits for them: a rejected or flagged one asks
        # nobody, so its reply must not say the signatory was asked.
        results = tuple(r for r in results if r.outcome != Outcome.PENDING)
    template = f"replies/{kind.value}/{outcome.value}.txt"
    body = render(template, reference=ctx.reference, mailbox=ctx.mailbox, sender_name=ctx.sender_name,
                  explanations=explanations(results), corrected=ctx.corrected, **roles_lists(), **values)
    return _reply(ctx, body)


def templated_reply(ctx: ReplyContext, template: str, **values: Any) -> OutgoingMail:
    """A reply to the sender written from TEMPLATE (a path under templates/), threaded like every reply."""
    body = render(template, reference=ctx.reference, mailbox=ctx.mailbox, sender_name=ctx.sender_name, **values)
    return _reply(ctx, body)


def password_mail(ctx: ReplyContext, *, to: str, user_name: str, username: str, why: str,
                  now: datetime, days: int) -> OutgoingMail:
    expires = (now + timedelta(days=days)).strftime("%d %B %Y")
    return _notice(ctx, to, "Your Open Exeter temporary password", "notices/temporary_password.txt",
                   purpose="temporary_password", username=username, user_name=user_name, why=why,
                   password_placeholder=PASSWORD_SLOT, expires=expires)


def notice(ctx: ReplyContext, *, to: str, subject: str, template: str, **values: Any) -> OutgoingMail:
    return _notice(ctx, to, subject, f"notices/{template}.txt", **values)
