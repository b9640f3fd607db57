"""The board's data: member firms, their users, the competence taxonomy and the audit trail."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from board.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


def firm_name(name: str) -> str:
    """A firm's name as stored: invisible format characters (Unicode category Cf: zero-width
    spaces, soft hyphens, direction marks, byte order marks) removed, spaces collapsed."""
    visible = "".join(char for char in name if unicodedata.category(char) != "Cf")
    return " ".join(visible.split())


def has_control_characters(text: str) -> bool:
    """Whether `text` holds a control character (Unicode category Cc: escape, bell, …)."""
    return any(unicodedata.category(char) == "Cc" for char in text)


def name_key(name: str) -> str:
    """A firm's name as compared for sameness: the visible name in Unicode's compatibility
    form (NFKC: full-width "Ｏ" = "O", "ﬁ" = "fi"), case folded (Ł = ł), spaces collapsed."""
    folded = unicodedata.normalize("NFKC", firm_name(name)).casefold()
    # Folding can leave a string that is not in NFKC, and NFKC can make spaces.
    return " ".join(unicodedata.normalize("NFKC", folded).split())


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


# The currencies a budget or a price may be in.
CURRENCIES = ("EUR", "PLN", "RON", "USD", "GBP", "CHF", "CZK", "HUF", "BGN", "SEK", "DKK", "NOK")


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


class Money(sa.TypeDecorator[Decimal]):
    """An amount with two decimals, stored exactly as an integer number of hundredths."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: sa.Dialect) -> int | None:
        return None if value is None else int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value: int | None, dialect: sa.Dialect) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(Decimal("0.01"))


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


class Labelled(StrEnum):
    """A StrEnum whose members carry the words people read for them (`member.label`),
    translated into the reader's language when shown."""

    label: LazyString

    def __new__(cls, value: str, label: LazyString) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class MemberStatus(Labelled):
    APPLICANT = "applicant", _l("applicant")
    ACTIVE = "active", _l("active")
    SUSPENDED = "suspended", _l("suspended")


class NotifyMode(StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    OFF = "off"


class NeedStatus(Labelled):
    DRAFT = "draft", _l("draft")
    PENDING = "pending", _l("waiting for review")
    CHANGES_REQUESTED = "changes_requested", _l("changes requested")
    OPEN = "open", _l("open")
    CLOSED = "closed", _l("awarded")
    REJECTED = "rejected", _l("rejected")
    CANCELLED = "cancelled", _l("cancelled")
    EXPIRED = "expired", _l("expired")
    HIDDEN = "hidden", _l("hidden by staff")


# A need its firm may still change, and needs every active member may read.
NEED_EDITABLE = (NeedStatus.DRAFT, NeedStatus.CHANGES_REQUESTED, NeedStatus.REJECTED)
NEED_PUBLISHED = (NeedStatus.OPEN, NeedStatus.CLOSED, NeedStatus.EXPIRED)
NEED_CANCELLABLE = (*NEED_EDITABLE, NeedStatus.PENDING, NeedStatus.OPEN)


class WorkMode(Labelled):
    REMOTE = "remote", _l("Remote")
    HYBRID = "hybrid", _l("Hybrid")
    ONSITE = "onsite", _l("On site")


class OfferStatus(Labelled):
    SUBMITTED = "submitted", _l("sent")
    SHORTLISTED = "shortlisted", _l("shortlisted")
    ACCEPTED = "accepted", _l("accepted")
    DECLINED = "declined", _l("declined")
    WITHDRAWN = "withdrawn", _l("withdrawn")


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ReportReason(Labelled):
    SPAM = "spam", _l("Spam or advertising")
    MISLEADING = "misleading", _l("Misleading or false")
    INAPPROPRIATE = "inappropriate", _l("Offensive or inappropriate")
    CONFIDENTIAL = "confidential", _l("Reveals confidential information")
    DUPLICATE = "duplicate", _l("Duplicate")
    OTHER = "other", _l("Something else")


class ReportStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class NotificationStatus(Labelled):
    PENDING = "pending", _l("Waiting")
    SENDING = "sending", _l("Being sent")
    SENT = "sent", _l("Sent")
    FAILED = "failed", _l("Failed")
    SUPPRESSED = "suppressed", _l("Not sent: address refused")


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


need_competences = sa.Table(
    "need_competences",
    db.metadata,
    sa.Column("need_id", sa.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "competence_id", sa.ForeignKey("competences.id", ondelete="CASCADE"), primary_key=True
    ),
    # The board's competence filter and matching go from a competence to its needs.
    sa.Index("ix_need_competences_competence_id_need_id", "competence_id", "need_id"),
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
    country: Mapped[str] = mapped_column(sa.String(2), default="")
    status: Mapped[MemberStatus] = mapped_column(
        str_enum(MemberStatus, "member_status"), default=MemberStatus.ACTIVE, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

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


class Need(db.Model):
    """What a member firm needs: posted as a draft, reviewed by staff, open to offers."""

    __tablename__ = "needs"
    __table_args__ = (
        sa.CheckConstraint(
            "budget_min IS NULL OR budget_max IS NULL OR budget_min <= budget_max",
            name="budget_range",
        ),
        sa.Index("ix_needs_status_published_at", "status", "published_at"),
        # The board: one status, newest first (board_statement's order), read page by page.
        sa.Index(
            "ix_needs_status_listed",
            "status",
            sa.func.coalesce(sa.column("published_at"), sa.column("created_at")),
            "id",
        ),
        # The board's count: needs of one status by firm, read from the index alone.
        sa.Index("ix_needs_status_member_id", "status", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    # Rendered and sanitised once, when the description is saved.
    description_html: Mapped[str] = mapped_column(sa.Text)
    budget_min: Mapped[Decimal | None] = mapped_column(Money)
    budget_max: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    offer_deadline: Mapped[date]
    # The end of the deadline day in the cluster's time zone, as a UTC instant.
    offers_close_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    expected_start: Mapped[date | None]
    duration: Mapped[str] = mapped_column(sa.String(100), default="")
    work_mode: Mapped[WorkMode] = mapped_column(
        str_enum(WorkMode, "work_mode"), default=WorkMode.REMOTE
    )
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    work_language: Mapped[str] = mapped_column(sa.String(10), default="en")
    status: Mapped[NeedStatus] = mapped_column(
        str_enum(NeedStatus, "need_status"), default=NeedStatus.DRAFT, index=True
    )
    # The reason staff gave for the latest rejection, change request or hiding.
    moderation_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the worker turned the need's matches into e-mails; NULL on an open need means
    # the fan-out has not run yet, and the sweep starts it again.
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    award_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()
    author: Mapped[User | None] = relationship()
    competences: Mapped[list[Competence]] = relationship(
        secondary=need_competences, order_by=Competence.position
    )
    offers: Mapped[list[Offer]] = relationship(back_populates="need", order_by="Offer.created_at")

    def accepts_offers(self, now: datetime | None = None) -> bool:
        """Open, and its offer deadline has not passed: derived, so no job has to run."""
        return self.status == NeedStatus.OPEN and (now or utcnow()) < self.offers_close_at

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.status}>"


class Offer(db.Model):
    """A supplier firm's confidential answer to a need; one per (need, firm)."""

    __tablename__ = "offers"
    __table_args__ = (sa.UniqueConstraint("need_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(sa.Text)
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    available_from: Mapped[date]
    reference: Mapped[str] = mapped_column(sa.String(100), default="")
    status: Mapped[OfferStatus] = mapped_column(
        str_enum(OfferStatus, "offer_status"), default=OfferStatus.SUBMITTED, index=True
    )
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff may hide an offer (it stays, but the requester no longer sees it).
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(sa.Text, default="")

    need: Mapped[Need] = relationship(back_populates="offers")
    member: Mapped[Member] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def is_live(self) -> bool:
        """Still in the running: neither withdrawn, decided against, nor hidden by staff."""
        return self.hidden_at is None and self.status in (
            OfferStatus.SUBMITTED,
            OfferStatus.SHORTLISTED,
        )

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.status}>"


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


class Report(db.Model):
    """A member's report of a need or an offer that staff should look at."""

    __tablename__ = "reports"
    __table_args__ = (
        sa.CheckConstraint("(need_id IS NULL) <> (offer_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    need_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[ReportReason] = mapped_column(str_enum(ReportReason, "report_reason"))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"), default=ReportStatus.OPEN, index=True
    )
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    need: Mapped[Need | None] = relationship()
    offer: Mapped[Offer | None] = relationship()

    def __repr__(self) -> str:
        return f"<Report {self.reason} {self.status}>"


class NeedMatch(db.Model):
    """A member firm that matched a need when it opened, and why: a snapshot, never recomputed."""

    __tablename__ = "need_matches"

    need_id: Mapped[int] = mapped_column(
        sa.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # Share of the need's competences the firm covers, 0 < score <= 1.
    score: Mapped[float]
    # The ids of the need's competences the firm has.
    competence_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    need: Mapped[Need] = relationship()
    member: Mapped[Member] = relationship()


class Notification(db.Model):
    """One e-mail to one person: the outbox row that makes it sent exactly once.

    `key` names what the e-mail is about (`need_match:need:12`, `offer_received:event:40`,
    `digest:2026-11-23`); a person gets at most one row per key. The person is a user, or,
    for someone who is not one (a firm that applied, an address asking for a password reset),
    an address and a language.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        # Key first: the sweep and the fan-out look rows up by key.
        sa.UniqueConstraint("key", "user_id"),
        sa.UniqueConstraint("key", "email"),
        sa.CheckConstraint("user_id IS NOT NULL OR email IS NOT NULL", name="recipient"),
        sa.Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # The address and language of a row without a user.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    key: Mapped[str] = mapped_column(sa.String(80))
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("audit_events.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    need_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offers.id", ondelete="CASCADE"))
    # What a digest lists: {"day": "2026-11-23", "need_ids": [...]}.
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus, "notification_status"), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    # A pending row is not sent before this time (set after a transient failure).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a delivery claimed the row; a row left `sending` long after is taken back.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
    event: Mapped[AuditEvent | None] = relationship()
    need: Mapped[Need | None] = relationship()
    offer: Mapped[Offer | None] = relationship()

    @property
    def address(self) -> str:
        """Where the e-mail goes."""
        return self.user.email if self.user is not None else self.email or ""

    def __repr__(self) -> str:
        return f"<Notification {self.kind} to {self.user_id or self.email}: {self.status}>"


class Suppression(db.Model):
    """An address the mail server refused for good: later e-mails to it are not attempted."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
