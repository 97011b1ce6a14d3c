"""Failed web log-ins counted per client address, with a pause that doubles with each further failure.

Two counts are kept in the store (so every web process on it shares them): one per client address, whatever
name was typed, and one per (client address, name typed). Each attempt is counted *before* its password is
checked, inside a transaction that holds the rows' locks, and a success wipes both counts; so parallel attempts
from one address cannot slip past the limit, and an attempt refused for a pause never reaches argon2.

Nothing here is per account alone: failures from one address never pause log-ins from another, so nobody can keep
a known member of staff out by failing on their name. The per-(address, name) count keeps an address paused for
a name even when whoever is there logs in successfully as someone else in between (which wipes the address's own
count). Names are counted whether or not they exist, so a pause says nothing about which names are real.

IPv6 addresses count by their /64 network: one home or server has a whole /64 to rotate through.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, tuple_
from sqlalchemy.orm import Session

from store.models import LoginThrottle
from store.upsert import insert_for

ANY_NAME = ""  # the `account` of an address's own count


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 5  # failures in a row from an address before it is paused
    first_pause: timedelta = timedelta(seconds=30)
    longest_pause: timedelta = timedelta(minutes=15)
    forget_after: timedelta = timedelta(days=1)  # a count with no attempt for this long starts again at nought

    def pause_after(self, failures: int) -> timedelta | None:
        """The pause after FAILURES failures in a row: none before free_failures, then first_pause, doubling."""
        if failures < self.free_failures:
            return None
        doublings = min(failures - self.free_failures, 30)
        return min(self.first_pause * (2 ** doublings), self.longest_pause)


def client_key(host: str) -> str:
    """What failures are counted against: the IPv4 address, the IPv6 /64, or (not an address at all) the text."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def account_key(name: str) -> str:
    return name.strip().casefold()[:200]


@dataclass(frozen=True)
class Claim:
    """An attempt as counted: refused until `paused_until`, or allowed as the `failures`th in a row for the name
    from that address (`failures` counts this attempt)."""

    paused_until: datetime | None
    failures: int = 0


def claim_attempt(session: Session, *, client: str, name: str, now: datetime, policy: ThrottlePolicy) -> Claim:
    """Count an attempt from CLIENT at NAME, or refuse it while either count is paused (counting nothing)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.last_attempt_at < now - policy.forget_after))
    keys = [(client, ANY_NAME), (client, account_key(name))]
    session.execute(insert_for(session, LoginThrottle.__table__)
                    .values([{"client": c, "account": a, "failures": 0, "last_attempt_at": now} for c, a in keys])
                    .on_conflict_do_nothing(index_elements=["client", "account"]))
    rows = session.scalars(select(LoginThrottle).where(tuple_(LoginThrottle.client, LoginThrottle.account)
                                                       .in_(keys)).with_for_update()).all()
    paused = [row.paused_until for row in rows if row.paused_until is not None and row.paused_until > now]
    if paused:
        return Claim(max(paused))
    pair_failures = 0
    for row in rows:
        row.failures += 1
        row.last_attempt_at = now
        pause = policy.pause_after(row.failures)
        row.paused_until = now + pause if pause is not None else None
        if row.account != ANY_NAME:
            pair_failures = row.failures
    return Claim(None, pair_failures)


def forget_after_success(session: Session, *, client: str, name: str) -> None:
    """A right password from CLIENT for NAME: both counts start again."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.client == client,
                                                LoginThrottle.account.in_([ANY_NAME, account_key(name)])))


@dataclass(frozen=True)
class Pause:
    client: str
    until: datetime


def pauses_for(session: Session, name: str, *, now: datetime) -> list[Pause]:
    """Where log-ins as NAME are paused now: by the count for NAME, or by the address's own count."""
    clients = select(LoginThrottle.client).where(LoginThrottle.account == account_key(name)).scalar_subquery()
    rows = session.scalars(select(LoginThrottle).where(
        LoginThrottle.paused_until > now, LoginThrottle.client.in_(clients),
        or_(LoginThrottle.account == account_key(name), LoginThrottle.account == ANY_NAME))).all()
    latest: dict[str, datetime] = {}
    for row in rows:
        if row.paused_until is not None and row.paused_until > latest.get(row.client, now):
            latest[row.client] = row.paused_until
    return [Pause(client, until) for client, until in sorted(latest.items())]


def lift_for(session: Session, name: str) -> list[str]:
    """Forget every count that stops NAME logging in (an administrator vouched for them): the counts for NAME and
    the own counts of the addresses that tried it. Returns those addresses."""
    clients = list(session.scalars(select(LoginThrottle.client).where(LoginThrottle.account == account_key(name))))
    session.execute(delete(LoginThrottle).where(or_(
        LoginThrottle.account == account_key(name),
        LoginThrottle.client.in_(clients) & (LoginThrottle.account == ANY_NAME))))
    return sorted(set(clients))
