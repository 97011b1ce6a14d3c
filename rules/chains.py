"""Which checks each kind of message runs, in order, and what happens when they all pass: the whole policy.

A chain is data, after GNU Mailman's chains: read top to bottom it says what PCSE staff would check. Every check
runs and every failure is collected (a rejection names them all), except that a check marked STOP ends the chain
when it fails, because nothing after it can be checked (a duplicate, automatic mail, a message too large to read,
no form or an unreadable one).
"""

from __future__ import annotations

from dataclasses import dataclass

from parsers.vocabulary.kinds import Kind
from parsers.vocabulary.outcomes import Outcome
from rules.check import Check
from rules.checks import accounts, form, message, org_status, organisation, replay, requests, sender, signatory

STOP = True
GO_ON = False


@dataclass(frozen=True)
class Link:
    check: Check
    stop_on_failure: bool = GO_ON


@dataclass(frozen=True)
class Chain:
    links: tuple[Link, ...]
    when_all_pass: Outcome


def _links(*items: Check | tuple[Check, bool]) -> tuple[Link, ...]:
    return tuple(Link(*item) if isinstance(item, tuple) else Link(item) for item in items)


# Every message: seen before? automatic? (The classifier decided that; a message it found automatic has that kind,
# whose chain records message.human as failed.)
_MESSAGE = ((message.not_duplicate, STOP), (message.not_automatic, STOP))
# Then, once the sender is judged (so that a message too large to read is still never answered when its sender is
# unauthenticated or ambiguous: SPEC 4 and 12, no backscatter) and the per-address reply limit is known: readable at
# all? recent?
_SIZE = ((message.within_size, STOP), message.recent)
# Every message that would change accounts (SPEC 17: primary_user_request, permission_request,
# new_user_notification, signatory_confirmation), after its sender is judged: dated, not a replayable copy, and
# sent to this mailbox. Each of those chains includes this group; an Open Exeter notice counts only the signatures
# by the system address's own domain (strict alignment, SPEC 7).
CHANGES_ACCOUNTS = (replay.dated, replay.replay_safe, replay.addressed)
NOTICE_CHANGES_ACCOUNTS = (replay.dated, replay.notice_replay_safe, replay.notice_addressed)

CHAINS: dict[Kind, Chain] = {
    Kind.PRIMARY_USER_REQUEST: Chain(_links(
        *_MESSAGE,
        sender.unambiguous,
        sender.authenticated,
        message.reply_rate,
        *_SIZE,
        sender.nhs_address,
        *CHANGES_ACCOUNTS,
        (form.present, STOP),
        (form.within_form_limit, STOP),
        (form.readable, STOP),
        form.complete,
        form.legible,
        form.signed,
        form.unaltered,
        organisation.known,
        org_status.open_for_requests,
        form.type_matches,
        signatory.form_role_allowed,
        signatory.not_self_authorised,
        accounts.email_secure,
        signatory.form_signatory_verified,
        signatory.form_signatory_proven,  # else `pending`: the signatory on record is asked (SPEC 17)
        organisation.replacement_known,
        organisation.not_already_primary,
        organisation.primary_user_limit,
    ), when_all_pass=Outcome.APPROVED),
    Kind.PERMISSION_REQUEST: Chain(_links(
        *_MESSAGE,
        sender.unambiguous,
        sender.authenticated,
        message.reply_rate,
        *_SIZE,
        # The permission route rests on the sender's address (SPEC 6): it is the sender's to put right.
        sender.nhs_address.leading_to(Outcome.REJECTED),
        *CHANGES_ACCOUNTS,
        (requests.permission_complete, STOP),
        organisation.known,
        org_status.open_for_requests,
        signatory.permission_signatory,
        accounts.user_active,
        accounts.applications_known,
        accounts.not_organisation_maintenance,
    ), when_all_pass=Outcome.APPROVED),
    Kind.NEW_USER_NOTIFICATION: Chain(_links(
        *_MESSAGE,
        sender.unambiguous,
        sender.from_openexeter,
        sender.authenticated,
        *_SIZE,
        sender.system_signature,
        *NOTICE_CHANGES_ACCOUNTS,
        (requests.notice_complete, STOP),
        organisation.known,
        org_status.open_for_requests,
        requests.creator_is_primary,
        accounts.notice_user_new,
        # A notice reports what Open Exeter already did: a person must look at it.
        accounts.email_secure.leading_to(Outcome.FLAGGED),
        accounts.notice_not_organisation_maintenance,
        accounts.applications_known.leading_to(Outcome.FLAGGED),  # staff add a new name to the catalogue, or not
    ), when_all_pass=Outcome.APPROVED),
    Kind.GUIDANCE: Chain(_links(
        *_MESSAGE,
        sender.unambiguous,
        sender.authenticated,
        message.reply_rate,
        *_SIZE,
    ), when_all_pass=Outcome.ANSWERED),
    # The named signatory's answer to our confirmation request. The shell recognises it (authenticated, from exactly
    # the address the request went to, naming a pending case) and, when every check here passes but the answer's
    # own, acts on it: yes re-runs the confirmed case's chain, no and anything else flag it for staff.
    Kind.SIGNATORY_CONFIRMATION: Chain(_links(
        *_MESSAGE,
        sender.unambiguous,
        sender.authenticated,
        message.reply_rate,
        *_SIZE,
        *CHANGES_ACCOUNTS,
        replay.names_case_signed,
        signatory.confirmation_answer,
    ), when_all_pass=Outcome.APPROVED),
    Kind.FOLLOW_UP: Chain(_links(
        *_MESSAGE,
        sender.unambiguous,
        sender.authenticated,
        message.reply_rate,
        *_SIZE,
        requests.follow_up_case,
    ), when_all_pass=Outcome.FLAGGED),  # a person reads every follow-up on its case
    Kind.UNCLEAR: Chain(_links(
        *_MESSAGE,
        sender.unambiguous,
        sender.authenticated,
        message.reply_rate,
        *_SIZE,
        requests.understood,
    ), when_all_pass=Outcome.FLAGGED),
    Kind.AUTOMATIC: Chain(_links((message.not_duplicate, STOP), (message.automatic, STOP)),
                          when_all_pass=Outcome.IGNORED),
}
