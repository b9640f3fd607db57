"""Needs, the offers on them, the firms they matched, and reports to staff."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from board.extensions import db
from board.models.base import Labelled, Money, UTCDateTime, str_enum, utcnow
from board.models.members import Competence, Member, User


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
# A need its firm may send to staff for review: a draft, or one staff sent back.
NEED_SUBMITTABLE = (NeedStatus.DRAFT, NeedStatus.CHANGES_REQUESTED, NeedStatus.REJECTED)
# A need its firm may change: those, and one waiting for review (it stays in the queue).
NEED_EDITABLE = (*NEED_SUBMITTABLE, NeedStatus.PENDING)
NEED_PUBLISHED = (NeedStatus.OPEN, NeedStatus.CLOSED, NeedStatus.EXPIRED)
NEED_CANCELLABLE = (*NEED_EDITABLE, NeedStatus.OPEN)
# A need that ended without an award, which its firm may post again in one step.
NEED_REPOSTABLE = (NeedStatus.CANCELLED, NeedStatus.EXPIRED)


class WorkMode(Labelled):
    REMOTE = "remote", _l("Remote")
    HYBRID = "hybrid", _l("Hybrid")
    ONSITE = "onsite", _l("On site")


class PriceBasis(Labelled):
    """What an offer's price is for: the whole work, a day of it, or an hour."""

    FIXED = "fixed", _l("fixed price")
    DAY = "day", _l("day rate")
    HOUR = "hour", _l("hourly rate")


class OfferStatus(Labelled):
    SUBMITTED = "submitted", _l("sent")
    SHORTLISTED = "shortlisted", _l("shortlisted")
    ACCEPTED = "accepted", _l("accepted")
    DECLINED = "declined", _l("declined")
    WITHDRAWN = "withdrawn", _l("withdrawn")


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
    # An earlier last day for questions, if the requester sets one; questions close at the end
    # of it (`questions_close_at`), otherwise with the offers.
    question_deadline: Mapped[date | None]
    questions_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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

    def accepts_questions(self, now: datetime | None = None) -> bool:
        """Open, and neither its question deadline nor its offer deadline has passed."""
        closes = min(self.offers_close_at, self.questions_close_at or self.offers_close_at)
        return self.status == NeedStatus.OPEN and (now or utcnow()) < closes

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
    price_basis: Mapped[PriceBasis] = mapped_column(
        str_enum(PriceBasis, "price_basis"), default=PriceBasis.FIXED, server_default="fixed"
    )
    available_from: Mapped[date]
    reference: Mapped[str] = mapped_column(sa.String(100), default="")
    status: Mapped[OfferStatus] = mapped_column(
        str_enum(OfferStatus, "offer_status"), default=OfferStatus.SUBMITTED, index=True
    )
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When its firm last changed what it offers, after sending it (None: never changed).
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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


class NotForUsReason(Labelled):
    """Why a matched firm says a need is not for it (the requester reads these, not who)."""

    FIELD = "field", _l("Not our field")
    CAPACITY = "capacity", _l("No capacity")
    BUDGET = "budget", _l("The budget")
    DEADLINE = "deadline", _l("The deadline")
    OTHER = "other", _l("Another reason")


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
    # When a user of the firm said the need is not for it, and why (reason optional); reminders
    # then skip the firm, and the requester sees how many said so and why, never which firms.
    not_for_us_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_for_us_reason: Mapped[NotForUsReason | None] = mapped_column(
        str_enum(NotForUsReason, "not_for_us_reason")
    )
    not_for_us_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    need: Mapped[Need] = relationship()
    member: Mapped[Member] = relationship()
    not_for_us_by: Mapped[User | None] = relationship()
