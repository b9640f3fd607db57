"""The board page keeps its rendered list between requests and never shows it stale.

Every write to what the list shows, by the board's services, by another process or by plain
SQL, must show on the very next request; what differs between firms, languages and
arguments must never leak from one to the other.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from freezegun import freeze_time
from sqlalchemy import text

from board.competences import services as competences
from board.extensions import db
from board.members.services import set_member_status
from board.models import Competence, Member, MemberStatus, Need, User, utcnow
from board.needs import services
from board.page_cache import page_cache
from tests import factories
from tests.conftest import CSRF_PATTERN, AuthActions

TITLE = re.compile(r'<h2><a href="/needs/\d+">([^<]+)</a></h2>')


@pytest.fixture
def seen(app: Flask) -> dict[str, int]:
    """A firm with one open need, a reader firm with a user and a staff member."""
    with app.app_context():
        poster = factories.make_member("Pleissetal Consulting", competences=("sap-fiori",))
        need = factories.make_need(
            poster, title="Kotlin developers", competences=("kotlin",),
            budget_min=Decimal("98000"), currency="EUR",
        )  # fmt: skip
        reader = factories.make_member("Odra Software", competences=("kotlin",))
        user = factories.make_user(reader, email="reader@odra.example")
        staff = factories.make_user(None, email="staff@cluster.example", is_staff=True)
        return {"need": need.id, "poster": poster.id, "reader": reader.id,
                "user": user.id, "staff": staff.id}  # fmt: skip


@pytest.fixture
def reader(client: FlaskClient, seen: dict[str, int]) -> FlaskClient:
    AuthActions(client).login("reader@odra.example", factories.PASSWORD)
    return client


def titles(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"/needs{query}")
    assert response.status_code == 200
    return TITLE.findall(response.get_data(as_text=True))


def counts(app: Flask) -> tuple[int, int]:
    cache = app.extensions["board.page_cache"]
    return cache.hits, cache.misses


def without_csrf_tokens(page: str) -> str:
    """The page with its CSRF tokens blanked: they carry the second they were signed in."""
    return CSRF_PATTERN.sub(lambda m: m.group(0).replace(m.group(1), ""), page)


def test_a_second_request_is_served_from_the_cache(app: Flask, reader: FlaskClient) -> None:
    first = reader.get("/needs").get_data(as_text=True)
    hits, misses = counts(app)
    second = reader.get("/needs").get_data(as_text=True)
    assert counts(app) == (hits + 1, misses)
    assert without_csrf_tokens(second) == without_csrf_tokens(first)
    assert TITLE.findall(second) == ["Kotlin developers"]


def test_a_need_approved_shows_at_once(
    app: Flask, reader: FlaskClient, seen: dict[str, int]
) -> None:
    assert titles(reader) == ["Kotlin developers"]
    with app.app_context():
        poster = db.session.get(Member, seen["poster"])
        pending = factories.make_need(poster, title="A Rust audit", status="pending")
        services.approve_need(pending, db.session.get(User, seen["staff"]))
    assert titles(reader) == ["A Rust audit", "Kotlin developers"]


def test_an_edited_title_and_a_cancelled_need_show_at_once(
    app: Flask, reader: FlaskClient, seen: dict[str, int]
) -> None:
    titles(reader)
    with app.app_context():
        db.session.execute(
            text("UPDATE needs SET title = 'Kotlin and Ktor developers' WHERE id = :id"),
            {"id": seen["need"]},
        )
        db.session.commit()
    assert titles(reader) == ["Kotlin and Ktor developers"]
    with app.app_context():
        need = db.session.get(Need, seen["need"])
        services.cancel_need(need, db.session.get(User, seen["staff"]))
    assert titles(reader) == []


def test_a_suspended_firm_leaves_the_cached_board(
    app: Flask, reader: FlaskClient, seen: dict[str, int]
) -> None:
    titles(reader)
    with app.app_context():
        poster = db.session.get(Member, seen["poster"])
        set_member_status(poster, MemberStatus.SUSPENDED, db.session.get(User, seen["staff"]))
    assert titles(reader) == []


def test_a_renamed_competence_and_a_firms_new_competence_show_at_once(
    app: Flask, reader: FlaskClient, seen: dict[str, int]
) -> None:
    page = reader.get("/needs").get_data(as_text=True)
    assert "✓ Kotlin" in page
    with app.app_context():
        kotlin = db.session.scalar(db.select(Competence).filter_by(slug="kotlin"))
        competences.rename_competence(
            kotlin, "Kotlin (JVM)", kotlin.area, db.session.get(User, seen["staff"])
        )
    assert "✓ Kotlin (JVM)" in reader.get("/needs").get_data(as_text=True)
    with app.app_context():
        db.session.get(Member, seen["reader"]).competences = []
        db.session.commit()
    assert "✓ Kotlin" not in reader.get("/needs").get_data(as_text=True)


def test_another_firm_does_not_get_this_firms_list(
    app: Flask, reader: FlaskClient, seen: dict[str, int]
) -> None:
    assert "✓ Kotlin" in reader.get("/needs").get_data(as_text=True)
    with app.app_context():
        other = factories.make_member("Carpathia Data", competences=("python",))
        factories.make_user(other, email="user@carpathia.example")
    other_client = app.test_client()
    AuthActions(other_client).login("user@carpathia.example", factories.PASSWORD)
    page = other_client.get("/needs").get_data(as_text=True)
    assert TITLE.findall(page) == ["Kotlin developers"]
    assert "✓ Kotlin" not in page
    # The poster's own firm may post; its user sees the button, the list is its own.
    with app.app_context():
        factories.make_user(db.session.get(Member, seen["poster"]), email="p@pleissetal.example")
    poster_client = app.test_client()
    AuthActions(poster_client).login("p@pleissetal.example", factories.PASSWORD)
    assert "✓ Kotlin" not in poster_client.get("/needs").get_data(as_text=True)


def test_each_language_and_each_filter_has_its_own_entry(
    app: Flask, reader: FlaskClient, seen: dict[str, int]
) -> None:
    # Numbers are written the Polish way even before the Polish translation is compiled.
    app.extensions["board.locales"] = ["en", "pl"]
    english = reader.get("/needs").get_data(as_text=True)
    assert "from €98,000.00" in english
    with app.app_context():
        db.session.get(User, seen["user"]).locale = "pl"
        db.session.commit()
    polish = reader.get("/needs").get_data(as_text=True)
    assert "98\u00a0000,00\u00a0€" in polish
    assert TITLE.findall(polish) == ["Kotlin developers"]
    assert titles(reader, "?q=nothing-like-this") == []
    assert titles(reader, "?q=kotlin") == ["Kotlin developers"]


def test_days_left_move_on_without_any_write(app: Flask, reader: FlaskClient) -> None:
    with freeze_time(utcnow()) as clock:
        assert "14 days left" in reader.get("/needs").get_data(as_text=True)
        clock.tick(timedelta(days=1, seconds=61))
        page = reader.get("/needs").get_data(as_text=True)
    assert "13 days left" in page


def test_off_when_the_size_is_zero(app: Flask, reader: FlaskClient) -> None:
    app.extensions["board.page_cache"].entries = None
    titles(reader)
    titles(reader)
    assert counts(app) == (0, 0)
    with app.app_context():
        assert page_cache().generation() is None
