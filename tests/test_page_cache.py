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
from board.models import Competence, Member, MemberStatus, Need, NeedStatus, User, utcnow
from board.needs import services
from board.page_cache import PageCache, arguments_key, page_cache
from tests import factories
from tests.conftest import CSRF_PATTERN, AuthActions
from tests.statements import statements_run

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
    hits, misses = counts(app)
    reader.get("/needs?sort=deadline")
    first = reader.get("/needs").get_data(as_text=True)
    assert counts(app) == (hits, misses + 2)  # two lists, each rendered once
    hits, misses = counts(app)
    second = reader.get("/needs").get_data(as_text=True)
    assert counts(app) == (hits + 1, misses)
    reader.get("/needs")
    assert counts(app) == (hits + 2, misses)
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


def test_a_firms_drafts_and_matches_kept_for_it_never_reach_another_firm(
    app: Flask, reader: FlaskClient, seen: dict[str, int]
) -> None:
    """The lists a firm alone may see (its drafts) or that depend on its competences
    ("matches my firm") are kept per firm: another firm asking the same gets its own."""
    with app.app_context():
        poster = db.session.get(Member, seen["poster"])
        factories.make_need(poster, title="Pleissetal draft", status=NeedStatus.DRAFT)
        factories.make_user(poster, email="p@pleissetal.example")
        factories.make_need(poster, title="Python pipeline", competences=("python",))
        python_firm = factories.make_member("Carpathia Data", competences=("python",))
        factories.make_user(python_firm, email="user@carpathia.example")
    poster_client = app.test_client()
    AuthActions(poster_client).login("p@pleissetal.example", factories.PASSWORD)
    other_client = app.test_client()
    AuthActions(other_client).login("user@carpathia.example", factories.PASSWORD)
    assert titles(poster_client, "?status=draft") == ["Pleissetal draft"]
    assert titles(other_client, "?status=draft") == []
    assert titles(reader, "?match=y") == ["Kotlin developers"]
    assert titles(other_client, "?match=y") == ["Python pipeline"]
    assert titles(reader, "?match=y") == ["Kotlin developers"]


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


# A need's page with its offers ---------------------------------------------------------------


@pytest.fixture
def offered(app: Flask, seen: dict[str, int]) -> dict[str, factories.Account]:
    """Two firms' offers on the poster's need, and a user of each firm concerned."""
    with app.app_context():
        need = db.session.get(Need, seen["need"])
        poster = db.session.get(Member, seen["poster"])
        rival = factories.make_member("Someș Data", competences=("kotlin",))
        accounts = {
            "requester": factories.make_user(poster, email="anna@pleissetal.example"),
            "colleague": factories.make_user(poster, email="jurgen@pleissetal.example"),
            "supplier": factories.make_user(rival, email="ioana@somes.example"),
        }
        factories.make_offer(need, rival, accounts["supplier"].id, price="11111")
        reader = db.session.get(Member, seen["reader"])
        factories.make_offer(need, reader, seen["user"], price="22222")
        return accounts


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    """A browser of its own, signed in as `account`."""
    client = app.test_client()
    AuthActions(client).login(account.email, account.password)
    return client


def need_page(client: FlaskClient, need_id: int) -> str:
    response = client.get(f"/needs/{need_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_need_page_kept_for_the_requester_firm_never_reaches_another_firm(
    app: Flask, seen: dict[str, int], offered: dict[str, factories.Account]
) -> None:
    page = need_page(signed_in(app, offered["requester"]), seen["need"])
    assert "11,111.00" in page and "22,222.00" in page
    hits, misses = counts(app)
    # A colleague of the requester's firm is served the kept page, with a token of their own.
    colleague = need_page(signed_in(app, offered["colleague"]), seen["need"])
    assert counts(app) == (hits + 1, misses)
    assert without_csrf_tokens(colleague) == without_csrf_tokens(page)
    # Each supplier firm sees its own offer and nothing of the other's.
    supplier = need_page(signed_in(app, offered["supplier"]), seen["need"])
    assert "11,111.00" in supplier and "22,222.00" not in supplier
    reader = factories.Account(seen["user"], "reader@odra.example", factories.PASSWORD, None, None)
    other = need_page(signed_in(app, reader), seen["need"])
    assert "22,222.00" in other and "11,111.00" not in other


def test_the_forms_of_a_kept_need_page_carry_each_users_own_token(
    app: Flask, seen: dict[str, int], offered: dict[str, factories.Account]
) -> None:
    need_page(signed_in(app, offered["requester"]), seen["need"])
    colleague = signed_in(app, offered["colleague"])
    # One token in every form, the kept part's and the page's own (the header's sign-out).
    (token,) = set(CSRF_PATTERN.findall(need_page(colleague, seen["need"])))
    with app.app_context():
        offer_id = db.session.scalar(text("SELECT id FROM offers WHERE price = 1111100"))
    response = colleague.post(f"/offers/{offer_id}/shortlist", data={"csrf_token": token})
    assert response.status_code == 302
    assert "shortlisted" in need_page(colleague, seen["need"])


def test_a_new_offer_shows_on_the_kept_need_page_at_once(
    app: Flask, seen: dict[str, int], offered: dict[str, factories.Account]
) -> None:
    requester = signed_in(app, offered["requester"])
    assert "33,333.00" not in need_page(requester, seen["need"])
    with app.app_context():
        firm = factories.make_member("Ceahlău Software", competences=("kotlin",))
        author = factories.make_user(firm)
        factories.make_offer(db.session.get(Need, seen["need"]), firm, author.id, price="33333")
    assert "33,333.00" in need_page(requester, seen["need"])


def test_query_arguments_name_one_entry_whatever_their_order_and_never_another_s() -> None:
    assert arguments_key([("q", "kotlin"), ("page", "2")]) == arguments_key(
        [("page", "2"), ("q", "kotlin")]
    )
    distinct = [
        [("a\0b", "c")],
        [("a", "b\0c")],
        [("q", "kotlin")],
        [("q", "kotlin"), ("q", "")],
        [("q", "\ud800")],  # a lone surrogate, as a mangled address may carry
        [],
    ]
    assert len({arguments_key(pairs) for pairs in distinct}) == len(distinct)


def test_a_request_that_loaded_no_user_reads_the_generation_itself(app: Flask) -> None:
    with app.test_request_context():
        before = page_cache().generation()
    with app.app_context():
        factories.make_member("Warta Data")
    with app.test_request_context():
        assert isinstance(before, int) and page_cache().generation() > before


def test_a_kept_board_costs_a_signed_in_request_one_statement(
    app: Flask, reader: FlaskClient
) -> None:
    """The generation comes with the signed-in user, in the statement that loads them: a
    board served from the cache asks nothing more of the database."""
    reader.get("/needs")
    with app.app_context(), statements_run() as statements:
        assert reader.get("/needs").status_code == 200
    assert len(statements) == 1


def test_a_size_of_zero_keeps_nothing(app: Flask, reader: FlaskClient) -> None:
    app.extensions["board.page_cache"] = PageCache(0)
    assert titles(reader) == titles(reader) == ["Kotlin developers"]
    assert counts(app) == (0, 0)
