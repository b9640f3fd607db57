"""The audit log page: filters by who, what, target and date, and pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from board import audit
from board.extensions import db
from board.models import Member, User, utcnow
from tests import factories
from tests.conftest import AuthActions


@pytest.fixture
def log(app: Flask, client: FlaskClient) -> FlaskClient:
    """A staff user's browser, and an audit trail of five events by two people."""
    with app.app_context():
        odra = factories.make_member("Odra Software")
        agnieszka = factories.make_user(odra, email="agnieszka@odra.example")
        staff = factories.make_user(is_staff=True, email="clara@cluster.example")
        need = factories.make_need(odra, agnieszka.id)
        member = db.session.get(Member, odra.id)
        by_member = db.session.get(User, agnieszka.id)
        by_staff = db.session.get(User, staff.id)
        audit.record("need.created", need, by_member)
        audit.record("need.submitted", need, by_member)
        old = audit.record("need.approved", need, by_staff)
        old.created_at = utcnow() - timedelta(days=40)
        audit.record("member.suspended", member, by_staff, before="active")
        audit.record("member.activated", member, by_staff, before="suspended")
        db.session.commit()
    AuthActions(client).login(staff.email, staff.password)
    return client


def shown(client: FlaskClient, query: str = "") -> list[str]:
    page = client.get(f"/staff/audit{query}").get_data(as_text=True)
    return re.findall(r"<code>([\w.]+)</code>", page)


def test_the_log_lists_events_newest_first(log: FlaskClient) -> None:
    assert shown(log) == [
        "member.activated", "member.suspended", "need.submitted", "need.created", "need.approved",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?actor=odra.example", ["need.submitted", "need.created"]),
        ("?actor=CLARA", ["member.activated", "member.suspended", "need.approved"]),
        ("?action=need.", ["need.submitted", "need.created", "need.approved"]),
        ("?action=need.approved", ["need.approved"]),
        ("?target=member", ["member.activated", "member.suspended"]),
        ("?target=need:1", ["need.submitted", "need.created", "need.approved"]),
        ("?target=need:2", []),
        ("?since=" + str(utcnow().date() - timedelta(days=1)),
         ["member.activated", "member.suspended", "need.submitted", "need.created"]),
        ("?until=" + str(utcnow().date() - timedelta(days=30)), ["need.approved"]),
        ("?actor=%25&action=_", []),  # wildcards are matched literally
    ],
)  # fmt: skip
def test_the_log_filters(log: FlaskClient, query: str, expected: list[str]) -> None:
    assert shown(log, query) == expected


def test_a_filter_that_makes_no_sense_is_left_out_with_a_note(log: FlaskClient) -> None:
    page = log.get("/staff/audit?since=yesterday&page=abc").get_data(as_text=True)
    assert "Some filters did not make sense and were left out." in page
    assert len(re.findall(r"<code>([\w.]+)</code>", page)) == 5


def test_details_and_reasons_are_shown(log: FlaskClient) -> None:
    page = log.get("/staff/audit?target=member").get_data(as_text=True)
    assert "<code>before: suspended</code>" in page


def test_the_log_pages(app: Flask, log: FlaskClient) -> None:
    app.config["AUDIT_PER_PAGE"] = 2
    first, second, third = shown(log), shown(log, "?page=2"), shown(log, "?page=3")
    assert (len(first), len(second), len(third)) == (2, 2, 1)
    assert 'rel="next"' in log.get("/staff/audit?action=need.").get_data(as_text=True)
