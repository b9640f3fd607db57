"""Who a request to the API acts as: the user of its bearer token, and what the token allows.

Cookies play no part: a browser's session cannot call the API, so the API needs no CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from board.account import tokens
from board.api.problems import problem
from board.models import ApiToken, User
from board.permissions import ACTING_USER

F = TypeVar("F", bound=Callable[..., Any])
# Where the request's token is kept once looked up (None: none, or not a valid one).
REQUEST_TOKEN = "board_api_token"
SCHEME = "bearer"


def request_token() -> ApiToken | None:
    """The live token of this request's Authorization header, looked up once per request."""
    if REQUEST_TOKEN not in g:
        scheme, _sep, presented = request.headers.get("Authorization", "").partition(" ")
        found = None
        if scheme.lower() == SCHEME and presented.strip():
            found = tokens.authenticate(presented.strip())
        setattr(g, REQUEST_TOKEN, found)
    token: ApiToken | None = g.get(REQUEST_TOKEN)
    return token


def rate_limit_key() -> str:
    """Requests are counted per token; those without a valid one per address."""
    token = request_token()
    return f"token:{token.id}" if token is not None else f"address:{get_remote_address()}"


def rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def unauthorized() -> Response:
    response = problem(
        401,
        "invalid-token",
        _("Send a live API token of an active user: Authorization: Bearer <token>."),
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="board", error="invalid_token"'
    return response


def authenticated(view: F) -> F:
    """An operation for a token's user: 401 without a live token; the token's user acts."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        token = request_token()
        if token is None:
            return unauthorized()
        setattr(g, ACTING_USER, token.user)
        tokens.note_use(token)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def acting_token() -> ApiToken:
    token = request_token()
    assert token is not None  # `authenticated` let the request through
    return token


def writing(view: F) -> F:
    """An operation that changes something: a read-only token is refused (403)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not acting_token().can_write:
            response = problem(
                403,
                "insufficient-scope",
                _("This token may only read. Make a read and write token to change anything."),
            )
            response.headers["WWW-Authenticate"] = (
                'Bearer realm="board", error="insufficient_scope", scope="write"'
            )
            return response
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def for_members(view: F) -> F:
    """An operation for the users of a member firm (offers): staff are refused, as on the web."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user: User = acting_token().user
        if user.member is None or not user.member.is_active:
            return problem(403, "forbidden", _("Only a member firm's users have offers."))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
