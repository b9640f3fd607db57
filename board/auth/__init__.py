"""Signing in and out, invitations and password resets."""

from __future__ import annotations

from flask import session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, login_user
from sqlalchemy import select

from board.extensions import db
from board.models import User


def init_login(login_manager: LoginManager) -> None:
    """Load users by their session token, so replacing the token ends their sessions."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        return db.session.scalar(select(User).where(User.session_token == session_token))


def start_session(user: User, remember: bool = False) -> None:
    """Begin a fresh session for `user`, dropping whatever the anonymous one held."""
    session.clear()
    login_user(user, remember=remember)
