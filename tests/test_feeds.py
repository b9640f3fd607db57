"""The private feeds: an Atom feed of open needs read with feedparser, a calendar of deadlines
read with icalendar, and the secret in their addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from board.account import tokens
from board.competences.services import by_slugs
from board.extensions import db
from board.models import (
    AuditEvent,
    FeedToken,
    MemberStatus,
    Need,
    NeedMatch,
    NeedStatus,
    OfferStatus,
    User,
    utcnow,
)
from board.needs.services import extend_deadline
from tests import factories
from tests.conftest import AuthActions, submit


@dataclass
class Scene:
    supplier: factories.Account
    requester: factories.Account
    staff: factories.Account
    needs: dict[str, int]
    feed: str


def feed_of(user_id: int) -> str:
    user = db.session.get(User, user_id)
    assert user is not None
    return tokens.reset_feed_token(user).token


@pytest.fixture
def scene(app: Flask) -> Scene:
    """Spreewerk's user reads the feeds; Odra and Ceahlău post needs in several states."""
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        spreewerk = factories.make_member("Spreewerk Digital", competences=("kotlin", "python"))
        ceahlau = factories.make_member("Ceahlau Software", competences=("react",))
        dunaj = factories.make_member("Dunaj Systems", status=MemberStatus.SUSPENDED)
        requester = factories.make_user(odra, email="anna@odra.example")
        supplier = factories.make_user(spreewerk, email="jonas@spreewerk.example", locale="de")
        staff = factories.make_user(is_staff=True, email="clara@cluster.example")
        needs: dict[str, int] = {}

        def need(name: str, member: object, **fields: object) -> Need:
            made = factories.make_need(member, title=f"Need: {name}", **fields)  # type: ignore[arg-type]
            needs[name] = made.id
            return made

        offered = need("offered", odra, competences=("kotlin",), deadline_in_days=20)
        factories.make_offer(offered, spreewerk, supplier.id)
        withdrawn = need("withdrawn offer", odra, competences=("java",))
        factories.make_offer(withdrawn, spreewerk, supplier.id, status=OfferStatus.WITHDRAWN)
        matched = need("matched", ceahlau, competences=("python",), deadline_in_days=10)
        not_for_us = need("not for us", ceahlau, competences=("python",))
        db.session.add_all(
            [
                NeedMatch(need_id=matched.id, member_id=spreewerk.id, score=1.0),
                NeedMatch(
                    need_id=not_for_us.id,
                    member_id=spreewerk.id,
                    score=1.0,
                    not_for_us_at=utcnow(),
                ),
            ]
        )
        own = need("own", spreewerk, competences=("react",), deadline_in_days=5)
        own.question_deadline = own.offer_deadline - timedelta(days=2)
        own.questions_close_at = own.offers_close_at - timedelta(days=2)
        need("unrelated", ceahlau, competences=("react",))
        need("draft", odra, status=NeedStatus.DRAFT, competences=("kotlin",))
        need("hidden", odra, status=NeedStatus.HIDDEN, competences=("kotlin",))
        need("suspended", dunaj, competences=("kotlin",))
        need("own draft", spreewerk, status=NeedStatus.DRAFT, competences=("kotlin",))
        db.session.commit()
        return Scene(supplier, requester, staff, needs, feed_of(supplier.id))


def atom(client: FlaskClient, token: str) -> feedparser.FeedParserDict:
    response = client.get(f"/feeds/needs.atom?token={token}")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def calendar(client: FlaskClient, token: str) -> Calendar:
    response = client.get(f"/feeds/deadlines.ics?token={token}")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def titles(parsed: feedparser.FeedParserDict) -> list[str]:
    return [entry.title for entry in parsed.entries]


def test_the_atom_feed_holds_the_open_needs_the_user_may_read_newest_first(
    app: Flask, client: FlaskClient, scene: Scene
) -> None:
    with app.app_context():
        # Published in an order of their own: the feed is newest first.
        for number, name in enumerate(("matched", "unrelated", "offered")):
            need = db.session.get(Need, scene.needs[name])
            need.published_at = utcnow() + timedelta(minutes=number)  # type: ignore[union-attr]
        db.session.commit()
    parsed = atom(client, scene.feed)
    shown = titles(parsed)
    assert shown[:3] == ["Need: offered", "Need: unrelated", "Need: matched"]
    assert set(shown) == {
        f"Need: {name}"
        for name in ("offered", "withdrawn offer", "matched", "not for us", "own", "unrelated")
    }
    entry = parsed.entries[0]
    assert entry.link == f"http://board.test/needs/{scene.needs['offered']}"
    assert entry.id == entry.link
    assert entry.author == "Odra Software"
    assert {tag.term for tag in entry.tags} == {"kotlin"}
    assert "<strong>logistics</strong>" in entry.content[0].value
    # In the reader's language.
    assert parsed.feed.language == "de"
    assert parsed.feed.title != "Open needs on the cluster's procurement board"


def test_the_atom_feed_honours_the_personal_competence_filter(
    app: Flask, client: FlaskClient, scene: Scene
) -> None:
    with app.app_context():
        user = db.session.get(User, scene.supplier.id)
        user.competences = by_slugs(["python"])  # type: ignore[union-attr]
        db.session.commit()
    assert sorted(titles(atom(client, scene.feed))) == ["Need: matched", "Need: not for us"]


def test_staff_read_every_open_need_of_an_active_firm(
    app: Flask, client: FlaskClient, scene: Scene
) -> None:
    with app.app_context():
        token = feed_of(scene.staff.id)
    shown = titles(atom(client, token))
    assert "Need: suspended" not in shown and "Need: hidden" not in shown
    assert len(shown) == 6


def test_the_calendar_holds_the_deadlines_that_concern_the_firm(
    app: Flask, client: FlaskClient, scene: Scene
) -> None:
    events = calendar(client, scene.feed).walk("VEVENT")
    host = "board.test"
    uids = {str(event["UID"]) for event in events}
    expected = {
        f"need-{scene.needs['offered']}-offers@{host}",
        f"need-{scene.needs['matched']}-offers@{host}",
        f"need-{scene.needs['own']}-offers@{host}",
        f"need-{scene.needs['own']}-questions@{host}",
    }
    assert uids == expected
    with app.app_context():
        offered = db.session.get(Need, scene.needs["offered"])
        deadline = offered.offer_deadline  # type: ignore[union-attr]
    event = next(e for e in events if str(e["UID"]).startswith(f"need-{scene.needs['offered']}-"))
    assert event.decoded("DTSTART") == deadline
    assert event.decoded("DTEND") == deadline + timedelta(days=1)
    assert str(event["URL"]) == f"http://board.test/needs/{scene.needs['offered']}"
    assert "Need: offered" in str(event["SUMMARY"])
    # Soonest first.
    starts = [e.decoded("DTSTART") for e in events]
    assert starts == sorted(starts)


def test_an_event_keeps_its_uid_when_the_deadline_moves(
    app: Flask, client: FlaskClient, scene: Scene
) -> None:
    before = {
        str(e["UID"]): e.decoded("DTSTART") for e in calendar(client, scene.feed).walk("VEVENT")
    }
    with app.app_context():
        need = db.session.get(Need, scene.needs["offered"])
        requester = db.session.get(User, scene.requester.id)
        extend_deadline(need, requester, need.offer_deadline + timedelta(days=7))  # type: ignore[arg-type, union-attr]
    after = {
        str(e["UID"]): e.decoded("DTSTART") for e in calendar(client, scene.feed).walk("VEVENT")
    }
    uid = f"need-{scene.needs['offered']}-offers@board.test"
    assert set(after) == set(before)
    assert after[uid] == before[uid] + timedelta(days=7)


def test_staff_have_an_empty_calendar(app: Flask, client: FlaskClient, scene: Scene) -> None:
    with app.app_context():
        token = feed_of(scene.staff.id)
    assert calendar(client, token).walk("VEVENT") == []


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 200])
def test_a_made_up_secret_finds_no_feed(client: FlaskClient, scene: Scene, token: str) -> None:
    for path in ("/feeds/needs.atom", "/feeds/deadlines.ics"):
        assert client.get(f"{path}?token={token}").status_code == 404


def test_new_addresses_end_the_old_ones(
    app: Flask, client: FlaskClient, auth: AuthActions, scene: Scene
) -> None:
    auth.login(scene.supplier.email, factories.PASSWORD)
    page = client.get("/account").get_data(as_text=True)
    assert f"/feeds/needs.atom?token={scene.feed}" in page
    assert f"/feeds/deadlines.ics?token={scene.feed}" in page
    reset = submit(client, "/account/feeds", form_page="/account")
    assert reset.status_code == 302
    with app.app_context():
        new = db.session.get(FeedToken, scene.supplier.id).token  # type: ignore[union-attr]
        events = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("feed_token.%"))
        ).all()
    assert new != scene.feed
    assert events == ["feed_token.created", "feed_token.reset"]
    for path in ("/feeds/needs.atom", "/feeds/deadlines.ics"):
        assert client.get(f"{path}?token={scene.feed}").status_code == 404
        assert client.get(f"{path}?token={new}").status_code == 200
    page = client.get("/account").get_data(as_text=True)
    assert scene.feed not in page and new in page


def test_a_user_makes_feed_addresses_on_their_account(
    app: Flask, client: FlaskClient, auth: AuthActions, scene: Scene
) -> None:
    auth.login(scene.requester.email, factories.PASSWORD)
    assert "/feeds/needs.atom" not in client.get("/account").get_data(as_text=True)
    assert submit(client, "/account/feeds", form_page="/account").status_code == 302
    page = client.get("/account").get_data(as_text=True)
    found = re.search(r"/feeds/needs\.atom\?token=([\w-]+)", page)
    assert found is not None
    assert client.get(f"/feeds/needs.atom?token={found.group(1)}").status_code == 200


@pytest.mark.parametrize("change", ["deactivated", "suspended"])
def test_the_feeds_of_a_user_who_may_not_sign_in_are_gone(
    app: Flask, client: FlaskClient, scene: Scene, change: str
) -> None:
    with app.app_context():
        user = db.session.get(User, scene.supplier.id)
        if change == "deactivated":
            user.active = False  # type: ignore[union-attr]
        else:
            user.member.status = MemberStatus.SUSPENDED  # type: ignore[union-attr]
        db.session.commit()
    assert client.get(f"/feeds/needs.atom?token={scene.feed}").status_code == 404
    assert client.get(f"/feeds/deadlines.ics?token={scene.feed}").status_code == 404


def test_feeds_are_kept_privately_and_revalidated(client: FlaskClient, scene: Scene) -> None:
    for path in ("/feeds/needs.atom", "/feeds/deadlines.ics"):
        first = client.get(f"{path}?token={scene.feed}")
        assert first.headers["Cache-Control"] == "private, max-age=900"
        etag = first.headers["ETag"]
        again = client.get(f"{path}?token={scene.feed}", headers={"If-None-Match": etag})
        assert again.status_code == 304
    # Pages keep their own rule: kept by no cache.
    assert client.get("/login").headers["Cache-Control"] == "private, no-store"


def test_the_calendar_speaks_its_readers_language(client: FlaskClient, scene: Scene) -> None:
    cal = calendar(client, scene.feed)
    assert str(cal["X-WR-CALNAME"]) != "Deadlines on the procurement board"
    assert date.today() <= min(e.decoded("DTSTART") for e in cal.walk("VEVENT"))
