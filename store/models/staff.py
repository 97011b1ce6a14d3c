"""PCSE staff on the review web page: accounts, sessions, log-in throttles and NHS log-ins on their way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base


class StaffMember(Base):
    """A member of PCSE staff who may use the review web page. Only an argon2id hash of the password is kept."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # NHS log-in (OpenID Connect): the NHS email address staff administrators linked to this account, and the
    # provider's subject for it, recorded at the first NHS log-in; after that only that subject may use the link.
    nhs_email: Mapped[str | None] = mapped_column(String(320), unique=True)
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    # A staff administrator may unlock, reset and disable other accounts on the web (mailbot/review/web/staff_admin.py).
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set when an administrator resets the password: the one-time password only lets them choose a new one.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class LoginThrottle(Base):
    """Failed web log-ins from one client address (`account` "") or from one address for one name typed (the
    name lower-cased, known or not): how many in a row, and until when log-ins from there are paused.

    Counted in the store so every web process on it shares the count; see store/login_throttle.py."""

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("client", "account"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(200), index=True)
    failures: Mapped[int] = mapped_column(Integer)
    paused_until: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime] = mapped_column(index=True)


class StaffSession(Base):
    """A logged-in browser. The cookie holds a random token; only its SHA-256 is stored, so a copy of the
    database does not let anyone log in."""

    __tablename__ = "staff_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    flash: Mapped[str | None] = mapped_column(Text)  # JSON {"kind", "text"}: shown once after an action

    staff: Mapped[StaffMember] = relationship()




class OidcLogin(Base):
    """An NHS log-in on its way (between the redirect to the provider and its callback): single use, short-lived,
    bound to the browser that started it. Only hashes of the state and of the browser's binding cookie are kept."""

    __tablename__ = "oidc_logins"
    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    next_path: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
