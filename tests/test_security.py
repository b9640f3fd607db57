"""CSRF on every form, security headers on every response, error pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from werkzeug.routing import Rule

from board.clock import cluster_today
from board.extensions import db
from board.models import Need
from tests import factories
from tests.conftest import AuthActions, csrf_token

# Values for URL variables when walking the URL map.
SAMPLE_ARGUMENTS = {
    "token": "not-a-real-token",
    "slug": "some-firm",
    "filename": "css/board.css",
    "need_id": "1",
    "offer_id": "1",
    "attachment_id": "1",
    "member_id": "1",
    "user_id": "1",
    "application_id": "1",
    "competence_id": "1",
    "report_id": "1",
    "notification_id": "1",
    "question_id": "1",
    "clarification_id": "1",
    "token_id": "1",
}
# POST routes that take no CSRF token by design: a one-click unsubscribe comes from a mail
# client, with no session; its signed token is the proof (RFC 8058).
# The API's writes are authenticated by a bearer token alone, which a browser never sends by
# itself: a session cookie does not reach them (tests/test_api.py).
CSRF_EXEMPT = {"account.unsubscribe", "api.create_offer", "api.withdraw_offer"}


def url_for_rule(rule: Rule) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_ARGUMENTS[m.group(1)], rule.rule)


def post_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())]


def get_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())]


@pytest.fixture
def staff_client(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        staff = factories.make_user(is_staff=True)
    AuthActions(client).login(staff.email, staff.password)
    return client


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(
    app: Flask, staff_client: FlaskClient
) -> None:
    rules = [rule for rule in post_rules(app) if rule.endpoint not in CSRF_EXEMPT]
    assert len(rules) >= 9
    for rule in rules:
        path = url_for_rule(rule)
        missing = staff_client.post(path, data={"email": "a@b.example"})
        assert missing.status_code == 400, path
        assert "security token" in missing.get_data(as_text=True)
        wrong = staff_client.post(path, data={"csrf_token": "forged", "email": "a@b.example"})
        assert wrong.status_code == 400, path
    # Still signed in: the refused logout did nothing.
    assert staff_client.get("/account").status_code == 200


def assert_security_headers(response, path: str) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, path
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("Referrer-Policy") == "same-origin", path


@pytest.mark.parametrize("role", ["anonymous", "staff"])
def test_security_headers_are_on_every_response(app: Flask, client: FlaskClient, role: str) -> None:
    if role == "staff":
        with app.app_context():
            staff = factories.make_user(is_staff=True)
        AuthActions(client).login(staff.email, staff.password)
    paths = [url_for_rule(rule) for rule in get_rules(app)] + ["/no-such-page"]
    for path in paths:
        assert_security_headers(client.get(path), path)


def test_pages_have_no_inline_script(app: Flask, client: FlaskClient) -> None:
    for path in ("/", "/login", "/password/forgot"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "onclick=" not in page and "style=" not in page


def test_unknown_page_gets_the_board_404(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "This page does not exist" in response.get_data(as_text=True)


def test_wrong_method_gets_405_not_500(client: FlaskClient) -> None:
    assert client.get("/logout").status_code == 405


def test_an_unexpected_error_gets_the_500_page(app: Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/explode")
    def explode() -> str:
        raise RuntimeError("boom")

    response = app.test_client().get("/explode")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert_security_headers(response, "/explode")


def test_a_signed_in_user_gets_the_500_page_when_the_database_fails(app: Flask) -> None:
    """The page that says something went wrong needs nothing of the database, not even the
    signed-in user (their language, the layout's menu)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        member = factories.make_user(factories.make_member("Odra Software"))
        engine = db.engine
    client = app.test_client()
    AuthActions(client).login(member.email, member.password)

    def database_down(*args: object) -> None:
        raise OperationalError("SELECT", {}, Exception("the database is down"))

    event.listen(engine, "before_cursor_execute", database_down)
    try:
        response = client.get("/needs", headers={"Accept-Language": "en"})
    finally:
        event.remove(engine, "before_cursor_execute", database_down)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert response.headers.get("Cache-Control") == "private, no-store"
    assert_security_headers(response, "/needs")


def need_form(app: Flask, description: str) -> dict[str, object]:
    with app.app_context():
        deadline = (cluster_today() + timedelta(days=10)).isoformat()
    return {
        "title": "A security audit of our payment API",
        "description": description,
        "competences": ["kotlin"],
        "offer_deadline": deadline,
        "currency": "EUR",
        "work_mode": "remote",
        "work_language": "en",
    }


@pytest.fixture
def member_client(app: Flask, client: FlaskClient) -> FlaskClient:
    with app.app_context():
        member = factories.make_user(factories.make_member("Odra Software"))
    AuthActions(client).login(member.email, member.password)
    return client


def needs_stored(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Need.id))) or 0


def test_a_request_over_the_size_limit_gets_a_clear_413_page_and_stores_nothing(
    app: Flask, member_client: FlaskClient
) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    data = {
        **need_form(app, "x" * (2 * 1024 * 1024)),
        "csrf_token": csrf_token(member_client, "/needs/new"),
    }
    response = member_client.post("/needs/new", data=data)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    # In the board's layout, still signed in, saying what was too large and what to do.
    assert "<title>413 · Cluster procurement board</title>" in page
    assert "Sign out" in page
    assert "What you sent is too large: the board takes at most 1 MB at once." in page
    assert "Nothing was saved. Go back, shorten the text and send it again." in page
    assert_security_headers(response, "/needs/new")
    assert needs_stored(app) == 0


def test_the_size_limit_is_a_setting(app: Flask, member_client: FlaskClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 300 * 1024
    data = {**need_form(app, "x" * 400_000), "csrf_token": csrf_token(member_client, "/needs/new")}
    response = member_client.post("/needs/new", data=data)
    assert response.status_code == 413
    assert "at most 300 kB at once" in response.get_data(as_text=True)
    assert needs_stored(app) == 0


def test_the_longest_need_a_form_takes_fits_under_the_size_limit(
    app: Flask, member_client: FlaskClient
) -> None:
    """20,000 characters of four bytes each, sent as a browser encodes a form, go through."""
    description = "𝔘😀" * 10_000
    assert len(description) == 20_000
    data = {**need_form(app, description), "csrf_token": csrf_token(member_client, "/needs/new")}
    response = member_client.post("/needs/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert needs_stored(app) == 1


PRIVATE = "private, no-store"


def test_no_response_to_a_signed_in_user_is_kept_by_a_cache(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        member = factories.make_user(odra)
        need_id = factories.make_need(odra, member.id).id
    signing_in = AuthActions(client).login(member.email, member.password)
    assert signing_in.status_code == 302
    answers = {"the redirect after signing in": signing_in}
    for path in ("/", "/needs", "/needs/mine", f"/needs/{need_id}", "/offers", "/account"):
        answers[path] = client.get(path)
    answers["a redirect"] = client.get("/login")
    answers["a 404 page"] = client.get("/no-such-page")
    answers["a 403 page"] = client.get("/staff")
    answers["a 405 page"] = client.get("/logout")
    too_large = {
        "description": "x" * (2 * 1024 * 1024),
        "csrf_token": csrf_token(client, "/needs/new"),
    }
    answers["a 413 page"] = client.post("/needs/new", data=too_large)
    assert [r.status_code for r in answers.values()] == [
        302,
        302,
        200,
        200,
        200,
        200,
        200,
        302,
        404,
        403,
        405,
        413,
    ]
    for what, response in answers.items():
        assert response.headers.get("Cache-Control") == PRIVATE, what
    # Static files keep their own caching, signed in or not.
    stylesheet = client.get("/static/css/board.css")
    assert stylesheet.status_code == 200
    assert "no-store" not in stylesheet.headers.get("Cache-Control", "")


def test_the_500_page_of_a_signed_in_user_is_not_kept_by_a_cache(app: Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/explode")
    def explode() -> str:
        raise RuntimeError("boom")

    with app.app_context():
        member = factories.make_user(factories.make_member("Odra Software"))
    client = app.test_client()
    AuthActions(client).login(member.email, member.password)
    response = client.get("/explode")
    assert response.status_code == 500
    assert response.headers.get("Cache-Control") == PRIVATE
