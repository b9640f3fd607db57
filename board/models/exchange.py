"""What firms say and send around a need: questions and their answers, the requester's
clarifications, and files attached to needs and offers."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from board.extensions import db
from board.models.base import Labelled, UTCDateTime, str_enum, utcnow
from board.models.members import Member, User
from board.models.needs import Need, Offer


class QuestionStatus(Labelled):
    WAITING = "waiting", _l("waiting for an answer")
    ANSWERED = "answered", _l("answered")
    DISMISSED = "dismissed", _l("dismissed")


class Question(db.Model):
    """A member firm's question on an open need. Which firm asked is known to staff alone;
    the answer is published to everyone who can read the need."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    # The asking firm: staff only ever see it.
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[QuestionStatus] = mapped_column(
        str_enum(QuestionStatus, "question_status"), default=QuestionStatus.WAITING, index=True
    )
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Staff may hide the question (with its answer), or the answer alone.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(sa.Text, default="")
    answer_hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_hidden_reason: Mapped[str] = mapped_column(sa.Text, default="")

    need: Mapped[Need] = relationship()
    member: Mapped[Member] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def is_published(self) -> bool:
        """Answered, and neither it nor its answer hidden: every reader of the need sees it."""
        return (
            self.status == QuestionStatus.ANSWERED
            and self.hidden_at is None
            and self.answer_hidden_at is None
        )

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.status}>"


class Clarification(db.Model):
    """Something the requester adds to an open need for every firm reading it."""

    __tablename__ = "clarifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str] = mapped_column(sa.Text, default="")

    need: Mapped[Need] = relationship()
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Clarification {self.id} on need {self.need_id}>"


class Attachment(db.Model):
    """A file on a need or on an offer, kept in the database so that every web process on
    every machine serves the same bytes, and backups hold it with the rest of the data."""

    __tablename__ = "attachments"
    __table_args__ = (
        sa.CheckConstraint("(need_id IS NULL) <> (offer_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="CASCADE"), index=True
    )
    uploader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The name as the uploader's computer gave it, made safe to show and to download.
    filename: Mapped[str] = mapped_column(sa.String(255))
    # The type found in the content, never the one the browser claimed.
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # Loaded only when the file itself is downloaded, never with a list of files.
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    need: Mapped[Need | None] = relationship()
    offer: Mapped[Offer | None] = relationship()
    uploader: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.filename}>"
