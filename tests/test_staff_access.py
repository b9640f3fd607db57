"""Every /staff route: 403 for members, sign-in for anonymous users, open to staff."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board.extensions import db
from board.models import AuditEvent
from tests import factories
from tests.conftest import AuthActions, csrf_token
from tests.test_security import url_for_rule

STAFF_PAGES = (
    "/staff", "/staff/needs", "/staff/applications", "/staff/competences", "/staff/audit",
    "/staff/reports", "/staff/members", "/staff/users", "/staff/members/new",
    "/staff/notifications",
)  # fmt: skip


def staff_rules(app: Flask) -> list[tuple[str, str]]:
    """(method, path) for every rule under /staff, walked from the URL map."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule == "/staff" or rule.rule.startswith("/staff/"):
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                found.append((method, url_for_rule(rule)))
    return found


def test_the_walk_finds_every_staff_page(app: Flask) -> None:
    paths = {path for _method, path in staff_rules(app)}
    assert set(STAFF_PAGES) <= paths


def audit_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id))) or 0


def test_members_get_403_and_anonymous_users_are_sent_to_sign_in_everywhere_under_staff(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        member = factories.make_member()
        account = factories.make_user(member)
        factories.make_need(member, account.id, status="pending")
    anonymous = app.test_client()
    anonymous_token = csrf_token(anonymous, "/login")
    AuthActions(client).login(account.email, account.password)
    token = csrf_token(client, "/needs")
    before = audit_count(app)
    for method, path in staff_rules(app):
        if method == "GET":
            as_member, as_anonymous = client.get(path), anonymous.get(path)
        else:
            as_member = client.post(path, data={"csrf_token": token, "reason": "x"})
            as_anonymous = anonymous.post(path, data={"csrf_token": anonymous_token})
        assert as_member.status_code == 403, (method, path)
        assert as_anonymous.status_code == 302, (method, path)
        assert as_anonymous.headers["Location"].startswith("/login?next="), (method, path)
    assert audit_count(app) == before


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_open_for_staff(app: Flask, client: FlaskClient, path: str) -> None:
    with app.app_context():
        staff = factories.make_user(is_staff=True)
    AuthActions(client).login(staff.email, staff.password)
    assert client.get(path).status_code == 200
