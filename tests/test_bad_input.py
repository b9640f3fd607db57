"""Bad input on every form: a message next to the field, never a 500, nothing changed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board.extensions import db
from board.models import AuditEvent, Member, User
from board.tokens import Purpose, make_token
from tests import factories
from tests.conftest import AuthActions, submit

LONG_EMAIL = "a" * 250 + "@odra.example"
GOOD_PASSWORD = "a good long password"

# (form, who submits it, valid data, field to spoil, bad value, message shown next to it)
CASES: list[tuple[str, str, dict[str, Any], str, Any, str]] = []


def case(form: str, who: str, valid: dict[str, Any], *spoilt: tuple[str, Any, str]) -> None:
    CASES.extend((form, who, valid, field, value, message) for field, value, message in spoilt)


PASSWORDS = {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD}
NEW_PASSWORD_ERRORS = (
    ("password", "", "Choose a password."),
    ("password", "short", "Use at least 10 characters."),
    ("password", "x" * 201, "Use at most 200 characters."),
    ("confirm", "another good password", "The two passwords are not the same."),
)
EMAIL_ERRORS = (
    ("email", "", "Enter an e-mail address."),
    ("email", "not-an-address", "Enter a valid e-mail address"),
    ("email", "two@at@signs.example", "Enter a valid e-mail address"),
    ("email", LONG_EMAIL, "Field cannot be longer than 254 characters."),
)
case(
    "/login",
    "anonymous",
    {"email": "a@odra.example", "password": "pw"},
    *EMAIL_ERRORS,
    ("password", "", "Enter your password."),
)
case("/password/forgot", "anonymous", {"email": "a@odra.example"}, *EMAIL_ERRORS)
case("/password/reset/<reset>", "anonymous", PASSWORDS, *NEW_PASSWORD_ERRORS)
case(
    "/invitations/<invitation>",
    "anonymous",
    {"name": "Ioana Mureșan", **PASSWORDS},
    ("name", "", "Enter your name."),
    ("name", "   ", "Enter your name."),
    ("name", "x" * 121, "Field must be between 2 and 120 characters long."),
    *NEW_PASSWORD_ERRORS,
)
case(
    "/account",
    "member",
    {"name": "Radu Pop", "locale": "en", "notify": "daily"},
    ("name", "", "Enter your name."),
    ("locale", "xx", "Not a valid choice."),
    ("notify", "sometimes", "Not a valid choice."),
)
case(
    "/account/password",
    "member",
    {"current_password": "whatever it is", **PASSWORDS},
    ("current_password", "", "Enter your current password."),
    *NEW_PASSWORD_ERRORS,
)
case(
    "/member",
    "member",
    {"description": "", "website": "", "competences": ["python"]},
    ("website", "ftp://odra.example", "Enter a web address like https://firm.com."),
    ("description", "x" * 5001, "Use at most 5000 characters."),
    ("competences", ["no-such-thing"], "Unknown competence: no-such-thing."),
)
case("/member/invite", "member", {"email": "colleague@odra.example"}, *EMAIL_ERRORS)
case(
    "/staff/members/new",
    "staff",
    {"member_name": "Ceahlău Software SRL", "email": "mihai@ceahlau.example", "country": "RO"},
    ("member_name", "", "Enter the firm's name."),
    ("member_name", "x" * 201, "Field must be between 2 and 200 characters long."),
    ("country", "XX", "Not a valid choice."),
    ("website", "http://", "Enter a web address like https://firm.com."),
    ("competences", ["python", "<script>"], "Unknown competence: &lt;script&gt;."),
    *EMAIL_ERRORS,
)


def state(app: Flask) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(AuditEvent.id))),
            db.session.scalar(select(func.count(User.id))),
            db.session.scalar(select(func.count(Member.id))),
        )


@pytest.mark.parametrize(
    "form, who, valid, field, value, message",
    CASES,
    ids=[f"{c[0]}-{c[3]}-{str(c[4])[:12]}" for c in CASES],
)
def test_bad_input_gets_a_message_next_to_the_field_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    form: str,
    who: str,
    valid: dict[str, Any],
    field: str,
    value: Any,
    message: str,
) -> None:
    with app.app_context():
        member = factories.make_member("Odra Software")
        account = factories.make_user(member, password="whatever it is")
        invited = factories.make_user(member, email="invited@odra.example", password=None)
        staff = factories.make_user(is_staff=True)
        path = form.replace(
            "<reset>", make_token(db.session.get(User, account.id), Purpose.PASSWORD_RESET)
        )
        path = path.replace(
            "<invitation>", make_token(db.session.get(User, invited.id), Purpose.INVITATION)
        )
    if who != "anonymous":
        signed_in = account if who == "member" else staff
        AuthActions(client).login(signed_in.email, signed_in.password)
    before = state(app)

    response = submit(client, path, {**valid, field: value})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="errors-summary"' in page
    # The message sits right after its field and is tied to it for screen readers.
    if field in ("competences", "notify"):
        group = re.search(rf'<fieldset[^>]*id="{field}"[^>]*>', page).group(0)
        assert f"{field}-error1" in group
    else:
        field_tag = re.search(rf'<(input|select|textarea)[^>]*name="{field}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in field_tag
        assert f"{field}-error1" in field_tag
    assert state(app) == before


@pytest.mark.parametrize("route", ["/password/reset/", "/invitations/"])
@pytest.mark.parametrize("token", ["nonsense", "eyJhIjoxfQ.forged.sig", "x" * 3000])
def test_an_unknown_token_gets_a_clear_message(client: FlaskClient, route: str, token: str) -> None:
    posted = submit(client, route + token, {"password": GOOD_PASSWORD}, form_page="/login")
    for response in (client.get(route + token), posted):
        assert response.status_code == 400
        assert "not valid" in response.get_data(as_text=True)
