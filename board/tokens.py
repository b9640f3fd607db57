"""Signed links: expiring, single-use ones for invitations and password resets, and the
lasting ones of match e-mails (one-click unsubscribe, "not for us").

An invitation or reset token carries the user's id and a fingerprint of their password hash:
setting a password changes the hash, so the link that did it (and every older one) stops
working. An invitation token also names what it invites to (the firm's id, or none for the
staff): an invitation that moved to another firm leaves its earlier links dead.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from board.extensions import db
from board.models import User


class Purpose(StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password-reset"


class TokenExpired(Exception):
    """The link was genuine but is too old."""


class TokenInvalid(Exception):
    """The link is forged, mangled, already used, or for a user who no longer exists."""


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"board.{purpose}")


def _max_age(purpose: Purpose) -> int:
    if purpose is Purpose.INVITATION:
        return int(current_app.config["INVITATION_MAX_AGE"])
    return int(current_app.config["PASSWORD_RESET_MAX_AGE"])


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def make_token(user: User, purpose: Purpose) -> str:
    """Sign a link token for `user`."""
    payload: list[object] = [user.id, _fingerprint(user)]
    if purpose is Purpose.INVITATION:
        payload.append(user.member_id)
    return _serializer(purpose).dumps(payload)


def load_token(token: str, purpose: Purpose) -> User:
    """Return the user a token was made for, or raise TokenExpired / TokenInvalid."""
    serializer = _serializer(purpose)
    try:
        payload, signed_at = serializer.loads(
            token, max_age=_max_age(purpose), return_timestamp=True
        )
        user_id, fingerprint, *invited_to = payload
    except SignatureExpired as exc:
        raise TokenExpired from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise TokenInvalid from exc
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or fingerprint != _fingerprint(user):
        raise TokenInvalid
    if purpose is Purpose.INVITATION and not _invites_to_now(user, invited_to, signed_at):
        raise TokenInvalid
    return user


def _invites_to_now(user: User, invited_to: list[object], signed_at: datetime) -> bool:
    """Whether an invitation token is for the firm (or the staff) the user is invited to."""
    if invited_to:
        return invited_to == [user.member_id]
    # A token that names no firm stands only while the user has not been invited again
    # since it was signed (moving an invitation is inviting again); timestamps are seconds.
    return user.invited_at is None or signed_at >= user.invited_at.replace(microsecond=0)


# Unsubscribe links never expire: they are in every match e-mail a user keeps.
UNSUBSCRIBE_SALT = "unsubscribe"


def unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int) -> str:
    """The token of a user's one-click unsubscribe link."""
    return unsubscribe_serializer().dumps(user_id)


def user_from_unsubscribe_token(token: str) -> User | None:
    """The user an unsubscribe link was made for, or None if it is not genuine."""
    try:
        user_id = unsubscribe_serializer().loads(token)
    except BadSignature:
        return None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


# A "not for us" link is in the match e-mail a user of a matched firm gets: it says, for that
# user's firm, that one need is not for it. It never expires either; the need's state decides
# whether it still acts.
NOT_FOR_US_SALT = "not-for-us"


def not_for_us_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=NOT_FOR_US_SALT)


def not_for_us_token(user_id: int, need_id: int) -> str:
    """The token of a user's "not for us" link for one need."""
    return not_for_us_serializer().dumps([user_id, need_id])


def user_from_not_for_us_token(token: str, need_id: int) -> User | None:
    """The user a "not for us" link for `need_id` was made for, or None if it is not genuine
    or was made for another need."""
    try:
        payload = not_for_us_serializer().loads(token)
    except BadSignature:
        return None
    if not (isinstance(payload, list) and len(payload) == 2):
        return None
    user_id, signed_need_id = payload
    if not isinstance(user_id, int) or signed_need_id != need_id:
        return None
    return db.session.get(User, user_id)
