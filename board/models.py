"""The board's data: member firms, their users, the competence taxonomy and the audit trail."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from board.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is expected")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def str_enum(enum: type[StrEnum], name: str) -> sa.Enum:
    """Store a StrEnum by value in a VARCHAR guarded by a CHECK constraint."""
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class MemberStatus(StrEnum):
    APPLICANT = "applicant"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class NotifyMode(StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    OFF = "off"


member_competences = sa.Table(
    "member_competences",
    db.metadata,
    sa.Column("member_id", sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "competence_id",
        sa.ForeignKey("competences.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Competence(db.Model):
    __tablename__ = "competences"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    area: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Competence {self.slug}>"


class Member(db.Model):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="")
    status: Mapped[MemberStatus] = mapped_column(
        str_enum(MemberStatus, "member_status"), default=MemberStatus.ACTIVE, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    competences: Mapped[list[Competence]] = relationship(
        secondary=member_competences, order_by=Competence.position
    )
    users: Mapped[list[User]] = relationship(back_populates="member", order_by="User.name")

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Member {self.slug}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.Index("uq_users_email_lower", sa.func.lower(sa.column("email")), unique=True),
        sa.CheckConstraint("is_staff OR member_id IS NOT NULL", name="staff_or_member"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"), index=True)
    is_staff: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(sa.String(10), default="en")
    notify: Mapped[NotifyMode] = mapped_column(
        str_enum(NotifyMode, "notify_mode"), default=NotifyMode.INSTANT
    )
    active: Mapped[bool] = mapped_column(default=True)
    # Flask-Login's alternative id: replacing it ends every session and remember cookie.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member | None] = relationship(back_populates="users")

    @validates("email")
    def _normalise_email(self, key: str, value: str) -> str:
        return value.strip().lower()

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        """Whether this user may be signed in: enabled, registered, and of an active firm."""
        if not self.active or self.password_hash is None:
            return False
        return self.is_staff or (self.member is not None and self.member.is_active)

    @property
    def has_accepted_invitation(self) -> bool:
        return self.password_hash is not None

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def rotate_session_token(self) -> None:
        """End every session and remember cookie of this user."""
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.target_type}:{self.target_id}>"
