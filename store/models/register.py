"""The register PCSE keeps: organisations, users and their application grants, the catalogue of applications,
the signatory register."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models.base import Base

user_applications = Table(
    "user_applications",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("application_id", ForeignKey("applications.id", ondelete="RESTRICT"), primary_key=True),
)


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))  # parsers.vocabulary.roles.OrgType
    # parsers.vocabulary.org_status.OrgStatus: active / closed / dormant / proposed (from the ODS extracts)
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    users: Mapped[list[User]] = relationship(back_populates="organisation", order_by="User.username")
    signatories: Mapped[list[Signatory]] = relationship(back_populates="organisation", order_by="Signatory.id")


class Application(Base):
    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)  # stored lower-case
    status: Mapped[str] = mapped_column(String(16))  # active / pending / disabled
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    # Only a slow salted hash (argon2id) is kept; the password itself exists only while its email is sent.
    temp_password_hash: Mapped[str | None] = mapped_column(String(255))
    temp_password_expires_at: Mapped[datetime | None]
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")  # on record; "" when not known
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    organisation: Mapped[Organisation] = relationship(back_populates="users")
    applications: Mapped[list[Application]] = relationship(
        secondary=user_applications, order_by="Application.name"
    )


class Signatory(Base):
    __tablename__ = "signatories"
    __table_args__ = (UniqueConstraint("organisation_id", "role", "email", "full_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")  # lower-case; "" when not known
    role: Mapped[str] = mapped_column(String(40))  # parsers.vocabulary.roles.Role
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")  # on record; "" when not known
    verified_how: Mapped[str] = mapped_column(String(300))  # e.g. "import signatories.csv", "review OE-... by X"
    verified_at: Mapped[datetime]

    organisation: Mapped[Organisation] = relationship(back_populates="signatories")
