"""Who may see and do what: the one place these rules live, checked on the server."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort
from flask_login import current_user

from board.extensions import login_manager
from board.models import (
    NEED_CANCELLABLE,
    NEED_EDITABLE,
    NEED_PUBLISHED,
    Member,
    MemberStatus,
    Need,
    NeedStatus,
    Offer,
    User,
)

F = TypeVar("F", bound=Callable[..., Any])


def acting_user() -> User:
    """The signed-in user as a model instance (not the request-local proxy)."""
    return cast(User, current_user._get_current_object())  # type: ignore[attr-defined]


def _guard(allowed: Callable[[User], bool]) -> Callable[[F], F]:
    """Send anonymous users to sign in; answer 403 to users that `allowed` refuses."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not allowed(acting_user()):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def is_staff(user: User) -> bool:
    return user.is_staff


def belongs_to_member(user: User) -> bool:
    return user.member is not None and user.member.is_active


def signed_in(user: User) -> bool:
    return True


staff_required = _guard(is_staff)
member_required = _guard(belongs_to_member)
login_required = _guard(signed_in)


def can_view_member(user: User, member: Member) -> bool:
    """Active firms are listed to every user; others only to staff and their own users."""
    return member.status == MemberStatus.ACTIVE or user.is_staff or user.member_id == member.id


def can_edit_member(user: User, member: Member) -> bool:
    """A firm's profile is edited by its own users (and by staff)."""
    return user.is_staff or user.member_id == member.id


def can_invite_to(user: User, member: Member) -> bool:
    """A firm's users invite colleagues; staff invite anyone's."""
    return user.is_staff or (user.member_id == member.id and member.is_active)


# Needs and offers -------------------------------------------------------------------------


def is_requester(user: User, need: Need) -> bool:
    return user.member_id is not None and user.member_id == need.member_id


def can_view_need(user: User, need: Need) -> bool:
    """Published needs: every active member's users; the rest: their own firm and staff.

    A firm that offered on a need that was then cancelled still sees it: it was told so by
    e-mail, with a link.
    """
    if user.is_staff or is_requester(user, need):
        return True
    if not belongs_to_member(user) or not need.member.is_active:
        return False
    if need.status in NEED_PUBLISHED:
        return True
    return need.status == NeedStatus.CANCELLED and any(
        offer.member_id == user.member_id for offer in need.offers
    )


def can_edit_need(user: User, need: Need) -> bool:
    return is_requester(user, need) and need.status in NEED_EDITABLE


def can_submit_need(user: User, need: Need) -> bool:
    return can_edit_need(user, need)


def can_cancel_need(user: User, need: Need) -> bool:
    return is_requester(user, need) and need.status in NEED_CANCELLABLE


def can_moderate_need(user: User, need: Need) -> bool:
    return user.is_staff


def can_offer_on(user: User, need: Need) -> bool:
    """Another active firm's user, while the need takes offers."""
    return (
        belongs_to_member(user)
        and not is_requester(user, need)
        and need.member.is_active
        and need.accepts_offers()
    )


def can_view_offer(user: User, offer: Offer) -> bool:
    """An offer is confidential: its own firm, the requester firm (unless staff hid it), staff."""
    return (
        user.is_staff
        or (user.member_id is not None and user.member_id == offer.member_id)
        or (is_requester(user, offer.need) and offer.hidden_at is None)
    )


def can_decide_offer(user: User, offer: Offer) -> bool:
    """The requester firm's users shortlist, decline and accept."""
    return is_requester(user, offer.need) and belongs_to_member(user)


def can_withdraw_offer(user: User, offer: Offer) -> bool:
    return user.member_id is not None and user.member_id == offer.member_id


def init_app(app: Flask) -> None:
    """Let templates ask the same questions the views ask, so buttons match what is allowed."""
    app.jinja_env.globals.update(
        can_edit_need=can_edit_need,
        can_submit_need=can_submit_need,
        can_cancel_need=can_cancel_need,
        can_moderate_need=can_moderate_need,
        can_offer_on=can_offer_on,
        can_decide_offer=can_decide_offer,
        can_withdraw_offer=can_withdraw_offer,
        is_requester=is_requester,
    )
