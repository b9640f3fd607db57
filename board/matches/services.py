"""A matched firm says a need is not for it, with an optional reason, or takes that back.

It is kept on the firm's match (`NeedMatch.not_for_us_*`). The requester reads how many
matched firms said so and why, never which (in the need's reach, board/needs/reach.py); staff
read which firms too.
A firm that said so gets no reminders about the need, nor the answers and clarifications it
would get only for having matched (board/notifications).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from board import audit
from board.errors import InvalidTransition, NotAllowed
from board.extensions import db
from board.models import Need, NeedMatch, NeedStatus, NotForUsReason, User, utcnow
from board.permissions import (
    belongs_to_member,
    can_see_not_for_us_firms,
    is_matched,
    is_requester,
)


@dataclass
class NotForUs:
    """What one viewer's firm reads on a need's page of the matched firms' answers."""

    # The viewer's firm's own match, if the need matched it.
    own: NeedMatch | None = None
    # Which firms said so, earliest first: staff only.
    firms: Sequence[NeedMatch] = ()


def firm_match(need: Need, member_id: int | None) -> NeedMatch | None:
    """The match of the firm `member_id` on the need, if the need matched it."""
    if member_id is None:
        return None
    return db.session.get(NeedMatch, (need.id, member_id))


def declining_firms(need: Need) -> Sequence[NeedMatch]:
    """The matches of the firms that said the need is not for them, with the firm and the
    user who said so, earliest first (for staff)."""
    query = (
        select(NeedMatch)
        .where(NeedMatch.need_id == need.id, NeedMatch.not_for_us_at.is_not(None))
        .options(selectinload(NeedMatch.member), selectinload(NeedMatch.not_for_us_by))
        .order_by(NeedMatch.not_for_us_at, NeedMatch.member_id)
    )
    return db.session.scalars(query).all()


def on_need_page(need: Need, viewer: User) -> NotForUs:
    """What the viewer's firm reads of the matched firms' answers on the need's page."""
    page = NotForUs()
    if not is_requester(viewer, need):
        page.own = firm_match(need, viewer.member_id)
    if can_see_not_for_us_firms(viewer, need):
        page.firms = declining_firms(need)
    return page


def require_may_answer(need: Need, user: User) -> None:
    """Refuse unless the user's firm is one the need matched, and the need is still open."""
    if not (user.is_active and belongs_to_member(user) and is_matched(user, need)):
        raise NotAllowed(_("Only the users of a firm this need was matched with can say this."))
    if need.status != NeedStatus.OPEN:
        raise InvalidTransition(_("This need is no longer open."))


def say_not_for_us(need: Need, user: User, reason: NotForUsReason | None) -> bool:
    """Record for the user's firm that the need is not for it, and why (optional); False when
    the firm said so already, which changes nothing."""
    require_may_answer(need, user)
    said = db.session.execute(
        update(NeedMatch)
        .where(
            NeedMatch.need_id == need.id,
            NeedMatch.member_id == user.member_id,
            NeedMatch.not_for_us_at.is_(None),
        )
        .values(not_for_us_at=utcnow(), not_for_us_reason=reason, not_for_us_by_id=user.id)
        .execution_options(synchronize_session="fetch")
    )
    if said.rowcount != 1:
        db.session.rollback()
        return False
    audit.record(
        "need.not_for_us",
        need,
        user,
        member=user.member_id,
        reason=reason.value if reason else None,
    )
    db.session.commit()
    return True


def take_back_not_for_us(need: Need, user: User) -> None:
    """The user's firm says the need is for it after all: its match is as before."""
    require_may_answer(need, user)
    cleared = db.session.execute(
        update(NeedMatch)
        .where(
            NeedMatch.need_id == need.id,
            NeedMatch.member_id == user.member_id,
            NeedMatch.not_for_us_at.is_not(None),
        )
        .values(not_for_us_at=None, not_for_us_reason=None, not_for_us_by_id=None)
        .execution_options(synchronize_session="fetch")
    )
    if cleared.rowcount != 1:
        db.session.rollback()
        raise InvalidTransition(_("Your firm has not said that this need is not for it."))
    audit.record("need.not_for_us_withdrawn", need, user, member=user.member_id)
    db.session.commit()
