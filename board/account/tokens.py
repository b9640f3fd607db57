"""Personal API tokens and the secret of a user's private feeds.

An API token reads `cpb_<prefix>_<secret>`. The prefix is public: it finds the token's row and
tells a user's tokens apart on their page. The secret is 256 random bits, of which only a
SHA-256 is kept, compared in constant time: a copy of the database lets no one act as a user.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload

from board import audit
from board.errors import DomainError, InvalidTransition
from board.extensions import db
from board.models import ApiToken, FeedToken, TokenScope, User, utcnow

TOKEN_TAG = "cpb"
# A token's last use is written when the one known is older than this, not on every request.
USE_RESOLUTION = timedelta(minutes=1)
# Tokens one user may hold at once (revoked ones aside): enough for every tool of a firm.
MAX_LIVE_TOKENS = 20


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(user: User, name: str, scope: TokenScope) -> tuple[ApiToken, str]:
    """Make a token for `user`; return it and the whole token, which is never shown again."""
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Name the token after the tool that will use it."), "name")
    live = db.session.scalar(
        select(func.count())
        .select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )
    if (live or 0) >= MAX_LIVE_TOKENS:
        raise DomainError(
            _(
                "You have %(num)d tokens already. Revoke one you no longer use first.",
                num=MAX_LIVE_TOKENS,
            )
        )
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name, scope=TokenScope(scope), prefix=prefix, secret_hash=_digest(secret)
    )
    db.session.add(token)
    audit.record("api_token.created", token, user, name=name, scope=str(token.scope), prefix=prefix)
    db.session.commit()
    return token, f"{TOKEN_TAG}_{prefix}_{secret}"


def revoke_api_token(token: ApiToken, actor: User) -> None:
    """End a token: every request with it is refused from now on."""
    if token.revoked_at is not None:
        raise InvalidTransition(_("This token is revoked already."))
    token.revoked_at = utcnow()
    audit.record("api_token.revoked", token, actor, name=token.name, prefix=token.prefix)
    db.session.commit()


def user_tokens(user: User) -> Sequence[ApiToken]:
    """A user's tokens, live ones first, the newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return db.session.scalars(query).all()


def token_of(user: User, token_id: int) -> ApiToken | None:
    """One of the user's own tokens."""
    return db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )


def authenticate(presented: str) -> ApiToken | None:
    """The live token `presented` is, whose user may still sign in; None otherwise (a token
    revoked, a user deactivated, a firm suspended, or no such token)."""
    tag, _sep, rest = presented.partition("_")
    prefix, _sep, secret = rest.partition("_")
    if tag != TOKEN_TAG or not prefix or not secret or len(presented) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.prefix == prefix)
        .options(joinedload(ApiToken.user).joinedload(User.member))
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(secret)):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    return token


def note_use(token: ApiToken, now: datetime | None = None) -> None:
    """Record that a token was used, unless a use less than a minute ago is recorded already.

    One conditional UPDATE in a transaction of its own: concurrent requests write it once, and
    the request's own work is neither committed nor held up by it.
    """
    now = now or utcnow()
    recent = now - USE_RESOLUTION
    if token.last_used_at is not None and token.last_used_at >= recent:
        return
    with db.engine.begin() as connection:
        connection.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token.id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < recent),
            )
            .values(last_used_at=now)
        )


# Feeds --------------------------------------------------------------------------------------


def feed_token_of(user: User) -> FeedToken | None:
    return db.session.get(FeedToken, user.id)


def reset_feed_token(user: User) -> FeedToken:
    """Give a user's feeds a new secret: the addresses made with the old one stop working."""
    feed = db.session.get(FeedToken, user.id)
    action = "feed_token.reset" if feed is not None else "feed_token.created"
    if feed is None:
        feed = FeedToken(user=user)
        db.session.add(feed)
    feed.token, feed.created_at = secrets.token_urlsafe(32), utcnow()
    audit.record(action, user, user)
    db.session.commit()
    return feed


def user_from_feed_token(presented: str) -> User | None:
    """The user whose feeds `presented` opens, if they may still sign in."""
    if not presented or len(presented) > 64:
        return None
    feed = db.session.scalar(
        select(FeedToken)
        .where(FeedToken.token == presented)
        .options(joinedload(FeedToken.user).joinedload(User.member))
    )
    if feed is None or not hmac.compare_digest(feed.token, presented):
        return None
    return feed.user if feed.user.is_active else None
