"""Signed links: each purpose keeps its own lifetime, and only what the board signed opens one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from board.extensions import db
from board.models import User
from board.tokens import (
    Purpose,
    TokenExpired,
    TokenInvalid,
    load_token,
    make_token,
    unsubscribe_serializer,
    unsubscribe_token,
    user_from_unsubscribe_token,
)
from tests import factories
from tests.conftest import SECRET_KEY


@pytest.fixture
def user(app: Flask) -> Iterator[User]:
    with app.app_context():
        member = factories.make_member("Odra Software")
        yield db.session.get(User, factories.make_user(member).id)


def test_an_invitation_keeps_its_own_lifetime_when_resets_expire_at_once(
    app: Flask, user: User
) -> None:
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert load_token(make_token(user, Purpose.INVITATION), Purpose.INVITATION) == user
    with pytest.raises(TokenExpired):
        load_token(make_token(user, Purpose.PASSWORD_RESET), Purpose.PASSWORD_RESET)


def test_a_reset_keeps_its_own_lifetime_when_invitations_expire_at_once(
    app: Flask, user: User
) -> None:
    app.config["INVITATION_MAX_AGE"] = -1
    assert load_token(make_token(user, Purpose.PASSWORD_RESET), Purpose.PASSWORD_RESET) == user
    with pytest.raises(TokenExpired):
        load_token(make_token(user, Purpose.INVITATION), Purpose.INVITATION)


def test_a_link_names_its_user_by_number_only(app: Flask, user: User) -> None:
    """A payload whose id is a string ("7") is not the board's, even signed with its key: the
    database would take "7" for 7."""
    signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="board.password-reset")
    user_id, fingerprint = signer.loads(make_token(user, Purpose.PASSWORD_RESET))
    with pytest.raises(TokenInvalid):
        load_token(signer.dumps([str(user_id), fingerprint]), Purpose.PASSWORD_RESET)
    assert user_from_unsubscribe_token(unsubscribe_serializer().dumps(user.id)) == user
    assert user_from_unsubscribe_token(unsubscribe_serializer().dumps(str(user.id))) is None


def test_an_unsubscribe_link_is_one_the_board_signed_for_unsubscribing(
    app: Flask, user: User
) -> None:
    """The board's key signs other things too: only what it signed as an unsubscribe link
    unsubscribes."""
    other_purpose = URLSafeSerializer(app.config["SECRET_KEY"]).dumps(user.id)
    assert user_from_unsubscribe_token(other_purpose) is None
    assert user_from_unsubscribe_token(unsubscribe_token(user.id)) == user


def test_unsubscribe_links_already_sent_keep_working(app: Flask) -> None:
    """Every match e-mail a member keeps carries one: a release that signed them another way
    would break them all. This one was made for user 7 with the tests' key."""
    app.config["SECRET_KEY"] = SECRET_KEY
    with app.app_context():
        assert unsubscribe_token(7) == "Nw.rOggdwvj_zw0fXB4qYipou754EE"
