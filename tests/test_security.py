"""CSRF on every form, security headers on every response, error pages."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from tests import factories
from tests.conftest import AuthActions

# Values for URL variables when walking the URL map.
SAMPLE_ARGUMENTS = {
    "token": "not-a-real-token",
    "slug": "some-firm",
    "filename": "css/board.css",
    "need_id": "1",
    "offer_id": "1",
    "member_id": "1",
    "user_id": "1",
    "application_id": "1",
    "competence_id": "1",
    "report_id": "1",
    "notification_id": "1",
}
# POST routes that take no CSRF token by design: a one-click unsubscribe comes from a mail
# client, with no session; its signed token is the proof (RFC 8058).
CSRF_EXEMPT = {"account.unsubscribe"}


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
