"""How often invitations may be sent: per signed-in inviter and per invited address, counted
together over every form that sends one (`/member/invite`, `/staff/users`,
`/staff/members/new`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from board.extensions import limiter

F = TypeVar("F", bound=Callable[..., object])


def _inviter_limit() -> str:
    return current_app.config["INVITE_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["INVITE_ADDRESS_RATE_LIMIT"]


def _inviter() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _invited_address() -> str:
    return "email:" + request.form.get("email", "").strip().lower()[:254]


def _sent(response: Response) -> bool:
    # A form sent back with its errors invited nobody; only the redirect after it did counts.
    return response.status_code == 302


def _refusal() -> str:
    return _("Too many invitations have been sent in a short time. Please try again later.")


def invitation_limits(view: F) -> F:
    """Refuse a form's invitation (429, nothing changed) past either limit."""
    for limit, scope, key in (
        (_inviter_limit, "invitations-by-inviter", _inviter),
        (_address_limit, "invitations-to-address", _invited_address),
    ):
        view = limiter.shared_limit(
            limit,
            scope,
            key_func=key,
            methods=["POST"],
            deduct_when=_sent,
            error_message=_refusal,
        )(view)
    return view
