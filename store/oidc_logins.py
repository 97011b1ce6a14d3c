"""NHS log-ins on their way: what the web page must remember between sending a browser to the provider and the
provider sending it back (state, nonce, PKCE code verifier, where to go after).

Each is single use (taken once, whatever the outcome), short-lived, and bound to the browser that started it by a
random binding cookie. Only SHA-256 hashes of the state and of the binding are stored, so a copy of the table does
not let anyone complete a log-in. Used rows are kept until they expire, so a replayed state can be told from an
unknown one; older rows are deleted as new log-ins start.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from store.models import OidcLogin

# Rows are kept this long after they expire (for telling a replay from junk), then deleted.
KEEP_AFTER_EXPIRY = timedelta(hours=1)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class PendingLogin:
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_path: str


def begin_login(session: Session, *, state: str, browser: str, login: PendingLogin, now: datetime,
                ttl: timedelta) -> None:
    session.execute(delete(OidcLogin).where(OidcLogin.expires_at < now - KEEP_AFTER_EXPIRY))
    session.add(OidcLogin(state_hash=_hash(state), browser_hash=_hash(browser), nonce=login.nonce,
                          code_verifier=login.code_verifier, redirect_uri=login.redirect_uri,
                          next_path=login.next_path, created_at=now, expires_at=now + ttl))


def take_login(session: Session, *, state: str, browser: str, now: datetime) -> tuple[PendingLogin | None, str]:
    """The log-in STATE started, used up by this call, or None and why: "missing" (no state), "unknown",
    "replayed" (already taken), "expired", "other_browser" (the binding cookie is not the one that started it)."""
    if not state:
        return None, "missing"
    key = _hash(state)
    taken = session.execute(update(OidcLogin).where(OidcLogin.state_hash == key, OidcLogin.used_at.is_(None))
                            .values(used_at=now))
    row = session.scalar(select(OidcLogin).where(OidcLogin.state_hash == key))
    if row is None:
        return None, "unknown"
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None, "replayed"
    if row.expires_at <= now:
        return None, "expired"
    if not browser or _hash(browser) != row.browser_hash:
        return None, "other_browser"
    return PendingLogin(row.nonce, row.code_verifier, row.redirect_uri, row.next_path), ""
