"""What the statistics page reads: each need's tally of what came back on it, and indexes that
let a year of needs, offers, questions and tallies be read from the indexes alone.

The tallies are derived data. The database keeps them, with triggers on `needs`, `offers` and
`need_matches` (migration 5d1c7e2a9b30), so every write counts whoever makes it; the board
never writes them itself. Every published need has one, and so has any need with an offer or
a match.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from board.extensions import db
from board.models.base import UTCDateTime
from board.models.exchange import Question
from board.models.needs import Need, Offer


class NeedTally(db.Model):
    """A need's offers and matches, counted: offers withdrawn by their firm count nowhere."""

    __tablename__ = "need_tallies"
    __table_args__ = (
        sa.Index(
            "ix_need_tallies_published_at",
            "published_at",
            "member_id",
            "need_id",
            "offers",
            "first_offer_at",
            "matched",
            "matched_offered",
            "matched_not_for_us",
        ),
    )

    need_id: Mapped[int] = mapped_column(
        sa.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True
    )
    # The need's, copied: a period's tallies (and a country's) are read without the needs.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    member_id: Mapped[int]
    # Offers not withdrawn, and when the first of them was sent.
    offers: Mapped[int]
    first_offer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Firms it matched; of those, the ones that sent an offer, and the ones that said it is
    # not for them and sent none.
    matched: Mapped[int]
    matched_offered: Mapped[int]
    matched_not_for_us: Mapped[int]


# A period's needs by the instant they were posted, published and ended, with what the filters
# (firm, need) and the figures (status, publication) ask of them, so that no need's row is read.
sa.Index("ix_needs_submitted_at", Need.submitted_at, Need.member_id, Need.id)
sa.Index("ix_needs_published_at", Need.published_at, Need.member_id, Need.id)
sa.Index(
    "ix_needs_closed_at", Need.closed_at, Need.status, Need.published_at, Need.member_id, Need.id
)
# The firms that sent an offer or asked a question in a period.
sa.Index("ix_offers_created_at", Offer.created_at, Offer.member_id, Offer.status, Offer.need_id)
# What a tally counts of a need's offers.
sa.Index("ix_offers_need_id_status", Offer.need_id, Offer.status, Offer.created_at, Offer.member_id)
sa.Index("ix_questions_created_at", Question.created_at, Question.member_id, Question.need_id)
