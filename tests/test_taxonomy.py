"""Staff keep the competence taxonomy: add, rename, retire, restore, merge."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board.competences.services import by_slugs
from board.extensions import db
from board.models import (
    AuditEvent,
    Competence,
    Member,
    Need,
    User,
    application_competences,
    member_competences,
    need_competences,
    user_competences,
)
from tests import factories
from tests.conftest import AuthActions, submit


@pytest.fixture
def staff_client(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        staff = factories.make_user(is_staff=True)
    AuthActions(client).login(staff.email, staff.password)
    return client


def competence(app: Flask, slug: str) -> Competence:
    with app.app_context():
        found = db.session.scalar(select(Competence).where(Competence.slug == slug))
        db.session.expunge_all()
        return found


def actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_staff_add_a_competence_to_an_area(app: Flask, staff_client: FlaskClient) -> None:
    response = submit(
        staff_client, "/staff/competences", {"name": " Rust ", "area": "Languages and frameworks"}
    )
    assert response.status_code == 302
    added = competence(app, "rust")
    assert (added.name, added.area, added.is_retired) == ("Rust", "Languages and frameworks", False)
    assert "competence.added" in actions(app)
    assert 'value="rust"' in staff_client.get("/staff/members/new").get_data(as_text=True)


@pytest.mark.parametrize("name", ["Python", "python", "PYTHON "])
def test_a_name_in_use_is_refused_next_to_the_field(
    app: Flask, staff_client: FlaskClient, name: str
) -> None:
    with app.app_context():
        before = db.session.scalar(select(func.count(Competence.id)))
    response = submit(staff_client, "/staff/competences", {"name": name, "area": "Languages"})
    assert response.status_code == 200
    assert "A competence with this name exists already." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Competence.id))) == before


def test_renaming_keeps_every_link(app: Flask, staff_client: FlaskClient) -> None:
    with app.app_context():
        firm_id = factories.make_member(competences=("kotlin",)).id
    kotlin = competence(app, "kotlin")
    data = {"name": "Kotlin (JVM)", "area": "Languages and frameworks"}
    submit(staff_client, f"/staff/competences/{kotlin.id}/rename", data, "/staff/competences")
    renamed = competence(app, "kotlin")
    assert renamed.name == "Kotlin (JVM)"
    with app.app_context():
        assert [c.name for c in db.session.get(Member, firm_id).competences] == ["Kotlin (JVM)"]
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "competence.renamed")
        )
        assert event.detail["before"] == {"name": "Kotlin", "area": "Languages and frameworks"}


def test_a_retired_competence_leaves_new_forms_but_stays_on_old_records(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        firm = factories.make_member("Odra Software", competences=("kotlin", "python"))
        firm_id = firm.id
        account = factories.make_user(firm)
        staff = factories.make_user(is_staff=True)
    staff_client = app.test_client()
    AuthActions(staff_client).login(staff.email, staff.password)
    kotlin = competence(app, "kotlin")
    submit(staff_client, f"/staff/competences/{kotlin.id}/retire", form_page="/staff/competences")
    assert competence(app, "kotlin").is_retired

    AuthActions(client).login(account.email, account.password)
    assert 'value="kotlin"' not in client.get("/needs/new").get_data(as_text=True)
    own = client.get("/member").get_data(as_text=True)
    assert 'value="kotlin" checked' in own  # the firm's own record keeps it
    # Saving the profile unchanged keeps the retired competence...
    submit(
        client, "/member", {"description": "", "website": "", "competences": ["kotlin", "python"]}
    )
    with app.app_context():
        assert {c.slug for c in db.session.get(Member, firm_id).competences} == {"kotlin", "python"}
    # ...but a new need cannot ask for it.
    response = submit(client, "/needs/new", {
        "title": "Kotlin help", "description": "Some text", "competences": ["kotlin"],
        "offer_deadline": "2099-01-01", "currency": "EUR", "work_mode": "remote",
        "work_language": "en",
    })  # fmt: skip
    assert "Unknown competence: kotlin." in response.get_data(as_text=True)

    submit(staff_client, f"/staff/competences/{kotlin.id}/restore", form_page="/staff/competences")
    assert not competence(app, "kotlin").is_retired
    assert ["competence.retired", "competence.restored"] == [
        a for a in actions(app) if a.startswith("competence.")
    ]


def test_a_merge_leaves_no_reference_to_the_retired_competence(
    app: Flask, staff_client: FlaskClient
) -> None:
    with app.app_context():
        both = factories.make_member("Has both", competences=("docker", "kubernetes")).id
        only_docker = factories.make_member("Docker only", competences=("docker",))
        filtering = factories.make_user(only_docker, email="filter@docker.example")
        db.session.get(User, filtering.id).competences = by_slugs(["docker"])
        db.session.commit()
        need_id = factories.make_need(only_docker, competences=("docker", "terraform")).id
        only_docker = only_docker.id
    docker, kubernetes = competence(app, "docker"), competence(app, "kubernetes")
    response = submit(staff_client, f"/staff/competences/{docker.id}/merge",
                      {"into": str(kubernetes.id)}, "/staff/competences")  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        for table in (
            member_competences,
            need_competences,
            application_competences,
            user_competences,
        ):
            left = select(func.count()).select_from(table).where(table.c.competence_id == docker.id)
            assert db.session.scalar(left) == 0, table.name
        assert [c.slug for c in db.session.get(Member, both).competences] == ["kubernetes"]
        assert [c.slug for c in db.session.get(Member, only_docker).competences] == ["kubernetes"]
        assert {c.slug for c in db.session.get(Need, need_id).competences} == {
            "kubernetes", "terraform",
        }  # fmt: skip
        assert [c.slug for c in db.session.get(User, filtering.id).competences] == ["kubernetes"]
        assert db.session.get(Competence, docker.id).is_retired
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "competence.merged")
        )
        assert event.detail == {"into": "kubernetes", "moved": 3}


def test_merging_into_itself_or_into_a_retired_one_is_refused(
    app: Flask, staff_client: FlaskClient
) -> None:
    docker, kubernetes = competence(app, "docker"), competence(app, "kubernetes")
    response = submit(staff_client, f"/staff/competences/{docker.id}/merge",
                      {"into": str(docker.id)}, "/staff/competences")  # fmt: skip
    assert "Choose two different competences." in staff_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    submit(
        staff_client, f"/staff/competences/{kubernetes.id}/retire", form_page="/staff/competences"
    )
    response = submit(staff_client, f"/staff/competences/{docker.id}/merge",
                      {"into": str(kubernetes.id)}, "/staff/competences")  # fmt: skip
    assert not competence(app, "docker").is_retired


@pytest.mark.parametrize("into", ["abc", "999999", ""])
def test_a_merge_into_something_that_is_not_a_competence_is_refused(
    app: Flask, staff_client: FlaskClient, into: str
) -> None:
    docker = competence(app, "docker")
    response = submit(staff_client, f"/staff/competences/{docker.id}/merge", {"into": into},
                      "/staff/competences")  # fmt: skip
    assert response.status_code in (302, 404)
    assert not competence(app, "docker").is_retired
