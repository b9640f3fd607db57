"""The member directory, a firm's own profile, and staff adding firms."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board.extensions import db
from board.models import AuditEvent, Member, MemberStatus
from tests import factories
from tests.conftest import AuthActions, submit


@pytest.fixture
def odra(app: Flask) -> factories.Account:
    with app.app_context():
        member = factories.make_member("Odra Software", competences=("python", "aws"))
        return factories.make_user(member, email="agnieszka@odra.example")


def test_directory_lists_active_firms_with_their_competences(
    app: Flask, client: FlaskClient, auth: AuthActions, odra: factories.Account
) -> None:
    with app.app_context():
        factories.make_member("Spreewerk Digital", competences=("react",), country="DE")
        factories.make_member("Dormant GmbH", status=MemberStatus.SUSPENDED)
    auth.login(odra.email, odra.password)
    page = client.get("/members").get_data(as_text=True)
    assert "Odra Software" in page and "Spreewerk Digital" in page
    assert "React" in page and "Germany" in page
    assert "Dormant GmbH" not in page


def test_suspended_firm_page_is_hidden_from_other_members(
    app: Flask, client: FlaskClient, auth: AuthActions, odra: factories.Account
) -> None:
    with app.app_context():
        factories.make_member("Dormant GmbH", status=MemberStatus.SUSPENDED)
    auth.login(odra.email, odra.password)
    assert client.get("/members/dormant-gmbh").status_code == 404
    assert client.get("/members/no-such-firm").status_code == 404
    assert client.get("/members/odra-software").status_code == 200


def test_staff_see_a_suspended_firm(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    with app.app_context():
        factories.make_member("Dormant GmbH", status=MemberStatus.SUSPENDED)
        staff = factories.make_user(is_staff=True)
    auth.login(staff.email, staff.password)
    page = client.get("/members/dormant-gmbh").get_data(as_text=True)
    assert "suspended" in page


def test_member_edits_its_profile_and_competences(
    app: Flask, client: FlaskClient, auth: AuthActions, odra: factories.Account
) -> None:
    auth.login(odra.email, odra.password)
    page = client.get("/member").get_data(as_text=True)
    assert 'value="python" checked' in page
    data = {
        "description": "Software house in Wrocław.",
        "website": "odra-software.example",
        "competences": ["kotlin", "kubernetes"],
    }
    response = submit(client, "/member", data)
    assert response.status_code == 302
    with app.app_context():
        member = db.session.get(Member, odra.member_id)
        assert member.description == "Software house in Wrocław."
        assert member.website == "https://odra-software.example"
        assert [c.slug for c in member.competences] == ["kotlin", "kubernetes"]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.updated"))
        assert event.actor_id == odra.id
        assert event.detail == {"competences": ["kotlin", "kubernetes"]}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("competences", ["python", "cobol-on-cards"], "Unknown competence: cobol-on-cards."),
        ("website", "javascript:alert(1)", "Enter a web address like https://firm.com."),
        ("website", "not a website", "Enter a web address like https://firm.com."),
        ("website", "odra.example/\x1b[2J", "Enter a web address like https://firm.com."),
        ("description", "x" * 5001, "Use at most 5000 characters."),
    ],
)
def test_bad_profile_input_is_refused_next_to_the_field_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    odra: factories.Account,
    field: str,
    value: object,
    message: str,
) -> None:
    auth.login(odra.email, odra.password)
    data = {"description": "Changed", "website": "", "competences": ["kotlin"], field: value}
    response = submit(client, "/member", data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'class="errors-summary"' in page
    with app.app_context():
        member = db.session.get(Member, odra.member_id)
        assert member.description == ""
        assert [c.slug for c in member.competences] == ["python", "aws"]


def test_member_users_get_403_on_staff_pages(
    client: FlaskClient, auth: AuthActions, odra: factories.Account
) -> None:
    auth.login(odra.email, odra.password)
    assert client.get("/staff/members/new").status_code == 403
    assert client.get("/staff").status_code == 403
    assert submit(client, "/staff/members/new", {"member_name": "X"}, "/members").status_code == 403


def test_anonymous_users_are_sent_to_sign_in_from_staff_pages(client: FlaskClient) -> None:
    for path in ("/staff", "/staff/members/new"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/login?next={path.replace('/', '%2F')}"


@pytest.mark.parametrize(
    "name",
    [
        "  odra   SOFTWARE ",
        "Odra \u200bSoftware",
        "O\u00addra\u2060 Soft\ufeffware\u200e",
        "\uff4f\uff44\uff52\uff41 software",
    ],
    ids=["case-and-spaces", "zero-width-space", "soft-hyphen-and-joiners", "full-width"],
)
def test_staff_cannot_add_a_firm_twice(
    app: Flask, client: FlaskClient, auth: AuthActions, name: str
) -> None:
    with app.app_context():
        factories.make_member("Odra Software")
        staff = factories.make_user(is_staff=True)
    auth.login(staff.email, staff.password)
    data = {"member_name": name, "email": "new@odra.example", "country": "PL"}
    response = submit(client, "/staff/members/new", data)
    assert response.status_code == 200
    assert "A member firm with this name exists already." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Member.id))) == 1


def test_staff_add_a_firm_whose_name_is_stored_without_invisible_characters(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app.app_context():
        staff = factories.make_user(is_staff=True)
    auth.login(staff.email, staff.password)
    data = {"member_name": "Elbtal\u200b Systemtechnik\u00ad GmbH\u2060", "email": "m@elbtal.de"}
    assert submit(client, "/staff/members/new", data).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Member.name)).all() == ["Elbtal Systemtechnik GmbH"]


def test_staff_form_keeps_what_was_typed_when_it_refuses(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    with app.app_context():
        staff = factories.make_user(is_staff=True)
    auth.login(staff.email, staff.password)
    data = {
        "member_name": "Elbtal Systemtechnik GmbH",
        "email": "not-an-address",
        "country": "DE",
        "competences": ["yocto-linux"],
    }
    page = submit(client, "/staff/members/new", data).get_data(as_text=True)
    assert "Enter a valid e-mail address" in page
    assert 'value="Elbtal Systemtechnik GmbH"' in page
    assert 'value="yocto-linux" checked' in page
    assert '<option selected value="DE">' in page
