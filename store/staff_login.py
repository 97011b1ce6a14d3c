"""A password log-in to the web page, in three steps so that argon2 never runs inside a transaction and never runs
for an attempt the throttle refuses (store/login_throttle.py):

1. count the attempt against the client address (refused at once while paused) and read the stored hash;
2. verify the password against it (a hash of a random password when the name is unknown, so every name costs
   one argon2 verify, no more, no less);
3. on a right password forget the counts and start a session; on a wrong one audit the first pause of a real
   account's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from store import audit
from store import staff as staff_store
from store.db import transaction
from store.login_throttle import ThrottlePolicy, claim_attempt, forget_after_success


@dataclass(frozen=True)
class LoginResult:
    """What came of an attempt: a session `token` (with the member's `name`); or `paused_until` (refused unheard);
    or `disabled` (the right password for a disabled account); or nothing (a wrong name or password)."""

    token: str | None = None
    name: str = ""
    paused_until: datetime | None = None
    disabled: bool = False
    must_change_password: bool = False


def password_log_in(sessions: sessionmaker[Session], *, client: str, name: str, password: str, now: datetime,
                    policy: ThrottlePolicy) -> LoginResult:
    with transaction(sessions) as session:
        claim = claim_attempt(session, client=client, name=name, now=now, policy=policy)
        if claim.paused_until is not None:
            return LoginResult(paused_until=claim.paused_until)
        member = staff_store.staff_by_name(session, name)
        member_id, stored = (member.id, member.password_hash) if member is not None else (None, None)
    right = staff_store.verify_password(stored or staff_store.dummy_hash(), password) and member_id is not None
    with transaction(sessions) as session:
        member = session.get(staff_store.StaffMember, member_id) if member_id is not None else None
        if member is None or not right or member.password_hash != stored:
            if member is not None and claim.failures == policy.free_failures:
                pause = policy.pause_after(claim.failures)
                audit.record(session, at=now, actor="mailbot", action="staff.locked", staff=member.name,
                             client=client, until=(now + pause).isoformat() if pause else None)
            return LoginResult()
        forget_after_success(session, client=client, name=name)
        if member.disabled:
            return LoginResult(disabled=True)
        if staff_store.HASHER.check_needs_rehash(member.password_hash):
            member.password_hash = staff_store.HASHER.hash(password)
        member.last_login_at, member.updated_at = now, now
        audit.record(session, at=now, actor=member.name, action="staff.login", staff=member.name, client=client)
        token = staff_store.start_session(session, member, now=now)
        return LoginResult(token=token, name=member.name, must_change_password=member.must_change_password)
