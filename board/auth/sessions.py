"""Sessions: how a signed-in user is loaded on each request, and how a session begins."""

from __future__ import annotations

from flask import g, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, login_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from board import page_cache
from board.extensions import db
from board.models import User
from board.permissions import ACTING_USER

# Built once, at import: every signed-in request runs it, and building a statement costs as
# much as a cached page's rendering.
USER_BY_SESSION_TOKEN = (
    select(User)
    .where(User.session_token == bindparam("session_token"))
    .options(joinedload(User.member))
)


def init_login(login_manager: LoginManager) -> None:
    """Load users by their session token, so replacing the token ends their sessions."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        # The page cache's generation comes with the user, in the same statement: the first
        # thing a signed-in request reads (see board/page_cache.py).
        query = page_cache.with_generation(USER_BY_SESSION_TOKEN)
        row = db.session.execute(query, {"session_token": session_token}).first()
        user = page_cache.take_generation(row)
        # A user deactivated, or whose firm was suspended, is signed out at the next request.
        if user is None or not user.is_active:
            return None
        setattr(g, ACTING_USER, user)
        return user


def start_session(user: User, remember: bool = False) -> None:
    """Begin a fresh session for `user`, dropping whatever the anonymous one held."""
    session.clear()
    login_user(user, remember=remember)
