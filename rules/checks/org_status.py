"""The organisation is open: a closed, dormant or only proposed organisation cannot simply be given new access.

The status comes from the register (the NHS Organisation Data Service extracts, `mailbot import ods`). Closed and
dormant organisations have no business asking for new accounts or applications, so the request goes to a person:
most often it is a stale form or a practice that merged, sometimes it is fraud. A proposed organisation may
legitimately be setting up access before it opens, but nothing in the message proves that it is about to open: a
person confirms the open date. None of these is a rejection: the register may lag behind the world (a practice
re-opened, an extract from before a merger), and only a person can tell.
"""

from __future__ import annotations

from parsers.vocabulary.org_status import OrgStatus
from rules.check import Verdict, check, failed, passed, skipped
from rules.context import CheckContext

NOT_OPEN = {
    OrgStatus.CLOSED: "org.closed",
    OrgStatus.DORMANT: "org.closed",
    OrgStatus.PROPOSED: "org.proposed",
}


@check("org.open", "The organisation is open (not closed, dormant or only proposed) in the register.")
def open_for_requests(ctx: CheckContext) -> Verdict:
    org = ctx.register.org
    if org is None:
        return skipped("The organisation is not known.")
    code = NOT_OPEN.get(org.status)
    if code is None:
        return passed(f"{org.code} is {org.status.value} in the register.")
    return failed(code, f"{org.code} ({org.name}) is {org.status.value} in the register: it cannot simply be "
                        f"given new access. Check whether it has re-opened, merged or is about to open.",
                  org_code=org.code, status=org.status.value)
