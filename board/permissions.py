"""Who may see and do what: the one place these rules live, checked on the server."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort
from flask_login import current_user

from board.extensions import login_manager
from board.models import Member, MemberStatus, User

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
