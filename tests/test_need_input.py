"""Bad input on the need and offer forms and on the board's query string.

A refused form answers 200 with the message next to its field, keeps what was typed, and
changes nothing; nothing a user can type answers 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board.clock import cluster_today
from board.extensions import db
from board.models import AuditEvent, Need, NeedStatus, Offer
from tests import factories
from tests.conftest import AuthActions, submit

# A value in the table: typed as is, a date relative to the cluster's today, or None for a
# field left out of the form altogether.
Value = str | list[str] | Callable[[date], str] | None


def days(n: int) -> Callable[[date], str]:
    return lambda today: (today + timedelta(days=n)).isoformat()


def typed(value: Value, today: date) -> str | list[str] | None:
    return value(today) if callable(value) else value


VALID_NEED: dict[str, Value] = {
    "title": "Security audit of our payment API",
    "description": "A **penetration test** of a REST API with about forty endpoints.",
    "competences": ["python", "kubernetes"],
    "offer_deadline": days(30),
    "budget_min": "10000",
    "budget_max": "20000",
    "currency": "EUR",
    "work_mode": "remote",
    "work_language": "en",
}
VALID_OFFER: dict[str, Value] = {
    "message": "Two pentesters with OSCP, free from next month.",
    "price": "15000",
    "currency": "EUR",
    "available_from": days(10),
}
FORM_VALUES = {"need": VALID_NEED, "offer": VALID_OFFER}

TOO_LONG = "Use at most %d characters."
CHOICE = "Not a valid choice."
AMOUNT = "Enter an amount from 0 to one billion."

# (case, form, field spoilt, bad value, field the message is next to, message)
CASES: list[tuple[str, str, str, Value, str, str]] = [
    ("past deadline", "need", "offer_deadline", days(-1), "offer_deadline",
     "The offer deadline must be tomorrow or later."),
    ("deadline today", "need", "offer_deadline", days(0), "offer_deadline",
     "The offer deadline must be tomorrow or later."),
    ("deadline over a year ahead", "need", "offer_deadline", days(366), "offer_deadline",
     "The offer deadline can be at most one year ahead."),
    ("deadline not a date", "need", "offer_deadline", "not-a-date", "offer_deadline",
     "Enter a date like 2026-12-31."),
    ("budget min above max", "need", "budget_min", "30000", "budget_max",
     "The lowest budget cannot be above the highest."),
    ("negative budget", "need", "budget_min", "-1", "budget_min", AMOUNT),
    ("budget NaN", "need", "budget_max", "NaN", "budget_max", "Enter a number."),
    ("budget Infinity", "need", "budget_max", "Infinity", "budget_max", "Enter a number."),
    ("budget abc", "need", "budget_min", "abc", "budget_min", "Not a valid decimal value."),
    ("budget 1e400", "need", "budget_max", "1e400", "budget_max", AMOUNT),
    ("unknown competence", "need", "competences", ["python", "nope"], "competences",
     "Unknown competence: nope."),
    ("no competence", "need", "competences", None, "competences",
     "Choose at least one competence."),
    ("title of 4 characters", "need", "title", "Kotl", "title", "Use 5 to 200 characters."),
    ("title of 201 characters", "need", "title", "K" * 201, "title", "Use 5 to 200 characters."),
    ("empty description", "need", "description", "", "description", "Describe what you need."),
    ("description of 20001 characters", "need", "description", "d" * 20_001, "description",
     TOO_LONG % 20_000),
    ("description of 50000 characters", "need", "description", "d" * 50_000, "description",
     TOO_LONG % 20_000),
    ("unknown currency", "need", "currency", "XXX", "currency", CHOICE),
    ("unknown work mode", "need", "work_mode", "on-the-moon", "work_mode", CHOICE),
    ("unknown work language", "need", "work_language", "xx", "work_language", CHOICE),
    ("empty message", "offer", "message", "", "message", "Write what your firm offers."),
    ("message of 10001 characters", "offer", "message", "m" * 10_001, "message",
     TOO_LONG % 10_000),
    ("price abc", "offer", "price", "abc", "price", "Not a valid decimal value."),
    ("negative price", "offer", "price", "-100", "price", AMOUNT),
    ("no price", "offer", "price", None, "price", "Enter an amount."),
    ("price NaN", "offer", "price", "NaN", "price", "Enter a number."),
    ("no available_from", "offer", "available_from", None, "available_from",
     "Say from when your team is free."),
    ("unknown offer currency", "offer", "currency", "XXX", "currency", CHOICE),
]  # fmt: skip


@dataclass(frozen=True)
class World:
    """Firm A with a draft and an open need; firm B, which may offer on the open one."""

    requester: factories.Account
    supplier: factories.Account
    draft_id: int
    open_id: int
    today: date


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        firm_a = factories.make_member("Odra Software", competences=("kotlin",))
        firm_b = factories.make_member("Spreewerk Digital", competences=("python", "kotlin"))
        requester = factories.make_user(firm_a, email="anna@odra.example")
        supplier = factories.make_user(firm_b, email="jonas@spreewerk.example")
        draft = factories.make_need(firm_a, requester.id, status=NeedStatus.DRAFT)
        open_need = factories.make_need(firm_a, requester.id, status=NeedStatus.OPEN)
        return World(requester, supplier, draft.id, open_need.id, cluster_today())


def form_data(form: str, today: date, **changed: Value) -> dict[str, Any]:
    """The valid data of `form` with some fields changed; None leaves a field out."""
    values = {**FORM_VALUES[form], **changed}
    return {name: typed(value, today) for name, value in values.items() if value is not None}


def state(app: Flask, world: World) -> tuple[Any, ...]:
    """Row counts, and what the draft need holds."""
    with app.app_context():
        draft = db.session.get(Need, world.draft_id)
        assert draft is not None
        return (
            db.session.scalar(select(func.count(Need.id))),
            db.session.scalar(select(func.count(Offer.id))),
            db.session.scalar(select(func.count(AuditEvent.id))),
            draft.title,
            draft.description,
            draft.offer_deadline,
            draft.budget_min,
            draft.budget_max,
            draft.currency,
            draft.updated_at,
        )


def assert_message_next_to_field(page: str, field: str, message: str) -> None:
    assert message in page
    assert 'class="errors-summary"' in page
    # The message sits right after its field and is tied to it for screen readers.
    assert f'id="{field}-error1"' in page
    if field in ("competences", "work_mode"):
        group = re.search(rf'<fieldset[^>]*id="{field}"[^>]*>', page)
        assert group, f"no fieldset for {field}"
        assert f"{field}-error1" in group.group(0)
    else:
        tag = re.search(rf'<(input|select|textarea)[^>]*name="{field}"[^>]*>', page)
        assert tag, f"no field {field}"
        assert 'aria-invalid="true"' in tag.group(0)
        assert re.search(rf'aria-describedby="[^"]*\b{field}-error1\b', tag.group(0))


def sign_in(client: FlaskClient, account: factories.Account) -> None:
    response = AuthActions(client).login(account.email, account.password)
    assert response.status_code == 302


@pytest.mark.parametrize(
    "form, field, value, error_field, message",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_gets_a_message_next_to_the_field_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    world: World,
    form: str,
    field: str,
    value: Value,
    error_field: str,
    message: str,
) -> None:
    # An error the code did not expect answers 500 here, as it would in production.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    if form == "need":
        sign_in(client, world.requester)
        paths = ["/needs/new", f"/needs/{world.draft_id}/edit"]
    else:
        sign_in(client, world.supplier)
        paths = [f"/needs/{world.open_id}/offer"]
    data = form_data(form, world.today, **{field: value})
    before = state(app, world)

    for path in paths:
        response = submit(client, path, data)

        assert response.status_code == 200, path
        assert_message_next_to_field(response.get_data(as_text=True), error_field, message)
        assert state(app, world) == before, path


def test_a_refused_need_form_keeps_what_was_typed(
    app: Flask, client: FlaskClient, world: World
) -> None:
    sign_in(client, world.requester)
    data = form_data(
        "need",
        world.today,
        title="Audyt bezpieczeństwa <API> & „płatności”",
        description="Line one\n\n* **bold** <script>alert(1)</script>",
        competences=["kotlin", "python"],
        budget_min="12345.67",
        offer_deadline=days(-3),
        currency="PLN",
        work_mode="hybrid",
        work_language="pl",
    )
    for path in ("/needs/new", f"/needs/{world.draft_id}/edit"):
        page = submit(client, path, data).get_data(as_text=True)

        assert 'value="Audyt bezpieczeństwa &lt;API&gt; &amp; „płatności”"' in page
        assert "* **bold** &lt;script&gt;alert(1)&lt;/script&gt;</textarea>" in page
        assert "<script>alert(1)" not in page
        assert 'value="kotlin" checked' in page and 'value="python" checked' in page
        assert 'value="12345.67"' in page
        assert f'value="{data["offer_deadline"]}"' in page
        assert re.search(r'<option selected value="PLN">|<option value="PLN" selected>', page)
        assert re.search(r'value="hybrid"[^>]*checked|checked[^>]*value="hybrid"', page)


def test_a_valid_need_after_a_refused_one_is_saved(
    app: Flask, client: FlaskClient, world: World
) -> None:
    sign_in(client, world.requester)
    refused = form_data("need", world.today, offer_deadline=days(0))
    valid = form_data("need", world.today)
    with app.app_context():
        needs_before = db.session.scalar(select(func.count(Need.id)))

    assert submit(client, "/needs/new", refused).status_code == 200
    created = submit(client, "/needs/new", valid)
    assert created.status_code == 302
    assert submit(client, f"/needs/{world.draft_id}/edit", refused).status_code == 200
    edited = submit(client, f"/needs/{world.draft_id}/edit", valid)
    assert edited.status_code == 302
    assert edited.location == f"/needs/{world.draft_id}"

    with app.app_context():
        assert db.session.scalar(select(func.count(Need.id))) == needs_before + 1
        new_need = db.session.scalar(select(Need).order_by(Need.id.desc()))
        assert new_need is not None and created.location == f"/needs/{new_need.id}"
        for need in (new_need, db.session.get(Need, world.draft_id)):
            assert need is not None
            assert need.title == VALID_NEED["title"]
            assert need.status == NeedStatus.DRAFT
            assert need.offer_deadline == world.today + timedelta(days=30)


def test_a_valid_offer_after_a_refused_one_is_sent(
    app: Flask, client: FlaskClient, world: World
) -> None:
    sign_in(client, world.supplier)
    path = f"/needs/{world.open_id}/offer"

    refused = submit(client, path, form_data("offer", world.today, price="NaN"))
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert f"{VALID_OFFER['message']}</textarea>" in page
    assert 'value="NaN"' in page
    sent = submit(client, path, form_data("offer", world.today))
    assert sent.status_code == 302

    with app.app_context():
        offer = db.session.scalar(select(Offer).where(Offer.need_id == world.open_id))
        assert offer is not None
        assert offer.member_id == world.supplier.member_id
        assert str(offer.price) == "15000.00"


# The board's query string: whatever it holds, the board answers 200.
BOARD_QUERIES: list[dict[str, Any]] = [
    {"status": "bogus"},
    {"status": "draft"},
    {"competence": "nope"},
    {"competence": ["python", "nope"]},
    {"page": "-1"},
    {"page": "abc"},
    {"page": "999999"},
    {"page": "99999999999999999999"},
    {"sort": "evil"},
    {"sort": "relevance", "q": "kotlin"},
    {"q": "k" * 2000},
    {"q": "word " * 400},
    {"q": '" OR 1=1 --'},
    {"q": "*"},
    {"q": "NEAR("},
    {"q": "a:b"},
    {"q": "_"},
    {"q": "'); DROP TABLE needs; --"},
    {"q": "Kotlin & | ! <-> :* developers"},
    {"match": "y"},
    {"match": "y", "q": "kotlin", "sort": "deadline", "competence": "kotlin"},
]


def test_the_board_query_string_never_causes_an_error(app: Flask, world: World) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        staff = factories.make_user(is_staff=True, email="staff@cluster.example")
    answers: dict[str, int] = {}
    for name, account in (("member", world.supplier), ("staff", staff)):
        client = app.test_client()
        sign_in(client, account)
        for query in BOARD_QUERIES:
            url = "/needs?" + urlencode(query, doseq=True)
            answers[f"{name} {url[:80]}"] = client.get(url).status_code

    assert answers == {key: 200 for key in answers}


def test_a_nul_character_in_a_query_or_a_path_is_refused_with_a_reason(
    app: Flask, world: World
) -> None:
    client = app.test_client()
    sign_in(client, world.supplier)
    for path in ("/needs?q=%00", "/needs/%00", "/members/a%00b"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "NUL character" in response.get_data(as_text=True)
