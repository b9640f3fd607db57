"""Ways in for other software: personal API tokens, and the secret of a user's private feeds."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from board.extensions import db
from board.models.base import Labelled, UTCDateTime, str_enum, utcnow
from board.models.members import User


class TokenScope(Labelled):
    """What a token may do: read what its user reads, or also act as its user."""

    READ = "read", _l("read only")
    WRITE = "write", _l("read and write")


class ApiToken(db.Model):
    """A personal API token: it acts as its user, within its scope.

    Only a SHA-256 of the token's secret is kept; the whole token is shown once, when it is
    made. Its prefix is public, tells a user's tokens apart and finds the row.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    scope: Mapped[TokenScope] = mapped_column(str_enum(TokenScope, "token_scope"))
    prefix: Mapped[str] = mapped_column(sa.String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most once a minute per token, so that reading the API writes rarely.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix} of user {self.user_id}>"


class FeedToken(db.Model):
    """The secret in the addresses of a user's private Atom and calendar feeds.

    Feed readers and calendars keep the address and ask with it for years, so the user reads it
    again on their account page whenever they like (it is kept as it is); making a new one ends
    every address made with the old.
    """

    __tablename__ = "feed_tokens"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<FeedToken of user {self.user_id}>"
