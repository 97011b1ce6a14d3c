"""Who gets which mail for a decided case (SPEC 5-7 and 12).

Never to automatic, unauthenticated or ambiguous senders, nor past the daily limit (the decision says whether
replies are allowed at all). Temporary passwords only to addresses in the secure domains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mailbot.outbox.replies import OutgoingMail, ReplyContext, notice, password_mail, sender_reply
from parsers.guidance import Topic
from parsers.vocabulary.kinds import Kind
from parsers.vocabulary.outcomes import Outcome
from parsers.vocabulary.roles import ROLE_LABELS, parse_role
from rules.email_domains import in_domains
from rules.outcome import Decision
from rules.requests import NewUserNotice, PermissionRequest, PrimaryUserRequest, Request
from store.changes import Applied


@dataclass(frozen=True)
class MailPolicy:
    secure_domains: frozenset[str]
    password_days: int
    confirm_days: int = 7  # [signatory] confirm_days: how long a signatory has to confirm (SPEC 17)


def _password(ctx: ReplyContext, applied: Applied, policy: MailPolicy, now: datetime, why: str) -> list[OutgoingMail]:
    mails = []
    for user in applied.needs_password:
        if in_domains(user.email, policy.secure_domains):
            mails.append(password_mail(ctx, to=user.email, user_name=user.full_name, username=user.username,
                                       why=why, now=now, days=policy.password_days))
    return mails


def _primary_user(ctx: ReplyContext, decision: Decision, form: PrimaryUserRequest, applied: Applied | None,
                  policy: MailPolicy, now: datetime, org_name: str,
                  signatory_address: str | None) -> list[OutgoingMail]:
    values = dict(org_name=org_name or form.org_name, org_code=form.org_code)
    if decision.outcome == Outcome.PENDING:
        # The confirmation request itself goes out with the case's confirmation row
        # (mailbot.processing.signatory_confirmation); the sender learns only that the signatory was asked, never the
        # address on record.
        role = ROLE_LABELS[r] if (r := parse_role(form.sig_role)) else form.sig_role
        return [sender_reply(ctx, Kind.PRIMARY_USER_REQUEST, Outcome.PENDING, decision.results,
                             signatory=f"{form.sig_full_name or 'the signatory'} ({role})",
                             confirm_days=policy.confirm_days, **values)]
    if decision.outcome != Outcome.APPROVED:
        return [sender_reply(ctx, Kind.PRIMARY_USER_REQUEST, decision.outcome, decision.results, **values)]
    nominee = applied.made_primary if applied else None
    no_change = applied is None
    replaced = applied.demoted if applied else None
    mails = [sender_reply(
        ctx, Kind.PRIMARY_USER_REQUEST, Outcome.APPROVED, decision.results, no_change=no_change,
        nominee_name=form.pu_full_name, nominee_email=form.pu_email,
        nominee_username=nominee.username if nominee else "", new_account=bool(applied and applied.needs_password),
        replaced=f"{replaced.full_name} ({replaced.email})" if replaced else "", password_days=policy.password_days,
        **values)]
    if applied is None or nominee is None:
        return mails
    signatory = f"{form.sig_full_name} ({form.sig_role})"
    org = values["org_name"]
    if applied.needs_password:
        mails += _password(ctx, applied, policy, now,
                           f"You are now a Primary User of {org} ({form.org_code}) on Open Exeter, at the request "
                           f"of {signatory}. Here are your log-in details.")
    else:
        mails.append(notice(ctx, to=nominee.email, subject="You are now an Open Exeter Primary User",
                            template="primary_user_appointed", user_name=nominee.full_name, org_name=org,
                            org_code=form.org_code, signatory=signatory, username=nominee.username))
    # To the signatory's address on record only (SPEC 5): never to an address the form gives.
    if signatory_address and signatory_address.lower() != ctx.sender.lower():
        mails.append(notice(ctx, to=signatory_address, subject="Primary User request approved",
                            template="signatory_confirmation", signatory=form.sig_full_name, org_name=org,
                            org_code=form.org_code, nominee_name=form.pu_full_name, nominee_email=form.pu_email))
    if replaced is not None:
        mails.append(notice(ctx, to=replaced.email, subject="Your Open Exeter Primary User role has ended",
                            template="primary_user_removed", user_name=replaced.full_name, org_name=org,
                            org_code=form.org_code, signatory=signatory, new_name=form.pu_full_name,
                            username=replaced.username))
    return mails


def _permission(ctx: ReplyContext, decision: Decision, request: PermissionRequest,
                applied: Applied | None) -> list[OutgoingMail]:
    if decision.outcome != Outcome.APPROVED or applied is None or applied.user is None:
        return [sender_reply(ctx, Kind.PERMISSION_REQUEST, decision.outcome, decision.results,
                             org_code=request.org_code)]
    user = applied.user
    mails = [sender_reply(ctx, Kind.PERMISSION_REQUEST, Outcome.APPROVED, decision.results, org_code=request.org_code,
                          user_name=user.full_name, user_username=user.username, granted=applied.granted,
                          already_held=applied.already_held)]
    if applied.granted:
        mails.append(notice(ctx, to=user.email, subject="New Open Exeter applications",
                            template="permissions_granted", user_name=user.full_name, username=user.username,
                            org_code=request.org_code, granted=applied.granted, signatory=ctx.sender))
    return mails


def _notification(ctx: ReplyContext, decision: Decision, request: NewUserNotice, applied: Applied | None,
                  policy: MailPolicy, now: datetime) -> list[OutgoingMail]:
    if decision.outcome != Outcome.APPROVED or applied is None or applied.user is None:
        return []  # the sender is Open Exeter's no-reply address; staff see the case
    user = applied.user
    mails = _password(ctx, applied, policy, now,
                      f"Your Open Exeter account at {request.org_code} has been created by your organisation's "
                      "Primary User and authorised by PCSE. Here are your log-in details.")
    if applied.creator is not None:  # at the creator's address on record, never one taken from the notice
        mails.append(notice(ctx, to=applied.creator.email, subject="Open Exeter user authorised",
                            template="user_created", user_name=user.full_name, username=user.username,
                            org_code=request.org_code))
    return mails


@dataclass(frozen=True)
class CaseMail:
    """What a mail writer knows of a decided case. SIGNATORY_ADDRESS is the form's signatory's address on record
    (rules.signatory_proof), or None when they are not on record with one."""

    decision: Decision
    request: Request | None
    applied: Applied | None
    ctx: ReplyContext
    policy: MailPolicy
    now: datetime
    topic: Topic | None = None
    org_name: str = ""
    signatory_address: str | None = None


# A kind's mail writer (the `mails` of its entry in mailbot/processing/kinds.py): the mails its decided case sends,
# or None when it has nothing of its own to say (then a case a person must read is acknowledged, see written).
MailWriter = Callable[[CaseMail], "list[OutgoingMail] | None"]


def primary_user_mails(m: CaseMail) -> list[OutgoingMail] | None:
    if not isinstance(m.request, PrimaryUserRequest):
        return None
    return _primary_user(m.ctx, m.decision, m.request, m.applied, m.policy, m.now, m.org_name, m.signatory_address)


def permission_mails(m: CaseMail) -> list[OutgoingMail] | None:
    if not isinstance(m.request, PermissionRequest):
        return None
    return _permission(m.ctx, m.decision, m.request, m.applied)


def notification_mails(m: CaseMail) -> list[OutgoingMail] | None:
    if not isinstance(m.request, NewUserNotice):
        return []
    return _notification(m.ctx, m.decision, m.request, m.applied, m.policy, m.now)


def guidance_mails(m: CaseMail) -> list[OutgoingMail] | None:
    if m.decision.outcome != Outcome.ANSWERED:
        return None
    return [sender_reply(m.ctx, Kind.GUIDANCE, Outcome.ANSWERED, m.decision.results,
                         topic=m.topic.value if m.topic else "", intro="Here is what our self-service guide says.")]


def no_mails(m: CaseMail) -> list[OutgoingMail] | None:
    # A signatory's answer: mailbot.processing.signatory_confirmation answers the signatory, and writes the
    # confirmed case's mails.
    return []


def follow_up_mails(m: CaseMail) -> list[OutgoingMail] | None:
    if "request.unclear" in m.decision.reasons:
        return None
    return [sender_reply(m.ctx, Kind.FOLLOW_UP, Outcome.FLAGGED, m.decision.results)]


def nothing_of_its_own(m: CaseMail) -> list[OutgoingMail] | None:
    return None


def written(writer: MailWriter, m: CaseMail) -> list[OutgoingMail]:
    """Every mail the case sends, in the order they are queued: none when the decision allows no reply (automatic,
    unauthenticated or ambiguous senders, past the daily limit) or ignores the message; else WRITER's, and when it
    has nothing of its own, an acknowledgement (with the reference) of a case a person must read."""
    if not m.decision.replies_allowed or m.decision.outcome == Outcome.IGNORED:
        return []
    mails = writer(m)
    if mails is not None:
        return mails
    if m.decision.outcome == Outcome.FLAGGED:
        return [sender_reply(m.ctx, Kind.UNCLEAR, Outcome.FLAGGED, m.decision.results)]
    return []
