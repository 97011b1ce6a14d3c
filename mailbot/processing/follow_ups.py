"""Which case a message quoting a case reference goes with, and whether it may put that case back in the queue
(SPEC 13; the rule itself is rules.follow_ups). Read inside the recording transaction.

A message that answers one of our messages is looked at in this order: (a signatory's answer to a pending case
is taken up before this, as its confirmation), then here: an authenticated follow-up from the case's sender,
signatory or nominee goes on the case and reopens it; anything else quoting the reference is a case of its own,
linked to the case so staff see it there.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from mailbot.processing.stored_case import stored_request
from mailbot.processing.understanding import Understanding
from rules.follow_ups import CaseParties, relation_to_case
from rules.register import OrgRecord
from rules.requests import NewUserNotice, PermissionRequest, PrimaryUserRequest, Request
from store.cases import case_by_reference
from store.models import Case
from store.register import org_record, organisation


@dataclass(frozen=True)
class FollowUpLink:
    case: Case | None  # the case the message names, when there is one
    relation: str = ""  # "sender", "signatory" or "nominee": who of the case's people sent it; "" for anyone else

    @property
    def reopens(self) -> bool:
        """The message goes on the case and puts it back in the queue."""
        return self.case is not None and bool(self.relation)


NO_LINK = FollowUpLink(None)


def link_follow_up(session: Session, u: Understanding) -> FollowUpLink:
    """The case U names (by In-Reply-To/References to our messages, or a reference in the subject), and who of its
    people sent U."""
    if not u.follow_up_reference:
        return NO_LINK
    case = case_by_reference(session, u.follow_up_reference)
    if case is None:
        return NO_LINK
    return FollowUpLink(case, relation_to_case(u.sender, case_parties(session, case)))


def case_parties(session: Session, case: Case) -> CaseParties:
    """The case's sender (as recorded), its signatory at the address on record, and its nominee."""
    request = stored_request(case)
    org = organisation(session, case.org_code) if case.org_code else None
    record = org_record(org) if org is not None else None
    return CaseParties(sender=(case.sender or "").lower(), signatories=_signatories(request, record),
                       nominees=_nominees(request, record))


def _signatories(request: Request | None, org: OrgRecord | None) -> frozenset[str]:
    """The signatory the request names, only at an address the register holds for that organisation."""
    if org is None:
        return frozenset()
    named = ""
    if isinstance(request, PrimaryUserRequest):
        named = request.sig_email
    elif isinstance(request, NewUserNotice):
        named = request.created_by
    named = named.strip().lower()
    on_record = {s.email for s in org.signatories if s.email} | {u.email for u in org.active_primary_users}
    return frozenset({named} & on_record)


def _nominees(request: Request | None, org: OrgRecord | None) -> frozenset[str]:
    """The person the request is for: the form's nominee, the user given permissions (at their address on
    record), the notice's new user."""
    if isinstance(request, PrimaryUserRequest):
        found = request.pu_email
    elif isinstance(request, NewUserNotice):
        found = request.email
    elif isinstance(request, PermissionRequest) and org is not None:
        user = org.user(request.user)
        found = user.email if user is not None else ""
    else:
        found = ""
    found = found.strip().lower()
    return frozenset({found}) if "@" in found else frozenset()
