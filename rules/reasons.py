"""The reason codes of SPEC section 3, once, as data.

Staff filter on these strings, replies explain them and tests assert them, so the codes never change spelling.
Each code carries the outcome it leads to by default, a one-line explanation for staff and a plain-English
sentence for the person who wrote in, saying what went wrong and what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsers.vocabulary.outcomes import Outcome


@dataclass(frozen=True)
class Reason:
    code: str
    outcome: Outcome
    staff_text: str
    sender_text: str
    replies: bool = True  # False where the reason itself forbids any reply (forged or automatic senders)


def _r(code: str, outcome: Outcome, staff: str, sender: str, replies: bool = True) -> Reason:
    return Reason(code, outcome, staff, sender, replies)


_ALL: tuple[Reason, ...] = (
    _r("message.duplicate", Outcome.IGNORED,
       "The same message (Message-ID, or content where there is none) was handled before.",
       "We have already received this message.", replies=False),
    _r("message.automatic", Outcome.IGNORED,
       "Automatic mail: an auto-reply, out-of-office, bounce, delivery report or list mail.",
       "This was an automatic message.", replies=False),
    _r("message.too_large", Outcome.FLAGGED,
       "The message is larger than the configured limit and was not read automatically.",
       "Your message was too large to be read automatically; a member of staff will look at it."),
    _r("message.stale", Outcome.FLAGGED,
       "The Date header is too old, or more than a day in the future.",
       "Your message carries a date too far from today to be handled automatically; a member of staff will "
       "look at it."),
    _r("message.replay_unsafe", Outcome.FLAGGED,
       "The signature that vouches for the sender does not cover Message-ID and Date: a copy of an earlier message "
       "could pass as new.",
       "Your message could not be told apart from a copy of an earlier one; a member of staff will look at it."),
    _r("message.not_addressed", Outcome.FLAGGED,
       "The message was not sent to this mailbox (its address, or an alias, is not in To or Cc): it may be "
       "someone else's mail passed on.",
       "Your message was not addressed to this mailbox; a member of staff will look at it."),
    _r("message.unprocessable", Outcome.FLAGGED,
       "The mailbot failed on this message [daemon] max_attempts times (the error is kept on the case). Once the "
       "fault is mended, send it through again; or read it and close it.",
       "Your message could not be handled automatically; a member of staff will look at it.", replies=False),
    _r("message.too_many_forms", Outcome.FLAGGED,
       "More form attachments than [limits] max_forms_per_message; none was read.",
       "Your message carries more forms than we read automatically from one message; a member of staff will "
       "look at it. Please send one form a message in future."),
    _r("sender.ambiguous", Outcome.FLAGGED,
       "The sender cannot be told for certain: not exactly one From header with exactly one address, or a "
       "Sender/From trick.",
       "We could not tell who sent this message.", replies=False),
    _r("sender.not_nhs", Outcome.FLAGGED,
       "The From address is not in one of the NHS domains this mailbox accepts requests from.",
       "Requests must be sent from an NHS email address (for example an nhs.net address). Please send it "
       "again from your NHS mailbox."),
    _r("sender.unauthenticated", Outcome.FLAGGED,
       "No DKIM signature aligned with the From domain passed, and no trusted Authentication-Results said pass.",
       "We could not confirm that this message came from the address it claims.", replies=False),
    _r("form.missing", Outcome.REJECTED,
       "A Primary User request arrived without a request form attached.",
       "No Primary User request form was attached. Please attach the completed, signed form (PDF) and send "
       "it again."),
    _r("form.unreadable", Outcome.FLAGGED,
       "An attachment could not be read: corrupt, password-protected, a scan with no readable form on it, or over "
       "the parser's limits.",
       "We could not read the attached form automatically; a member of staff will look at it."),
    _r("form.incomplete", Outcome.REJECTED,
       "A required field of the form is empty.",
       "Some required fields of the form are empty. Please complete them and send the form again."),
    # Beyond SPEC 3's table: SPEC 9 says a field OCR cannot read with confidence is left empty and named for staff.
    _r("form.uncertain", Outcome.FLAGGED,
       "A scanned or photographed form: OCR could not read some fields with confidence. They were left empty, not "
       "guessed: read them from the page (and correct them) before deciding. Or its signature box has some ink, "
       "less than a clear signature: look at the box and decide whether it is signed.",
       "Your form was scanned or photographed and some of it could not be read automatically; a member of staff "
       "will look at it."),
    _r("form.unsigned", Outcome.REJECTED,
       "The form has no signature at the bottom of page 1.",
       "The form is not signed. An authorised signatory must sign the box at the bottom of page 1; please "
       "send the signed form again."),
    _r("form.type_mismatch", Outcome.REJECTED,
       "A GP practice form was used for a non-GP organisation, or the other way round.",
       "The form used does not match the type of your organisation. Please use the right form (GP practice, "
       "or other organisation) and send it again."),
    _r("form.altered", Outcome.FLAGGED,
       "A digitally signed form was changed after it was signed.",
       "The form was changed after it was digitally signed; a member of staff will look at it."),
    _r("org.unknown", Outcome.FLAGGED,
       "The organisation code is not in the register.",
       "We do not have a record of that organisation code; a member of staff will look at it."),
    # Beyond SPEC 3's table: the register now carries the ODS status of each organisation (issue 16).
    _r("org.closed", Outcome.FLAGGED,
       "The organisation is closed or dormant in the register (ODS): it cannot simply be given new access. Check "
       "whether it has re-opened or merged into another before deciding.",
       "Our register shows that organisation as closed or no longer active; a member of staff will look at it."),
    _r("org.proposed", Outcome.FLAGGED,
       "The organisation is only proposed in the register (ODS): it has not opened yet. Confirm its open date "
       "before deciding.",
       "Our register shows that organisation as not yet open; a member of staff will look at it."),
    _r("org.primary_user_limit", Outcome.REJECTED,
       "The organisation would have more than two active Primary Users and the form names none to replace.",
       "Your organisation already has two Primary Users, which is the most allowed. To appoint a new one, "
       "send the form again as a replacement, naming the Primary User to replace."),
    _r("signatory.role_not_allowed", Outcome.REJECTED,
       "The signatory's role is not one allowed to sign this request for this type of organisation.",
       "The person who signed does not hold a role allowed to authorise this request."),
    _r("signatory.self_authorised", Outcome.REJECTED,
       "The signatory is the person being appointed.",
       "A person cannot authorise their own request. Please ask another authorised signatory to sign."),
    _r("signatory.unverified", Outcome.FLAGGED,
       "The role is allowed, but the person is not on record in that role for that organisation, or is on record "
       "with no email address (a name alone proves nothing): verify them by phone.",
       "We need to confirm the signatory's role; a member of staff will look at it."),
    _r("signatory.confirmation_requested", Outcome.PENDING,
       "The signatory is on record with an email address but did not send the message: while the case is pending, "
       "a confirmation request waits at their address on record (a case rejected or flagged for another reason "
       "asks nobody).",
       "The form was not sent from the signatory's own email address, so we have asked the signatory to confirm "
       "it, writing to the address we hold for them. We will reply once they have answered."),
    _r("signatory.declined", Outcome.FLAGGED,
       "The signatory answered that they did not sign or do not agree (possible fraud: look into it).",
       "The signatory named on the form told us that they did not authorise this request, so it has not gone "
       "ahead. A member of staff will look at it."),
    _r("signatory.unconfirmed", Outcome.FLAGGED,
       "The signatory did not answer the confirmation request in time, one reminder having been sent.",
       "The signatory named on the form has not confirmed the request in time, so it has not gone ahead. A "
       "member of staff will look at it."),
    _r("user.unknown", Outcome.REJECTED,
       "The user to change is not an active user of that organisation.",
       "We could not find that user among the active users of your organisation. Please check the username "
       "or email address and send the request again."),
    _r("user.email_not_nhs", Outcome.REJECTED,
       "The new or nominated user's address is not in a secure domain.",
       "Open Exeter accounts need a secure NHS email address (for example nhs.net). Please give a secure "
       "address and send the request again."),
    _r("user.already_primary", Outcome.APPROVED,
       "The nominee is already a Primary User; nothing needed changing.",
       "The person named is already a Primary User of your organisation, so nothing needed to change."),
    _r("permission.unknown", Outcome.REJECTED,
       "An application name is not in the catalogue.",
       "One or more application names were not recognised."),
    _r("permission.primary_user_only", Outcome.REJECTED,
       "A permission request names Organisation Maintenance, the Primary User's application: it comes only with the "
       "Primary User request form (signatory proof, at most two Primary Users), so nothing in the request is granted.",
       "Organisation Maintenance is given only to Primary Users, who are appointed with the Primary User request "
       "form, not by a permission request; so nothing in this request has been granted."),
    _r("notification.creator_not_primary", Outcome.FLAGGED,
       "The Open Exeter notice names a creator who is not an active Primary User of that organisation.",
       "The person who created this user is not a Primary User of the organisation; a member of staff will "
       "look at it."),
    _r("notification.user_exists", Outcome.FLAGGED,
       "The Open Exeter notice names a username or address that already belongs to a user: a notice never "
       "changes an existing user.",
       "The user named already exists; a member of staff will look at it."),
    _r("notification.primary_user_only", Outcome.FLAGGED,
       "The Open Exeter notice gives the new user Organisation Maintenance, the Primary User's application: that would "
       "make a Primary User without the form, its signatory proof or the two-Primary-User limit.",
       "The new user was given Organisation Maintenance, which only Primary Users hold; a member of staff will look "
       "at it."),
    _r("request.unclear", Outcome.FLAGGED,
       "What is asked cannot be determined.",
       "We could not tell what your message asks for; a member of staff will read it."),
    _r("reply.undeliverable", Outcome.FLAGGED,
       "The mail server refused our reply permanently (5xx).",
       "Our reply could not be delivered.", replies=False),
    _r("reply.rate_limited", Outcome.FLAGGED,
       "More automatic replies to this address today than the configured limit.",
       "We have sent this address many replies today; a member of staff will look at this message.",
       replies=False),
)

REASONS: dict[str, Reason] = {r.code: r for r in _ALL}
CODES: frozenset[str] = frozenset(REASONS)


def reason(code: str) -> Reason:
    """The reason for a code; an unknown code is a programming error, so it raises KeyError."""
    return REASONS[code]
