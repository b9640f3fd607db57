"""The JSON API: tokens and what they may do, the same reading rules as the board's pages,
problem details, ETags, pages of results, the rate limit and the OpenAPI document."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from sqlalchemy import select
from werkzeug.test import TestResponse

from board.account import tokens
from board.extensions import db
from board.models import (
    ApiToken,
    AuditEvent,
    MemberStatus,
    Need,
    NeedStatus,
    Offer,
    TokenScope,
    User,
    utcnow,
)
from board.needs.services import BoardQuery, board_page
from board.offers.services import member_offers
from tests import factories
from tests.conftest import AuthActions, submit

PROBLEM = "application/problem+json"
IN_A_MONTH = (date.today() + timedelta(days=30)).isoformat()
OFFER = {
    "message": "Two Kotlin seniors, free from March.",
    "price": "125000.50",
    "currency": "EUR",
    "available_from": IN_A_MONTH,
}


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"API_RATE_LIMIT": "1000 per minute"}


def make_token(user_id: int, scope: TokenScope = TokenScope.WRITE, name: str = "CRM") -> str:
    user = db.session.get(User, user_id)
    assert user is not None
    return tokens.create_api_token(user, name, scope)[1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Cluster:
    """Odra posts needs in every state; Spreewerk offers; a third firm is suspended."""

    requester: factories.Account
    supplier: factories.Account
    staff: factories.Account
    needs: dict[str, int]
    offer: int
    tokens: dict[str, str]


@pytest.fixture
def cluster(app: Flask) -> Cluster:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        spreewerk = factories.make_member("Spreewerk Digital", competences=("kotlin", "python"))
        dunaj = factories.make_member("Dunaj Systems", status=MemberStatus.SUSPENDED)
        requester = factories.make_user(odra, email="anna@odra.example")
        supplier = factories.make_user(spreewerk, email="jonas@spreewerk.example")
        staff = factories.make_user(is_staff=True, email="clara@cluster.example")
        needs = {
            state.value: factories.make_need(
                odra, requester.id, title=f"Kotlin team ({state.value})", status=state
            ).id
            for state in (
                NeedStatus.DRAFT,
                NeedStatus.PENDING,
                NeedStatus.OPEN,
                NeedStatus.HIDDEN,
                NeedStatus.CANCELLED,
                NeedStatus.CLOSED,
            )
        }
        needs["suspended"] = factories.make_need(dunaj, title="Left with its firm").id
        needs["python"] = factories.make_need(
            spreewerk, supplier.id, title="Python data pipelines", competences=("python",)
        ).id
        offer = factories.make_offer(db.session.get(Need, needs["open"]), spreewerk, supplier.id)
        made = {
            "requester": make_token(requester.id),
            "supplier": make_token(supplier.id),
            "reader": make_token(supplier.id, TokenScope.READ, "Dashboard"),
            "staff": make_token(staff.id),
        }
        return Cluster(requester, supplier, staff, needs, offer.id, made)


def get(
    client: FlaskClient, path: str, token: str | None, headers: dict[str, str] | None = None
) -> TestResponse:
    return client.get(path, headers={**(bearer(token) if token else {}), **(headers or {})})


def assert_problem(response: TestResponse, status: int, title: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert {"type", "title", "status"} <= body.keys()
    if title is not None:
        assert body["title"] == title
    return body


# Tokens, as their user makes and revokes them ------------------------------------------------


def test_a_new_token_is_shown_once_and_kept_only_as_a_hash(
    app: Flask, client: FlaskClient, auth: AuthActions, cluster: Cluster
) -> None:
    auth.login(cluster.supplier.email, factories.PASSWORD)
    made = submit(client, "/account/tokens", {"name": "Our CRM", "scope": "read"})
    assert made.status_code == 200
    page = made.get_data(as_text=True)
    secret = re.search(r'value="(cpb_[0-9a-f]+_[\w-]+)"', page).group(1)  # type: ignore[union-attr]
    prefix = secret.split("_")[1]
    with app.app_context():
        token = db.session.scalar(select(ApiToken).where(ApiToken.name == "Our CRM"))
        assert token is not None and token.prefix == prefix and token.scope == TokenScope.READ
        secret_part = secret.split("_", 2)[2]
        assert token.secret_hash == hashlib.sha256(secret_part.encode()).hexdigest()
        stored = [str(value) for value in db.session.execute(select(ApiToken)).scalars()]
        assert all(secret_part not in text for text in stored)
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "api_token.created", AuditEvent.target_id == token.id
            )
        )
        assert event is not None and event.actor_id == cluster.supplier.id
        assert event.detail == {"name": "Our CRM", "scope": "read", "prefix": prefix}
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and secret_part not in again
    assert f"cpb_{prefix}_…" in again
    assert get(client, "/api/v1/needs", secret).status_code == 200


def test_a_token_shows_when_it_was_last_used_written_at_most_once_a_minute(
    app: Flask, client: FlaskClient, auth: AuthActions, cluster: Cluster
) -> None:
    secret = cluster.tokens["supplier"]
    prefix = secret.split("_")[1]

    def last_used() -> Any:
        with app.app_context():
            return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.prefix == prefix))

    assert last_used() is None
    get(client, "/api/v1/competences", secret)
    first = last_used()
    assert first is not None
    get(client, "/api/v1/competences", secret)
    assert last_used() == first
    with app.app_context():
        token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
        tokens.note_use(token, first + timedelta(seconds=30))  # type: ignore[arg-type]
        assert last_used() == first
        tokens.note_use(token, first + timedelta(seconds=61))  # type: ignore[arg-type]
        assert last_used() == first + timedelta(seconds=61)
    auth.login(cluster.supplier.email, factories.PASSWORD)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert page.count("never") == 1  # the read-only token, unused


def test_a_revoked_token_is_refused_and_the_revocation_audited(
    app: Flask, client: FlaskClient, auth: AuthActions, cluster: Cluster
) -> None:
    secret = cluster.tokens["supplier"]
    with app.app_context():
        token_id = db.session.scalar(
            select(ApiToken.id).where(ApiToken.prefix == secret.split("_")[1])
        )
    auth.login(cluster.supplier.email, factories.PASSWORD)
    revoked = submit(client, f"/account/tokens/{token_id}/revoke", form_page="/account/tokens")
    assert revoked.status_code == 302
    body = assert_problem(get(client, "/api/v1/needs", secret), 401)
    assert body["type"].endswith("#problem-invalid-token")
    offered = client.post(
        f"/api/v1/needs/{cluster.needs['open']}/offers", json=OFFER, headers=bearer(secret)
    )
    assert_problem(offered, 401)
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "api_token.revoked")
        )
        assert event is not None and event.actor_id == cluster.supplier.id
    # Revoking again says so and changes nothing.
    again = submit(client, f"/account/tokens/{token_id}/revoke", form_page="/account/tokens")
    assert again.status_code == 302


def test_one_cannot_revoke_another_users_token(
    app: Flask, client: FlaskClient, auth: AuthActions, cluster: Cluster
) -> None:
    with app.app_context():
        token_id = db.session.scalar(
            select(ApiToken.id).where(ApiToken.prefix == cluster.tokens["supplier"].split("_")[1])
        )
    auth.login(cluster.requester.email, factories.PASSWORD)
    refused = submit(client, f"/account/tokens/{token_id}/revoke", form_page="/account/tokens")
    assert refused.status_code == 404
    assert get(client, "/api/v1/needs", cluster.tokens["supplier"]).status_code == 200


@pytest.mark.parametrize("change", ["deactivated", "suspended"])
def test_a_token_of_a_user_who_may_not_sign_in_is_refused(
    app: Flask, client: FlaskClient, cluster: Cluster, change: str
) -> None:
    with app.app_context():
        user = db.session.get(User, cluster.supplier.id)
        if change == "deactivated":
            user.active = False  # type: ignore[union-attr]
        else:
            user.member.status = MemberStatus.SUSPENDED  # type: ignore[union-attr]
        db.session.commit()
    assert_problem(get(client, "/api/v1/needs", cluster.tokens["supplier"]), 401)


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer cpb_nothing_here", "Basic dXNlcjpwYXNz", "Bearer cpb__", "bearer x"],
)
def test_requests_without_a_live_token_get_401_with_how_to_authenticate(
    client: FlaskClient, cluster: Cluster, header: str
) -> None:
    response = client.get("/api/v1/needs", headers={"Authorization": header} if header else {})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_a_forged_secret_with_a_real_prefix_is_refused(
    client: FlaskClient, cluster: Cluster
) -> None:
    tag, prefix, secret = cluster.tokens["supplier"].split("_", 2)
    forged = f"{tag}_{prefix}_{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"
    assert_problem(get(client, "/api/v1/needs", forged), 401)


def test_a_browser_session_is_no_way_into_the_api(
    client: FlaskClient, auth: AuthActions, cluster: Cluster
) -> None:
    auth.login(cluster.supplier.email, factories.PASSWORD)
    assert_problem(client.get("/api/v1/needs"), 401)
    # Nor does it need a CSRF token: the bearer token is the proof.
    response = client.post(
        f"/api/v1/needs/{cluster.needs['open']}/offers",
        json=OFFER,
        headers=bearer(cluster.tokens["supplier"]),
    )
    assert response.status_code in (201, 409)


# What a token reads: what its user reads on the board ---------------------------------------


ROLES = ("requester", "supplier", "staff")


def test_each_need_answers_as_its_page_does_for_every_role(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    accounts = {
        "requester": cluster.requester,
        "supplier": cluster.supplier,
        "staff": cluster.staff,
    }
    for role in ROLES:
        browser = app.test_client()
        AuthActions(browser).login(accounts[role].email, factories.PASSWORD)
        for name, need_id in cluster.needs.items():
            page = browser.get(f"/needs/{need_id}").status_code
            api = get(client, f"/api/v1/needs/{need_id}", cluster.tokens[role]).status_code
            assert (page, api) in ((200, 200), (404, 404)), (role, name, page, api)


@pytest.mark.parametrize("status", [s.value for s in NeedStatus])
def test_the_list_of_needs_is_the_boards_for_every_role_and_status(
    app: Flask, client: FlaskClient, cluster: Cluster, status: str
) -> None:
    accounts = {
        "requester": cluster.requester,
        "supplier": cluster.supplier,
        "staff": cluster.staff,
    }
    for role in ROLES:
        listed = get(client, f"/api/v1/needs?status={status}", cluster.tokens[role]).get_json()
        with app.app_context():
            user = db.session.get(User, accounts[role].id)
            board = board_page(user, BoardQuery(status=NeedStatus(status)), 1, 100)  # type: ignore[arg-type]
            expected = [need.id for need in board.items]
        assert [item["id"] for item in listed["items"]] == expected, role


def test_the_detail_of_a_need_shows_published_questions_only(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    from board.questions import services as questions

    with app.app_context():
        need = db.session.get(Need, cluster.needs["open"])
        anna = db.session.get(User, cluster.requester.id)
        jonas = db.session.get(User, cluster.supplier.id)
        answered = questions.ask_question(need, jonas, "Which Kotlin version?")
        questions.answer_question(answered, anna, "Kotlin 2.1.")
        questions.ask_question(need, jonas, "Is the budget firm?")
        questions.publish_clarification(need, anna, "The office is in Wrocław.")
    detail = get(client, f"/api/v1/needs/{cluster.needs['open']}", cluster.tokens["supplier"])
    body = detail.get_json()
    assert [q["question"] for q in body["questions"]] == ["Which Kotlin version?"]
    assert body["questions"][0]["answer"] == "Kotlin 2.1."
    assert [c["text"] for c in body["clarifications"]] == ["The office is in Wrocław."]
    assert body["own_offer_id"] == cluster.offer
    assert body["url"] == f"http://board.test/needs/{cluster.needs['open']}"


def test_the_firms_offers_are_its_own_only(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    supplier = get(client, "/api/v1/offers", cluster.tokens["supplier"]).get_json()
    requester = get(client, "/api/v1/offers", cluster.tokens["requester"]).get_json()
    with app.app_context():
        jonas = db.session.get(User, cluster.supplier.id)
        expected = [offer.id for offer, _need in member_offers(jonas)]  # type: ignore[arg-type]
    assert [o["id"] for o in supplier["items"]] == expected == [cluster.offer]
    assert requester["items"] == []
    # The requester firm reads the offer on its need on the board, but it is not its offer.
    assert_problem(get(client, f"/api/v1/offers/{cluster.offer}", cluster.tokens["requester"]), 404)
    assert (
        get(client, f"/api/v1/offers/{cluster.offer}", cluster.tokens["supplier"]).status_code
        == 200
    )
    assert_problem(get(client, "/api/v1/offers", cluster.tokens["staff"]), 403)


def test_competences_and_members_are_the_directorys(client: FlaskClient, cluster: Cluster) -> None:
    competences = get(client, "/api/v1/competences", cluster.tokens["reader"]).get_json()
    assert {"slug": "kotlin", "name": "Kotlin", "area": "Languages and frameworks"} in competences[
        "items"
    ]
    members = get(client, "/api/v1/members", cluster.tokens["reader"]).get_json()
    assert [m["slug"] for m in members["items"]] == ["odra-software", "spreewerk-digital"]


# Writing -------------------------------------------------------------------------------------


def test_a_firm_sends_changes_and_withdraws_its_offer(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    with app.app_context():
        other = factories.make_need(
            db.session.get(User, cluster.requester.id).member,  # type: ignore[union-attr]
            cluster.requester.id,
            title="A second Kotlin team",
        )
        need_id = other.id
    token = cluster.tokens["supplier"]
    sent = client.post(f"/api/v1/needs/{need_id}/offers", json=OFFER, headers=bearer(token))
    assert sent.status_code == 201, sent.get_json()
    offer = sent.get_json()
    assert offer["price"] == "125000.50" and offer["status"] == "submitted"
    assert sent.headers["Location"].endswith(f"/api/v1/offers/{offer['id']}")
    twice = client.post(f"/api/v1/needs/{need_id}/offers", json=OFFER, headers=bearer(token))
    assert_problem(twice, 409)

    changed = client.patch(
        f"/api/v1/offers/{offer['id']}",
        json={"price": 99000, "price_basis": "day"},
        headers=bearer(token),
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["price"] == "99000.00" and changed.get_json()["edited_at"]
    withdrawn = client.post(f"/api/v1/offers/{offer['id']}/withdraw", headers=bearer(token))
    assert withdrawn.get_json()["status"] == "withdrawn"
    assert_problem(
        client.patch(f"/api/v1/offers/{offer['id']}", json={"price": 1}, headers=bearer(token)),
        409,
    )
    again = client.post(f"/api/v1/needs/{need_id}/offers", json=OFFER, headers=bearer(token))
    assert again.status_code == 200 and again.get_json()["status"] == "submitted"
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.target_type == "offer", AuditEvent.target_id == offer["id"])
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["offer.submitted", "offer.updated", "offer.withdrawn", "offer.submitted"]


def test_a_read_only_token_cannot_write(app: Flask, client: FlaskClient, cluster: Cluster) -> None:
    reader = bearer(cluster.tokens["reader"])
    with app.app_context():
        before = db.session.scalars(select(Offer).order_by(Offer.id)).all()
        before = [(o.id, o.status, o.price) for o in before]
    for response in (
        client.post(f"/api/v1/needs/{cluster.needs['python']}/offers", json=OFFER, headers=reader),
        client.patch(f"/api/v1/offers/{cluster.offer}", json={"price": 1}, headers=reader),
        client.post(f"/api/v1/offers/{cluster.offer}/withdraw", headers=reader),
    ):
        body = assert_problem(response, 403)
        assert body["type"].endswith("#problem-insufficient-scope")
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    with app.app_context():
        after = [
            (o.id, o.status, o.price) for o in db.session.scalars(select(Offer).order_by(Offer.id))
        ]
    assert after == before


def test_staff_tokens_send_no_offers_and_firms_none_on_their_own_needs(
    client: FlaskClient, cluster: Cluster
) -> None:
    open_need = cluster.needs["open"]
    staff = client.post(
        f"/api/v1/needs/{open_need}/offers", json=OFFER, headers=bearer(cluster.tokens["staff"])
    )
    assert_problem(staff, 403)
    own = client.post(
        f"/api/v1/needs/{open_need}/offers", json=OFFER, headers=bearer(cluster.tokens["requester"])
    )
    assert_problem(own, 403)
    # A need the firm may not read is not there for it.
    draft = client.post(
        f"/api/v1/needs/{cluster.needs['draft']}/offers",
        json=OFFER,
        headers=bearer(cluster.tokens["supplier"]),
    )
    assert_problem(draft, 404)
    # Another firm's offer cannot be changed or withdrawn.
    foreign = client.post(
        f"/api/v1/offers/{cluster.offer}/withdraw", headers=bearer(cluster.tokens["requester"])
    )
    assert_problem(foreign, 404)


# Problems ------------------------------------------------------------------------------------


def test_every_error_is_a_problem_document(client: FlaskClient, cluster: Cluster) -> None:
    token = cluster.tokens["requester"]
    assert_problem(get(client, "/api/v1/no-such-thing", token), 404)
    assert_problem(get(client, "/api/v1/needs/2147483647", token), 404)
    not_allowed = client.delete("/api/v1/needs", headers=bearer(token))
    assert_problem(not_allowed, 405)
    assert "GET" in not_allowed.headers["Allow"]
    assert_problem(get(client, "/api/v1/needs?q=a%00b", token), 400)
    as_form = client.post(
        f"/api/v1/needs/{cluster.needs['python']}/offers", data=OFFER, headers=bearer(token)
    )
    assert_problem(as_form, 415)
    broken = client.post(
        f"/api/v1/needs/{cluster.needs['python']}/offers",
        data="{not json",
        content_type="application/json",
        headers=bearer(token),
    )
    assert_problem(broken, 400)


def test_a_body_that_is_not_valid_lists_each_field_and_why(
    client: FlaskClient, cluster: Cluster
) -> None:
    response = client.post(
        f"/api/v1/needs/{cluster.needs['python']}/offers",
        json={**OFFER, "price": -5, "currency": "XXX", "surplus": 1, "message": "a\x00b"},
        headers=bearer(cluster.tokens["requester"]),
    )
    body = assert_problem(response, 422)
    assert body["type"].endswith("#problem-validation")
    assert {error["field"] for error in body["errors"]} == {
        "price",
        "currency",
        "surplus",
        "message",
    }


def test_filters_that_make_no_sense_are_refused_with_their_field(
    client: FlaskClient, cluster: Cluster
) -> None:
    token = cluster.tokens["supplier"]
    for query, field in (
        ("status=nonsense", "status"),
        ("competence=no-such-skill", "competence"),
        ("page=0", "page"),
        ("sort=cheapest", "sort"),
    ):
        body = assert_problem(get(client, f"/api/v1/needs?{query}", token), 422)
        assert [error["field"] for error in body["errors"]] == [field], query


def test_details_are_in_the_language_asked_for(client: FlaskClient, cluster: Cluster) -> None:
    response = client.post(
        f"/api/v1/needs/{cluster.needs['open']}/offers",
        json=OFFER,
        headers={**bearer(cluster.tokens["requester"]), "Accept-Language": "de"},
    )
    body = assert_problem(response, 403)
    assert body["title"] == "The token's user may not do this"
    assert "Angebot" in body["detail"]


# ETags, pages, the rate limit ----------------------------------------------------------------


def test_a_read_answers_304_while_its_etag_holds(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    token = cluster.tokens["supplier"]
    path = f"/api/v1/needs/{cluster.needs['open']}"
    first = get(client, path, token)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Cache-Control"] == "private, no-cache"
    same = get(client, path, token, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    with app.app_context():
        need = db.session.get(Need, cluster.needs["open"])
        need.title = "Kotlin team, now three people"  # type: ignore[union-attr]
        db.session.commit()
    changed = client.get(path, headers={**bearer(token), "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_pages_link_to_each_other_with_the_same_filters(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    with app.app_context():
        firm = db.session.get(User, cluster.requester.id).member  # type: ignore[union-attr]
        for number in range(25):
            factories.make_need(firm, title=f"Kotlin migration {number}")  # type: ignore[arg-type]
    token = cluster.tokens["supplier"]
    first = get(client, "/api/v1/needs?q=migration&competence=kotlin", token)
    body = first.get_json()
    assert body["total"] == 25 and len(body["items"]) == 20 and body["links"]["prev"] is None
    following = body["links"]["next"]
    assert "q=migration" in following and "competence=kotlin" in following and "page=2" in following
    assert first.headers["Link"] == f'<{following}>; rel="next"'
    second = get(client, following.removeprefix("http://localhost"), token)
    assert len(second.get_json()["items"]) == 5
    assert second.get_json()["links"]["next"] is None
    assert 'rel="prev"' in second.headers["Link"]
    ids = [i["id"] for i in body["items"]] + [i["id"] for i in second.get_json()["items"]]
    assert len(set(ids)) == 25


class TestRateLimit:
    @pytest.fixture
    def app_settings(self) -> dict[str, Any]:
        return {"API_RATE_LIMIT": "3 per minute"}

    def test_a_token_past_its_limit_gets_429_and_another_token_does_not(
        self, client: FlaskClient, cluster: Cluster
    ) -> None:
        token = cluster.tokens["supplier"]
        answers = [get(client, "/api/v1/competences", token).status_code for _ in range(3)]
        assert answers == [200, 200, 200]
        limited = get(client, "/api/v1/competences", token)
        body = assert_problem(limited, 429)
        assert body["type"].endswith("#problem-rate-limited")
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        # Another token of the same user, and another user's, have their own count.
        assert get(client, "/api/v1/competences", cluster.tokens["reader"]).status_code == 200
        assert get(client, "/api/v1/competences", cluster.tokens["requester"]).status_code == 200


# The document and its page -------------------------------------------------------------------


def test_the_openapi_document_is_valid_and_names_every_operation(
    app: Flask, client: FlaskClient
) -> None:
    response = client.get("/api/v1/openapi.json")
    document = response.get_json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    operations = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    rules = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.docs"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert operations == rules


def test_the_documentation_page_is_the_boards_in_the_readers_language(
    client: FlaskClient,
) -> None:
    english = client.get("/api/v1/docs")
    assert english.status_code == 200
    page = english.get_data(as_text=True)
    assert "Send an offer on a need" in page and "problem-invalid-token" in page
    assert "<script" not in page.replace('<script src="/static/', "")
    assert "style=" not in page
    polish = client.get("/api/v1/docs", headers={"Accept-Language": "pl"})
    assert "Send an offer on a need" not in polish.get_data(as_text=True)


def test_the_last_use_of_a_token_is_noted_no_more_than_once_a_minute_by_many_requests(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    token = cluster.tokens["reader"]
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.prefix == token.split("_")[1]))
        row.last_used_at = utcnow() - timedelta(seconds=10)  # type: ignore[union-attr]
        db.session.commit()
        noted = row.last_used_at  # type: ignore[union-attr]
    for _ in range(5):
        get(client, "/api/v1/competences", token)
    with app.app_context():
        assert (
            db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == row.id)) == noted
        )  # type: ignore[union-attr]


def test_a_user_has_a_bounded_number_of_live_tokens(app: Flask, cluster: Cluster) -> None:
    from board.errors import DomainError

    with app.app_context():
        user = db.session.get(User, cluster.requester.id)
        for number in range(tokens.MAX_LIVE_TOKENS - 1):
            tokens.create_api_token(user, f"Tool {number}", TokenScope.READ)  # type: ignore[arg-type]
        with pytest.raises(DomainError):
            tokens.create_api_token(user, "One too many", TokenScope.READ)  # type: ignore[arg-type]


def test_the_tokens_page_refuses_a_nameless_token(
    client: FlaskClient, auth: AuthActions, cluster: Cluster
) -> None:
    auth.login(cluster.requester.email, factories.PASSWORD)
    refused = submit(client, "/account/tokens", {"name": "   ", "scope": "write"})
    assert refused.status_code == 200
    assert "Your new token" not in refused.get_data(as_text=True)
