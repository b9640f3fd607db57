"""The board: full-text search, competence filters, 'matches my firm', order and pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board.extensions import db
from board.models import Member, MemberStatus, Need, NeedStatus, User, utcnow
from board.needs.services import BoardQuery, board_page, board_statement
from tests import factories
from tests.conftest import AuthActions
from tests.statements import statements_run

NEEDS = (
    ("Security audit of our payment API", "Forty endpoints behind OAuth; retest included.",
     ("penetration-testing",), 20),
    ("Two Kotlin developers for a logistics platform", "Ktor on Kubernetes for a client in Iași.",
     ("kotlin", "kubernetes"), 5),
    ("SAP S/4HANA migration support", "Adapt custom ABAP code and build Fiori extensions.",
     ("sap-abap-development",), 12),
)  # fmt: skip


@pytest.fixture
def viewer(app: Flask) -> factories.Account:
    """A user of a firm that knows Kotlin, looking at three open needs of another firm."""
    with app.app_context():
        poster = factories.make_member("Pleissetal Consulting", competences=("sap-fiori",))
        for title, description, competences, days in NEEDS:
            factories.make_need(poster, title=title, description=description,
                                competences=competences, deadline_in_days=days)  # fmt: skip
        factories.make_need(poster, title="A draft about Kotlin", status=NeedStatus.DRAFT,
                            competences=("kotlin",))  # fmt: skip
        reader = factories.make_member("Odra Software", competences=("kotlin", "python"))
        return factories.make_user(reader)


def titles(client: FlaskClient, query: str = "") -> list[str]:
    page = client.get(f"/needs{query}").get_data(as_text=True)
    return re.findall(r'<h2><a href="/needs/\d+">([^<]+)</a></h2>', page)


@pytest.fixture
def board(client: FlaskClient, viewer: factories.Account) -> FlaskClient:
    AuthActions(client).login(viewer.email, viewer.password)
    return client


def test_the_board_lists_open_needs_newest_first(board: FlaskClient) -> None:
    assert titles(board) == [title for title, *_ in reversed(NEEDS)]


def test_the_board_orders_by_deadline(board: FlaskClient) -> None:
    assert titles(board, "?sort=deadline") == [
        "Two Kotlin developers for a logistics platform",
        "SAP S/4HANA migration support",
        "Security audit of our payment API",
    ]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("OAuth", ["Security audit of our payment API"]),  # a word of the description only
        ("kotlin", ["Two Kotlin developers for a logistics platform"]),  # the title, any case
        ("Iasi", ["Two Kotlin developers for a logistics platform"]),
        ("iași ktor", ["Two Kotlin developers for a logistics platform"]),  # every word
        ("migrat", ["SAP S/4HANA migration support"]),  # the start of a word
        ("kotlin oauth", []),
        ('" OR 1=1 --', []),
    ],
)
def test_search_finds_needs_by_words_of_their_title_or_description(
    app: Flask, board: FlaskClient, query: str, expected: list[str]
) -> None:
    if query == "Iasi" and app.config["BACKEND"] == "postgresql":
        expected = []  # PostgreSQL's 'simple' configuration keeps diacritics; FTS5 folds them
    assert titles(board, f"?q={query}") == expected


def test_search_does_not_find_drafts_of_other_firms(board: FlaskClient) -> None:
    assert "A draft about Kotlin" not in titles(board, "?q=draft")


def test_filter_by_competences_keeps_needs_asking_for_any_of_them(board: FlaskClient) -> None:
    found = titles(board, "?competence=kotlin&competence=penetration-testing")
    assert sorted(found) == ["Security audit of our payment API",
                             "Two Kotlin developers for a logistics platform"]  # fmt: skip


def test_matches_my_firm_shows_needs_sharing_a_competence_and_marks_them(
    board: FlaskClient,
) -> None:
    assert titles(board, "?match=y") == ["Two Kotlin developers for a logistics platform"]
    page = board.get("/needs?match=y").get_data(as_text=True)
    assert '<li class="own"' in page and "✓ Kotlin" in page
    assert "✓ Kubernetes" not in page


def test_matches_my_firm_leaves_out_the_firms_own_needs(
    app: Flask, board: FlaskClient, viewer: factories.Account
) -> None:
    """A firm's own need asks for what the firm has; it is not a need that matches the firm."""
    with app.app_context():
        own = db.session.get(Member, viewer.member_id)
        factories.make_need(own, title="Our own Kotlin need", competences=("kotlin",))
    assert "Our own Kotlin need" in titles(board)
    assert titles(board, "?match=y") == ["Two Kotlin developers for a logistics platform"]


def test_search_and_filters_combine(board: FlaskClient) -> None:
    assert titles(board, "?q=audit&competence=kotlin") == []
    assert titles(board, "?q=kubernetes&competence=kotlin") == [
        "Two Kotlin developers for a logistics platform"
    ]


def test_the_board_shows_firm_budget_and_days_left(board: FlaskClient) -> None:
    page = board.get("/needs?q=kotlin").get_data(as_text=True)
    assert "Pleissetal Consulting" in page
    assert "5 days left" in page or "4 days left" in page


def test_a_firm_sees_its_own_needs_by_status(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        poster = factories.make_member("Pleissetal Consulting")
        account = factories.make_user(poster)
        factories.make_need(poster, title="Our pending need", status=NeedStatus.PENDING)
    AuthActions(client).login(account.email, account.password)
    assert titles(client, "?status=pending") == ["Our pending need"]
    page = client.get("/needs/mine").get_data(as_text=True)
    assert "Our pending need" in page and "waiting for review" in page


def test_other_firms_do_not_see_pending_needs_by_asking_for_them(
    board: FlaskClient, app: Flask
) -> None:
    with app.app_context():
        poster = factories.make_member("Someone Else")
        factories.make_need(poster, title="Their pending need", status=NeedStatus.PENDING)
    assert titles(board, "?status=pending") == []


def test_the_board_pages(app: Flask, board: FlaskClient) -> None:
    app.config["NEEDS_PER_PAGE"] = 2
    first, second = titles(board), titles(board, "?page=2")
    assert len(first) == 2 and len(second) == 1
    assert set(first).isdisjoint(second)
    page = board.get("/needs?q=a&page=1").get_data(as_text=True)
    assert 'rel="next"' not in page or "q=a" in page


def test_the_board_counts_only_what_it_may_show(app: Flask, board: FlaskClient) -> None:
    with app.app_context():
        assert db.session.scalar(select(func.count(Need.id))) == 4
    assert "3 needs" in board.get("/needs").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        BoardQuery(q="a"),  # a prefix of a word in each open need: two pages of two
        BoardQuery(q="kubernetes", competences=["kotlin"]),
        BoardQuery(q="s", competences=["kotlin", "sap-abap-development"], sort="relevance"),
        BoardQuery(q="nothing-like-this"),
        BoardQuery(competences=["kotlin", "penetration-testing"], sort="deadline"),
    ],
)
def test_a_board_page_finds_and_counts_what_paginating_the_statement_does(
    app: Flask, viewer: factories.Account, query: BoardQuery
) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == viewer.email))
        assert user is not None
        for number in (1, 2, 3):
            expected = db.paginate(
                board_statement(user, query), page=number, per_page=2, error_out=False
            )
            page = board_page(user, query, page=number, per_page=2)
            assert [n.id for n in page.items] == [n.id for n in expected.items]
            assert (page.total, page.pages) == (expected.total, expected.pages)


@pytest.fixture
def crowded(app: Flask) -> dict[str, factories.Account]:
    """Needs published at one instant, some with one deadline, in several states and firms."""
    with app.app_context():
        poster = factories.make_member("Warta Systems", competences=("kotlin",))
        suspended = factories.make_member("Nysa Labs", status=MemberStatus.SUSPENDED)
        instant = utcnow().replace(microsecond=0)
        kotlin = "Kotlin Kotlin Kotlin migration"
        for n, (title, days) in enumerate(
            [(kotlin, 9), ("Kotlin migration", 9), ("Ktor platform", 9), ("Kotlin", 3)] * 3
        ):
            need = factories.make_need(
                poster,
                title=title,
                deadline_in_days=days,
                competences=("kotlin", "python")[: 1 + n % 2],
            )
            need.published_at = instant
        factories.make_need(suspended, title="Kotlin platform of a suspended firm")
        for status in (NeedStatus.CLOSED, NeedStatus.PENDING, NeedStatus.CLOSED):
            factories.make_need(poster, title="Kotlin platform, not open", status=status)
        db.session.commit()
        return {
            "poster": factories.make_user(poster),
            "reader": factories.make_user(factories.make_member(competences=("python",))),
            "staff": factories.make_user(is_staff=True),
        }


@pytest.mark.parametrize("sort", ["newest", "deadline", "relevance"])
@pytest.mark.parametrize(
    "who, query",
    [
        ("reader", BoardQuery(q="kotlin")),
        ("reader", BoardQuery(q="kot migration")),
        ("reader", BoardQuery(q="platform")),
        ("reader", BoardQuery(q="kotlin", competences=["python"])),
        ("reader", BoardQuery(competences=["python", "kotlin"])),
        ("reader", BoardQuery(q="kotlin", matching=True)),
        ("reader", BoardQuery(q="--")),
        ("reader", BoardQuery(q="kotlin", status=NeedStatus.CLOSED)),
        ("poster", BoardQuery(q="kotlin", status=NeedStatus.PENDING)),
        ("staff", BoardQuery(q="kotlin platform", status=NeedStatus.CLOSED)),
        ("staff", BoardQuery(q="kotlin", competences=["kotlin"], status=NeedStatus.PENDING)),
    ],
)
def test_every_page_of_a_search_with_ties_matches_paginating_the_statement(
    app: Flask, crowded: dict[str, factories.Account], who: str, query: BoardQuery, sort: str
) -> None:
    query.sort = sort
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == crowded[who].email))
        assert user is not None
        everything = db.session.scalars(board_statement(user, query)).all()
        for per_page in (1, 3, 5):
            seen: list[int] = []
            for number in range(1, len(everything) // per_page + 3):
                expected = db.paginate(
                    board_statement(user, query), page=number, per_page=per_page, error_out=False
                )
                page = board_page(user, query, page=number, per_page=per_page)
                assert [n.id for n in page.items] == [n.id for n in expected.items]
                assert (page.total, page.pages) == (expected.total, expected.pages)
                assert page.total == len(everything)
                seen += [n.id for n in page.items]
                db.session.expunge_all()
            assert seen == [n.id for n in everything]


def test_needs_published_at_one_instant_are_listed_newest_id_first(
    app: Flask, crowded: dict[str, factories.Account]
) -> None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == crowded["reader"].email))
        assert user is not None
        for query in (BoardQuery(q="kotlin"), BoardQuery(q="kotlin", competences=["python"])):
            ids = [n.id for n in board_page(user, query, page=1, per_page=20).items]
            assert ids == sorted(ids, reverse=True)
            assert len(ids) == (6 if query.competences else 9)
        soonest = board_page(user, BoardQuery(q="kotlin", sort="deadline"), 1, 20).items
        assert [n.title for n in soonest[:3]] == ["Kotlin"] * 3
        assert [n.id for n in soonest[:3]] == sorted((n.id for n in soonest[:3]), reverse=True)


@pytest.mark.parametrize("sort", ["newest", "deadline"])
def test_a_search_with_more_needs_than_it_counts_pages_them_all_and_says_more_than(
    app: Flask, crowded: dict[str, factories.Account], client: FlaskClient, sort: str
) -> None:
    """Past SEARCH_COUNT_LIMIT a search by words alone stops counting, not finding."""
    app.config["SEARCH_COUNT_LIMIT"] = 4
    query = BoardQuery(q="kotlin", sort=sort)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == crowded["reader"].email))
        assert user is not None
        everything = [n.id for n in db.session.scalars(board_statement(user, query))]
        assert len(everything) > 4
        seen: list[int] = []
        for number in range(1, len(everything) // 3 + 3):
            page = board_page(user, query, page=number, per_page=3)
            assert (page.total, page.exact) == (4, False)
            assert page.has_next == (number < page.pages)
            seen += [n.id for n in page.items]
        assert seen == everything
        few = board_page(user, BoardQuery(q="ktor", sort=sort), page=1, per_page=3)
        assert (few.total, few.exact) == (3, True)
        app.config["SEARCH_COUNT_LIMIT"] = 3  # as many as it finds: all counted
        few = board_page(user, BoardQuery(q="ktor", sort=sort), page=1, per_page=3)
        assert (few.total, few.exact) == (3, True)
        app.config["SEARCH_COUNT_LIMIT"] = 4
    AuthActions(client).login(crowded["reader"].email, crowded["reader"].password)
    page = client.get(f"/needs?q=kotlin&sort={sort}").get_data(as_text=True)
    assert "More than 4 needs" in page


@pytest.mark.parametrize(
    "query",
    [BoardQuery(q="kotlin", sort="relevance"), BoardQuery(q="kotlin", competences=["python"])],
)
def test_a_search_by_relevance_or_by_competence_is_counted_and_ordered_past_the_limit(
    app: Flask, crowded: dict[str, factories.Account], query: BoardQuery
) -> None:
    """SEARCH_COUNT_LIMIT is for words alone in the board's order: a search ranked by
    relevance, or narrowed by competences, still counts every need and keeps its order."""
    app.config["SEARCH_COUNT_LIMIT"] = 4
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == crowded["reader"].email))
        assert user is not None
        everything = [n.id for n in db.session.scalars(board_statement(user, query))]
        assert len(everything) > 4
        page = board_page(user, query, page=1, per_page=3)
        assert (page.total, page.exact) == (len(everything), True)
        assert [n.id for n in page.items] == everything[:3]


def test_a_page_of_the_board_reads_its_needs_firms_and_competences_at_once(
    app: Flask, viewer: factories.Account
) -> None:
    """However many needs a page shows, it takes four statements: the count, the page, and
    the firms and competences of all its needs."""
    with app.app_context():
        other = factories.make_member("Warta Data", competences=("python",))
        factories.make_need(other, title="Second firm's need", competences=("python",))
        db.session.expire_all()
        user = db.session.get(User, viewer.id)
        with statements_run() as statements:
            page = board_page(user, BoardQuery(), 1, 20)
            shown = [(need.member.name, len(need.competences)) for need in page.items]
        firms = [("Warta Data", 1), *(("Pleissetal Consulting", n) for n in (1, 2, 1))]
        assert shown == firms
        assert len(statements) == 4
        db.session.expire_all()
        user = db.session.get(User, viewer.id)
        # A search by words: the viewer's firm, the search counted up to its limit, the page
        # with its count, and the same two.
        with statements_run() as statements:
            page = board_page(user, BoardQuery(q="a"), 1, 20)
            shown = [(need.member.name, len(need.competences)) for need in page.items]
        assert shown == firms
        assert len(statements) == 5


def test_staff_browse_what_members_see_of_suspended_firms_and_review_all(
    app: Flask, crowded: dict[str, factories.Account]
) -> None:
    """A suspended firm's needs leave the published board for staff too; its needs waiting
    for review stay in the staff's list."""
    with app.app_context():
        suspended = db.session.scalar(select(Member).where(Member.name == "Nysa Labs"))
        assert suspended is not None
        waiting = factories.make_need(suspended, title="Nysa's need", status=NeedStatus.PENDING)
        staff, reader = (
            db.session.scalar(select(User).where(User.email == crowded[who].email))
            for who in ("staff", "reader")
        )
        assert staff is not None and reader is not None

        def listed(user: User, status: NeedStatus) -> set[str]:
            query = BoardQuery(status=status)
            return {need.title for need in board_page(user, query, page=1, per_page=50).items}

        on_the_board = listed(staff, NeedStatus.OPEN)
        assert on_the_board == listed(reader, NeedStatus.OPEN)
        assert "Kotlin platform of a suspended firm" not in on_the_board
        assert waiting.title in listed(staff, NeedStatus.PENDING)


def test_the_newest_first_are_those_published_last_and_drafts_by_when_they_were_made(
    app: Flask, viewer: factories.Account
) -> None:
    with app.app_context():
        poster = db.session.scalar(select(Member).where(Member.name == "Pleissetal Consulting"))
        user = db.session.get(User, factories.make_user(poster).id)
        assert poster is not None and user is not None
        made_first, made_last = (
            factories.make_need(poster, title=title, status=NeedStatus.DRAFT)
            for title in ("Made first", "Made last")
        )
        made_first.created_at = made_last.created_at + timedelta(hours=1)
        opened = db.session.scalars(select(Need).where(Need.status == NeedStatus.OPEN)).all()
        opened[0].published_at = utcnow() + timedelta(hours=1)  # the oldest, published again
        db.session.commit()

        def titles_of(status: NeedStatus) -> list[str]:
            page = board_page(user, BoardQuery(status=status), page=1, per_page=50)
            return [need.title for need in page.items]

        assert titles_of(NeedStatus.DRAFT) == ["Made first", "Made last", "A draft about Kotlin"]
        assert titles_of(NeedStatus.OPEN)[0] == opened[0].title


def test_by_relevance_the_best_match_comes_first_where_the_database_ranks(
    app: Flask, crowded: dict[str, factories.Account]
) -> None:
    """PostgreSQL ranks (the title weighing most); SQLite's relevance is the newest first."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == crowded["reader"].email))
        assert user is not None
        relevant = board_page(user, BoardQuery(q="kotlin", sort="relevance"), 1, 50).items
        newest = board_page(user, BoardQuery(q="kotlin"), 1, 50).items
    if app.config["BACKEND"] == "postgresql":
        ranks = [need.title.count("Kotlin") for need in relevant]
        assert ranks == sorted(ranks, reverse=True) and ranks[0] == 3
    else:
        assert relevant == newest
