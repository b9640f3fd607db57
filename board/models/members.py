"""Member firms, their users, the competence taxonomy and applications to join."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from board.extensions import db
from board.models.base import (
    Labelled,
    UTCDateTime,
    firm_name,
    name_key,
    new_session_token,
    str_enum,
    utcnow,
)


class MemberStatus(Labelled):
    APPLICANT = "applicant", _l("applicant")
    ACTIVE = "active", _l("active")
    SUSPENDED = "suspended", _l("suspended")


class NotifyMode(StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    OFF = "off"


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


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


# A user's personal filter: when set, only needs with one of these competences reach them.
user_competences = sa.Table(
    "user_competences",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "competence_id", sa.ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True
    ),
)


application_competences = sa.Table(
    "application_competences",
    db.metadata,
    sa.Column(
        "application_id", sa.ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "competence_id", sa.ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Competence(db.Model):
    __tablename__ = "competences"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    area: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)
    # A retired competence stays on old records but is no longer offered in forms.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        return f"<Competence {self.slug}>"


class Member(db.Model):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    # Set from the name: the database itself refuses two firms whose names differ only in
    # case, spacing, invisible characters or compatibility forms (SQLite's lower() folds
    # ASCII only, so it cannot be a SQL expression).
    name_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(200), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    # A public contact phone, shown to the other side of an award.
    phone: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="")
    status: Mapped[MemberStatus] = mapped_column(
        str_enum(MemberStatus, "member_status"), default=MemberStatus.ACTIVE, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A firm that left the cluster and was erased: its name is a pseudonym, its people are
    # gone, and what other firms keep of their dealings with it (awards) still points here.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    competences: Mapped[list[Competence]] = relationship(
        secondary=member_competences, order_by=Competence.position
    )
    users: Mapped[list[User]] = relationship(back_populates="member", order_by="User.name")

    @validates("name")
    def _keep_name_key(self, key: str, value: str) -> str:
        self.name_key = name_key(value)
        return firm_name(value)

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.ACTIVE

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

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
    # Staff only: an e-mail when a need or a membership application waits for review.
    notify_reviews: Mapped[bool] = mapped_column(default=True)
    # Shown only to the other side of an award the user posted or offered on.
    phone: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    # Flask-Login's alternative id: replacing it ends every session and remember cookie.
    session_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member | None] = relationship(back_populates="users")
    competences: Mapped[list[Competence]] = relationship(
        secondary=user_competences, order_by="Competence.position"
    )

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


class Application(db.Model):
    """A firm asking to join the cluster's board, waiting for staff."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_name: Mapped[str] = mapped_column(sa.String(200))
    member_key: Mapped[str] = mapped_column(sa.String(200), index=True)
    contact_name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    # The language the applicant read the form in: staff's answer is written in it.
    locale: Mapped[str] = mapped_column(sa.String(10), default="en", server_default="en")
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "application_status"),
        default=ApplicationStatus.PENDING,
        index=True,
    )
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id", ondelete="SET NULL"))

    competences: Mapped[list[Competence]] = relationship(
        secondary=application_competences, order_by=Competence.position
    )
    decided_by: Mapped[User | None] = relationship()
    member: Mapped[Member | None] = relationship()

    @validates("email")
    def _normalise_email(self, key: str, value: str) -> str:
        return value.strip().lower()

    @validates("member_name")
    def _keep_member_key(self, key: str, value: str) -> str:
        self.member_key = name_key(value)
        return firm_name(value)

    def __repr__(self) -> str:
        return f"<Application {self.member_name} {self.status}>"
