"""The reading rules of board/permissions.py as queries: each clause says what its predicate
says, and the pages load no row their viewer may not read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from board.extensions import db
from board.models import (
    Attachment,
    Clarification,
    Member,
    MemberStatus,
    Need,
    NeedStatus,
    Offer,
    Question,
    QuestionStatus,
    User,
    utcnow,
)
from board.offers.services import offers_on
from board.permissions import (
    can_view_attachment,
    can_view_clarification,
    can_view_member,
    can_view_need,
    can_view_offer,
    can_view_question,
    visible_attachments,
    visible_clarifications,
    visible_members,
    visible_needs,
    visible_offers,
    visible_questions,
)
from tests import factories
from tests.conftest import AuthActions

VIEWERS = ("requester", "supplier", "competitor", "bystander", "staff")


@dataclass(frozen=True)
class World:
    """Firm A's needs in every state; offers on them by firms B and C; a suspended firm's need."""

    accounts: dict[str, factories.Account]
    open_need: int


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        firm_a = factories.make_member("Odra Software", competences=("kotlin",))
        firm_b = factories.make_member("Spreewerk Digital", competences=("kotlin",))
        firm_c = factories.make_member("Ceahlău Software", competences=("kotlin",))
        firm_d = factories.make_member("Someș Data", competences=("kotlin",))
        gone = factories.make_member("Suspended Firm", status=MemberStatus.SUSPENDED)
        accounts = {
            "requester": factories.make_user(firm_a, email="anna@odra.example"),
            "supplier": factories.make_user(firm_b, email="jonas@spreewerk.example"),
            "competitor": factories.make_user(firm_c, email="mihai@ceahlau.example"),
            "bystander": factories.make_user(firm_d, email="ioana@somes.example"),
            "staff": factories.make_user(is_staff=True, email="staff@cluster.example"),
        }
        needs = {
            status: factories.make_need(firm_a, accounts["requester"].id, status=status)
            for status in NeedStatus
        }
        open_need = needs[NeedStatus.OPEN]
        factories.make_offer(open_need, firm_b, accounts["supplier"].id)
        hidden = factories.make_offer(open_need, firm_c, accounts["competitor"].id)
        hidden.hidden_at, hidden.hidden_reason = utcnow(), "Spam"
        # Firm B offered on a need that was then cancelled: it still sees that need.
        factories.make_offer(needs[NeedStatus.CANCELLED], firm_b, accounts["supplier"].id)
        factories.make_need(gone, title="A suspended firm's open need")
        # Firm B offered on a need of a firm suspended since: it no longer sees that need.
        gone_need = factories.make_need(gone, title="Cancelled", status=NeedStatus.CANCELLED)
        factories.make_offer(gone_need, firm_b, accounts["supplier"].id)
        factories.make_need(firm_b, accounts["supplier"].id, title="Firm B's own draft",
                            status=NeedStatus.DRAFT)  # fmt: skip
        # Questions by B, C and D in every state a reader tells apart, and clarifications.
        now = utcnow()
        answered = {"status": QuestionStatus.ANSWERED, "answer": "Yes."}
        closed, hidden_need = needs[NeedStatus.CLOSED], needs[NeedStatus.HIDDEN]
        for need, firm, values in (
            (open_need, firm_b, {}),
            (open_need, firm_c, answered),
            (open_need, firm_d, {**answered, "answer_hidden_at": now}),
            (open_need, firm_b, {**answered, "hidden_at": now}),
            (open_need, firm_c, {"status": QuestionStatus.DISMISSED}),
            (closed, firm_d, answered),
            (hidden_need, firm_b, answered),
        ):
            db.session.add(Question(need=need, member_id=firm.id, text="Why?", **values))
        for need, hidden_at in ((open_need, None), (open_need, now), (closed, None),
                                (hidden_need, None)):  # fmt: skip
            db.session.add(Clarification(need=need, text="Also this.", hidden_at=hidden_at))
        # A file on every need and on every offer.
        owners = [{"need": n} for n in db.session.scalars(select(Need))]
        owners += [{"offer": o} for o in db.session.scalars(select(Offer))]
        for owner in owners:
            db.session.add(Attachment(**owner, filename="f.pdf", content_type="application/pdf",
                                      size=1, sha256="0" * 64, content=b"%"))  # fmt: skip
        db.session.commit()
        return World(accounts, open_need.id)


def user_of(world: World, viewer: str) -> User:
    return db.session.get(User, world.accounts[viewer].id)


# Each reading rule: its model, predicate and clause, and how many rows each viewer reads.
RULES = {
    # Firm A's needs for A and staff; for the others its open, awarded and expired needs, the
    # cancelled one firm B offered on (for B), and B's own draft (for B).
    "needs": (Need, can_view_need, visible_needs,
              {"requester": 9, "supplier": 5, "competitor": 3, "bystander": 3, "staff": 12}),
    "offers": (Offer, can_view_offer, visible_offers,
               {"requester": 2, "supplier": 3, "competitor": 1, "bystander": 0, "staff": 4}),
    "members": (Member, can_view_member, visible_members,
                {"requester": 4, "supplier": 4, "competitor": 4, "bystander": 4, "staff": 5}),
    # The requester: all but the one staff hid; an asking firm: its own (hidden or not) and
    # the published ones of needs it reads; staff: all.
    "questions": (Question, can_view_question, visible_questions,
                  {"requester": 6, "supplier": 4, "competitor": 3, "bystander": 3, "staff": 7}),
    # The requester: all of its needs' (the hidden one too); others: those not hidden, of
    # needs they read.
    "clarifications": (Clarification, can_view_clarification, visible_clarifications,
                       {"requester": 4, "supplier": 2, "competitor": 2, "bystander": 2,
                        "staff": 4}),
    # The files of the needs and offers each reads, less those of the hidden need and offer.
    "attachments": (Attachment, can_view_attachment, visible_attachments,
                    {"requester": 10, "supplier": 8, "competitor": 3, "bystander": 3,
                     "staff": 16}),
}  # fmt: skip


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_each_clause_selects_exactly_the_rows_its_predicate_allows(
    app: Flask, world: World, viewer: str, rule: str
) -> None:
    model, predicate, clause, expected = RULES[rule]
    with app.app_context():
        user = user_of(world, viewer)
        rows = db.session.scalars(select(model)).all()
        allowed = {row.id for row in rows if predicate(user, row)}
        assert set(db.session.scalars(select(model.id).where(clause(user)))) == allowed
        assert len(allowed) == expected[viewer]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_visible_needs_of_one_status_is_the_same_rule_made_simpler(
    app: Flask, world: World, viewer: str
) -> None:
    with app.app_context():
        user = user_of(world, viewer)
        needs = db.session.scalars(select(Need)).all()
        for status in NeedStatus:
            of_status = select(Need.id).where(Need.status == status)
            found = set(db.session.scalars(of_status.where(visible_needs(user, status))))
            assert found == {n.id for n in needs if n.status == status and can_view_need(user, n)}


def test_a_competitors_query_for_the_offers_on_a_need_returns_only_its_own(
    app: Flask, world: World
) -> None:
    with app.app_context():
        need = db.session.get(Need, world.open_need)
        competitor = user_of(world, "competitor")
        assert [offer.member_id for offer in offers_on(need, competitor)] == [competitor.member_id]
        assert offers_on(need, user_of(world, "bystander")) == []
        # The requester does not read the offer staff hid; staff read both.
        assert len(offers_on(need, user_of(world, "requester"))) == 1
        assert len(offers_on(need, user_of(world, "staff"))) == 2


@contextmanager
def loaded_offers() -> Iterator[list[tuple[int, int]]]:
    """The (offer id, firm id) of every Offer the ORM builds from a row meanwhile."""
    loaded: list[tuple[int, int]] = []

    def record(offer: Offer, context: object) -> None:
        loaded.append((offer.id, offer.member_id))

    event.listen(Offer, "load", record)
    try:
        yield loaded
    finally:
        event.remove(Offer, "load", record)


@pytest.mark.parametrize("viewer", ["competitor", "bystander", "supplier"])
def test_a_competitors_need_page_loads_no_other_firms_offer(
    app: Flask, client: FlaskClient, world: World, viewer: str
) -> None:
    """Confidentiality is decided by the query: no foreign offer row reaches the page."""
    account = world.accounts[viewer]
    AuthActions(client).login(account.email, account.password)
    with loaded_offers() as loaded:
        assert client.get(f"/needs/{world.open_need}").status_code == 200
        assert client.get(f"/needs/{world.open_need}/offer").status_code == 200
    firms = {member_id for _, member_id in loaded}
    assert firms == (set() if viewer == "bystander" else {account.member_id})


@pytest.mark.parametrize("viewer", ["requester", "competitor", "bystander", "supplier"])
def test_a_need_page_loads_no_question_and_no_firm_its_reader_may_not_know_of(
    app: Flask, client: FlaskClient, world: World, viewer: str
) -> None:
    """Which firm asked is decided by the query: a reader's need page loads only the questions
    it may read, and no firm but the need's, its own and those whose offers it reads (never
    the firm that asked a question)."""
    account = world.accounts[viewer]
    AuthActions(client).login(account.email, account.password)
    questions: list[Question] = []
    firms: list[int] = []

    def question(row: Question, context: object) -> None:
        questions.append(row)

    def firm(row: Member, context: object) -> None:
        firms.append(row.id)

    event.listen(Question, "load", question)
    event.listen(Member, "load", firm)
    try:
        assert client.get(f"/needs/{world.open_need}").status_code == 200
    finally:
        event.remove(Question, "load", question)
        event.remove(Member, "load", firm)
    with app.app_context():
        user = user_of(world, viewer)
        readable = select(Question.id).where(
            Question.need_id == world.open_need, visible_questions(user)
        )
        assert {q.id for q in questions} == set(db.session.scalars(readable))
        need = db.session.get(Need, world.open_need)
        offering = select(Offer.member_id).where(Offer.need_id == need.id, visible_offers(user))
        known = {need.member_id, user.member_id, *db.session.scalars(offering)}
        assert set(firms) <= known


@contextmanager
def loaded_needs() -> Iterator[list[int]]:
    """The id of every Need the ORM builds from a row meanwhile."""
    loaded: list[int] = []

    def record(need: Need, context: object) -> None:
        loaded.append(need.id)

    event.listen(Need, "load", record)
    try:
        yield loaded
    finally:
        event.remove(Need, "load", record)


def test_a_firms_own_lists_load_no_row_it_may_not_read(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """My needs counts offers without loading the one staff hid; My offers names no need staff
    hid since the firm offered on it."""
    with app.app_context():
        need = db.session.get(Need, world.open_need)
        need.status = NeedStatus.HIDDEN
        db.session.commit()
    requester = world.accounts["requester"]
    AuthActions(client).login(requester.email, requester.password)
    with loaded_offers() as offers:
        page = client.get("/needs/mine").get_data(as_text=True)
    assert offers == []
    # The hidden need shows one offer (the supplier's); the one staff hid is not counted.
    assert "<td>1</td>" in page
    AuthActions(client).logout()
    supplier = world.accounts["supplier"]
    AuthActions(client).login(supplier.email, supplier.password)
    with loaded_needs() as needs:
        page = client.get("/offers").get_data(as_text=True)
    assert world.open_need not in needs
    assert "A need that is no longer on the board" in page
    assert f"/needs/{world.open_need}" not in page
