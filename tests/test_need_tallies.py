"""Each need's tally (offers, first offer, matched firms' answers) is what its offers and matches
say, whoever wrote them: the services, plain SQL, cascades, emptied tables, the migration, and
two transactions at once (PostgreSQL). The database keeps the tallies (migration 5d1c7e2a9b30);
here they are checked against counts made in Python from the rows themselves."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, select, text, update

from board.clock import cluster_today
from board.extensions import db
from board.matches.services import say_not_for_us, take_back_not_for_us
from board.models import (
    Member,
    Need,
    NeedMatch,
    NeedStatus,
    NeedTally,
    Offer,
    OfferStatus,
    PriceBasis,
    User,
)
from board.needs import services as needs
from board.offers import services as offers
from tests import factories

Counts = tuple[int, datetime | None, int, int, int]
# A need's publication and firm, and its counts.
Tally = tuple[datetime | None, int, Counts]
ZERO: Counts = (0, None, 0, 0, 0)


def counted() -> dict[int, Tally]:
    """Every need's tally, counted here from the need, its offers and its matches."""
    live: dict[int, list[Offer]] = defaultdict(list)
    for offer in db.session.scalars(select(Offer)):
        if offer.status != OfferStatus.WITHDRAWN:
            live[offer.need_id].append(offer)
    offering = {(o.need_id, o.member_id) for found in live.values() for o in found}
    matches: dict[int, list[NeedMatch]] = defaultdict(list)
    for match in db.session.scalars(select(NeedMatch)):
        matches[match.need_id].append(match)
    tallies = {}
    for need in db.session.scalars(select(Need)):
        found = matches[need.id]
        offered = [m for m in found if (m.need_id, m.member_id) in offering]
        declined = [m for m in found if m.not_for_us_at and m not in offered]
        first = min((o.created_at for o in live[need.id]), default=None)
        counts = (len(live[need.id]), first, len(found), len(offered), len(declined))
        tallies[need.id] = (need.published_at, need.member_id, counts)
    return {need_id: tally for need_id, tally in tallies.items() if worth_a_tally(tally)}


def worth_a_tally(tally: Tally) -> bool:
    """Published, or with something counted (a need that lost every offer and match, or was
    never published, may keep a tally of zeros)."""
    return tally[0] is not None or tally[2] != ZERO


def stored() -> dict[int, Tally]:
    """Every need's tally as the database keeps it."""
    db.session.expire_all()
    tallies = {
        t.need_id: (
            t.published_at,
            t.member_id,
            (t.offers, t.first_offer_at, t.matched, t.matched_offered, t.matched_not_for_us),
        )
        for t in db.session.scalars(select(NeedTally))
    }
    return {need_id: tally for need_id, tally in tallies.items() if worth_a_tally(tally)}


def assert_tallies_right() -> dict[int, Counts]:
    """That every tally is right; the counts of each."""
    found = stored()
    assert found == counted()
    return {need_id: tally[2] for need_id, tally in found.items()}


def offer_data(price: str = "50000") -> offers.OfferData:
    return offers.OfferData(
        message="Two engineers from March.",
        price=Decimal(price),
        currency="EUR",
        available_from=cluster_today() + timedelta(days=30),
        reference="",
        price_basis=PriceBasis.FIXED,
    )


def user_of(member: Member) -> User:
    account = factories.make_user(member)
    user = db.session.get(User, account.id)
    assert user is not None
    return user


def published(firm: Member, staff: User, competences: tuple[str, ...] = ("kotlin",)) -> Need:
    """A need sent for review and approved: its matches are recorded as the board records them."""
    author = user_of(firm)
    need = factories.make_need(firm, author.id, competences=competences, status=NeedStatus.DRAFT)
    needs.submit_need(need, author)
    needs.approve_need(need, staff)
    return need


def test_offers_and_answers_of_matched_firms_are_tallied_as_the_board_makes_them(
    app: Flask,
) -> None:
    with app.app_context():
        staff = db.session.get(User, factories.make_user(is_staff=True).id)
        requester = factories.make_member("Odra Software", ("python",))
        firms = [factories.make_member(f"Firm {n}", ("kotlin",)) for n in range(4)]
        outsider = factories.make_member("Elbtal Systemtechnik", ("python",))
        need = published(requester, staff)
        assert assert_tallies_right()[need.id] == (0, None, 4, 0, 0)

        people = [user_of(firm) for firm in firms]
        say_not_for_us(need, people[0], None)
        first, _ = offers.submit_offer(need, firms[1], people[1], offer_data())
        assert assert_tallies_right()[need.id] == (1, first.created_at, 4, 1, 1)
        # Said not for us, and offered all the same: counts as offering.
        offers.submit_offer(need, firms[0], people[0], offer_data("48000"))
        # An outsider's offer counts as an offer, not as a matched firm's.
        outside, _ = offers.submit_offer(need, outsider, user_of(outsider), offer_data("47000"))
        # Withdrawn: counted nowhere.
        withdrawn, _ = offers.submit_offer(need, firms[2], people[2], offer_data("46000"))
        offers.withdraw_offer(withdrawn, people[2])
        say_not_for_us(need, people[3], None)
        assert assert_tallies_right()[need.id] == (3, first.created_at, 4, 2, 1)

        take_back_not_for_us(need, people[3])
        offers.submit_offer(need, firms[1], people[1], offer_data("45000"))  # an edit
        offers.accept_offer(outside, db.session.get(User, need.author_id))
        assert assert_tallies_right()[need.id] == (3, first.created_at, 4, 2, 0)


def test_plain_sql_cascades_and_emptied_tables_keep_every_tally_right(app: Flask) -> None:
    with app.app_context():
        staff = db.session.get(User, factories.make_user(is_staff=True).id)
        requester = factories.make_member("Odra Software", ("python",))
        firms = [factories.make_member(f"Firm {n}", ("kotlin",)) for n in range(3)]
        first, second = published(requester, staff), published(requester, staff)
        for need in (first, second):
            for firm in firms:
                offers.submit_offer(need, firm, user_of(firm), offer_data())
        assert assert_tallies_right()[first.id][0] == 3

        # One statement over the offers of two needs.
        db.session.execute(
            update(Offer).where(Offer.member_id == firms[0].id).values(status="withdrawn")
        )
        db.session.execute(
            update(NeedMatch)
            .where(NeedMatch.member_id == firms[2].id)
            .values(not_for_us_at=datetime(2026, 1, 1, tzinfo=UTC))
        )
        db.session.commit()
        tallies = assert_tallies_right()
        assert tallies[first.id][0] == tallies[second.id][0] == 2

        # An offer moved in time changes when the first came.
        earliest = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        db.session.execute(
            update(Offer).where(Offer.member_id == firms[2].id).values(created_at=earliest)
        )
        db.session.commit()
        assert assert_tallies_right()[first.id][1] == earliest

        db.session.execute(delete(Offer).where(Offer.need_id == first.id))
        db.session.commit()
        # Firm 2 said the need is not for it, and has no offer left on it.
        assert assert_tallies_right()[first.id] == (0, None, 3, 0, 1)

        # A need deleted takes its offers, matches and tally with it.
        db.session.execute(delete(Need).where(Need.id == second.id))
        db.session.commit()
        assert_tallies_right()
        assert db.session.get(NeedTally, second.id) is None

        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("TRUNCATE need_matches"))
        else:
            db.session.execute(delete(NeedMatch))
        db.session.commit()
        # What is left: the published needs, with their offers and without matches.
        assert set(assert_tallies_right()) == {first.id}


def test_the_migration_tallies_the_needs_that_exist_and_comes_down_again(app: Flask) -> None:
    with app.app_context():
        staff = db.session.get(User, factories.make_user(is_staff=True).id)
        requester = factories.make_member("Odra Software", ("python",))
        firm = factories.make_member("Spreewerk Digital", ("kotlin",))
        need = published(requester, staff)
        offer, _ = offers.submit_offer(need, firm, user_of(firm), offer_data())
        need_id, expected = need.id, (1, offer.created_at, 1, 1, 0)
        requester_id, sent = requester.id, offer.created_at
        # The migrations alter tables this session has read: its transaction must not hold them.
        db.session.close()
        db.engine.dispose()
        downgrade(revision="19823fec1649")
        upgrade()
        assert assert_tallies_right() == {need_id: expected}
        # A need published later gets its tally then.
        firm = db.session.get(Member, requester_id)
        assert firm is not None
        draft = factories.make_need(firm, status=NeedStatus.DRAFT)
        assert draft.id not in assert_tallies_right()
        draft.published_at = sent
        db.session.commit()
        assert assert_tallies_right()[draft.id] == ZERO


def test_two_transactions_offering_on_one_need_at_once_are_both_tallied(app: Flask) -> None:
    """The second writer waits for the first (PostgreSQL: for the lock its tally takes on the
    need; SQLite: for the one write lock), then counts both offers."""
    with app.app_context():
        requester = factories.make_member("Odra Software", ("python",))
        firms = [factories.make_member(f"Firm {n}", ("kotlin",)) for n in range(2)]
        need_id = factories.make_need(requester).id
        firm_ids = [firm.id for firm in firms]
        insert = text(
            "INSERT INTO offers (need_id, member_id, message, price, currency, price_basis,"
            " available_from, reference, status, decline_reason, created_at, updated_at,"
            " hidden_reason) VALUES (:need, :firm, 'Offer', 100, 'EUR', 'fixed', :day, '',"
            " 'submitted', '', :now, :now, '')"
        )
        now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
        values = {"need": need_id, "day": now.date(), "now": now}
        errors: list[BaseException] = []
        with db.engine.connect() as one, db.engine.connect() as two:
            one.execute(insert, {**values, "firm": firm_ids[0]})

            def second() -> None:
                try:
                    two.execute(insert, {**values, "firm": firm_ids[1]})
                    two.commit()
                except BaseException as exc:  # noqa: BLE001 - the test reports it
                    errors.append(exc)

            waiting = threading.Thread(target=second)
            waiting.start()
            time.sleep(0.5)
            assert waiting.is_alive(), "the second writer did not wait for the first"
            one.commit()
            waiting.join(timeout=10)
        assert not errors
        assert stored()[need_id][2][0] == 2
        assert_tallies_right()
