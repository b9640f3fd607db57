"""The audit trail, and the outbox: one row per e-mail to one person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from board.extensions import db
from board.models.base import Labelled, UTCDateTime, str_enum, utcnow
from board.models.members import User
from board.models.needs import Need, Offer


class NotificationStatus(Labelled):
    PENDING = "pending", _l("Waiting")
    SENDING = "sending", _l("Being sent")
    SENT = "sent", _l("Sent")
    FAILED = "failed", _l("Failed")
    SUPPRESSED = "suppressed", _l("Not sent: address refused")


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
    # The pseudonym of an erased person who did this (`actor_id` is then NULL), so that the
    # log still tells one person's actions from another's, and from the board's own.
    former_actor: Mapped[str | None] = mapped_column(sa.String(40))

    actor: Mapped[User | None] = relationship()

    @property
    def actor_label(self) -> str | None:
        """Who did it, as the log shows it: an address, a pseudonym, or None for the board."""
        return self.actor.email if self.actor is not None else self.former_actor

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.target_type}:{self.target_id}>"


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
