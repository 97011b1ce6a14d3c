"""Temporary passwords (SPEC 8): made at send time from a CSPRNG, stored only as an argon2id hash with an expiry
and must-change, and put only into the bytes handed to the mail server. Never logged, never in the outbox row."""

from __future__ import annotations

import secrets
import string
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from store.models import User

# Where the outbox sender puts the temporary password it makes at send time; never filled in before. Here, not
# beside the templates that write it (mailbot.outbox.replies): the sender alone, in a process of its own ([daemon]
# sender_process), then needs neither jinja2 nor the rules.
PASSWORD_SLOT = "[[temporary-password]]"  # noqa: S105 - a placeholder, not a password
LENGTH = 16  # 16 characters from 56 symbols: about 93 bits
# Letters and digits a person can read back without confusing them (no 0/O, 1/l/I).
ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def new_password() -> str:
    """A random password with at least one upper-case letter, one lower-case letter and one digit."""
    while True:
        password = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if (any(c.isupper() for c in password) and any(c.islower() for c in password)
                and any(c.isdigit() for c in password)):
            return password


def set_temporary_password(session: Session, user_id: int, *, now: datetime, days: int) -> str:
    """Give the user a fresh temporary password (hash, expiry, must change) and return it, to be mailed once."""
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} no longer exists")
    password = new_password()
    user.temp_password_hash = _hasher.hash(password)
    user.temp_password_expires_at = now + timedelta(days=days)
    user.must_change_password = True
    user.updated_at = now
    return password


def verify(hash_: str, password: str) -> bool:
    try:
        return _hasher.verify(hash_, password)
    except Exception:  # noqa: BLE001 - any mismatch or malformed hash is simply "no"
        return False
