"""Every transition of a need, and every refused one, through the pages that make them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from board.extensions import db
from board.models import AuditEvent, Member, Need, NeedStatus, utcnow
from board.needs.services import expire_needs
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox, text_of


@dataclass
class Cluster:
    requester: factories.Account
    supplier: factories.Account
    staff: factories.Account


@pytest.fixture
def cluster(app: Flask) -> Cluster:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        ceahlau = factories.make_member("Ceahlau Software", competences=("kotlin",))
        return Cluster(
            requester=factories.make_user(odra, email="agnieszka@odra.example"),
            supplier=factories.make_user(ceahlau, email="mihai@ceahlau.example"),
            staff=factories.make_user(is_staff=True, email="clara@cluster.example"),
        )


def need_in(app: Flask, cluster: Cluster, status: NeedStatus, **fields: object) -> int:
    with app.app_context():
        member = db.session.get(Member, cluster.requester.member_id)
        return factories.make_need(member, cluster.requester.id, status=status, **fields).id


def status_of(app: Flask, need_id: int) -> NeedStatus:
    with app.app_context():
        return db.session.get(Need, need_id).status


def actions_on(app: Flask, need_id: int) -> list[str]:
    with app.app_context():
        query = select(AuditEvent.action).where(
            AuditEvent.target_type == "need", AuditEvent.target_id == need_id
        )
        return list(db.session.scalars(query.order_by(AuditEvent.id)))


def act(app: Flask, account: factories.Account, path: str, data: dict | None = None):
    """Sign in as `account` in a browser of their own and post to `path`; return both."""
    client = app.test_client()
    AuthActions(client).login(account.email, account.password)
    return client, submit(client, path, data or {}, form_page="/needs")


def flashed(client: FlaskClient, response) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


NEED_FORM = {
    "title": "Security audit of our payment API",
    "description": "Forty endpoints, OAuth 2.0, a retest after fixes.",
    "competences": ["penetration-testing", "secure-code-review"],
    "currency": "EUR",
    "budget_min": "15000",
    "budget_max": "30000",
    "work_mode": "remote",
    "work_language": "en",
}


def deadline(days: int) -> str:
    return str(utcnow().date() + timedelta(days=days))


def test_a_requester_posts_a_draft_and_submits_it_for_review(
    app: Flask, client: FlaskClient, auth: AuthActions, cluster: Cluster
) -> None:
    auth.login(cluster.requester.email, cluster.requester.password)
    response = submit(client, "/needs/new", {**NEED_FORM, "offer_deadline": deadline(10)})
    assert response.status_code == 302
    need_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert status_of(app, need_id) == NeedStatus.DRAFT
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "<p>Forty endpoints, OAuth 2.0, a retest after fixes.</p>" in page
    response = submit(client, f"/needs/{need_id}/submit", form_page=f"/needs/{need_id}")
    assert response.status_code == 302
    assert status_of(app, need_id) == NeedStatus.PENDING
    assert actions_on(app, need_id) == ["need.created", "need.submitted"]
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert need.submitted_at is not None
        assert [c.slug for c in need.competences] == ["penetration-testing", "secure-code-review"]
        assert str(need.budget_max) == "30000.00"


def test_staff_approve_a_pending_need_which_opens_and_its_author_is_told(
    app: Flask, client: FlaskClient, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = need_in(app, cluster, NeedStatus.PENDING)
    browser, response = act(app, cluster.staff, f"/staff/needs/{need_id}/approve")
    assert response.status_code == 302
    assert status_of(app, need_id) == NeedStatus.OPEN
    (message,) = mailbox.wait_for(1, to=cluster.requester.email)
    assert message["Subject"].strip().startswith("Your need is published")
    assert f"http://board.test/needs/{need_id}" in text_of(message)
    with app.app_context():
        assert db.session.get(Need, need_id).published_at is not None
    assert actions_on(app, need_id) == ["need.approved"]


@pytest.mark.parametrize(
    "route, target, subject",
    [
        ("reject", NeedStatus.REJECTED, "Your need was not accepted"),
        ("request-changes", NeedStatus.CHANGES_REQUESTED, "Changes requested to your need"),
    ],
)
def test_staff_send_a_need_back_with_a_reason_the_author_reads(
    app: Flask,
    client: FlaskClient,
    cluster: Cluster,
    mailbox: Mailbox,
    route: str,
    target: NeedStatus,
    subject: str,
) -> None:
    need_id = need_in(app, cluster, NeedStatus.PENDING)
    reason = "Please give a budget range and the expected duration."
    act(app, cluster.staff, f"/staff/needs/{need_id}/{route}", {"reason": reason})
    assert status_of(app, need_id) == target
    (message,) = mailbox.wait_for(1, to=cluster.requester.email)
    assert message["Subject"].strip().startswith(subject)
    assert reason in text_of(message)
    AuthActions(client).login(cluster.requester.email, cluster.requester.password)
    assert reason in client.get(f"/needs/{need_id}").get_data(as_text=True)


@pytest.mark.parametrize("route", ["reject", "request-changes", "hide"])
def test_a_reason_is_required_to_send_back_or_hide(
    app: Flask, client: FlaskClient, cluster: Cluster, mailbox: Mailbox, route: str
) -> None:
    status = NeedStatus.OPEN if route == "hide" else NeedStatus.PENDING
    need_id = need_in(app, cluster, status)
    AuthActions(client).login(cluster.staff.email, cluster.staff.password)
    response = submit(client, f"/staff/needs/{need_id}/{route}", {"reason": "  "}, "/needs")
    assert "Say why: the firm will read it." in flashed(client, response)
    assert status_of(app, need_id) == status
    assert mailbox.messages == []


@pytest.mark.parametrize("start", [NeedStatus.CHANGES_REQUESTED, NeedStatus.REJECTED])
def test_the_author_edits_a_need_sent_back_and_submits_it_again(
    app: Flask, client: FlaskClient, auth: AuthActions, cluster: Cluster, start: NeedStatus
) -> None:
    need_id = need_in(app, cluster, start)
    auth.login(cluster.requester.email, cluster.requester.password)
    data = {
        **NEED_FORM,
        "title": "Security audit, now with a budget",
        "offer_deadline": deadline(9),
    }
    assert submit(client, f"/needs/{need_id}/edit", data).status_code == 302
    submit(client, f"/needs/{need_id}/submit", form_page=f"/needs/{need_id}")
    assert status_of(app, need_id) == NeedStatus.PENDING
    with app.app_context():
        assert db.session.get(Need, need_id).title == "Security audit, now with a budget"
    assert actions_on(app, need_id) == ["need.updated", "need.submitted"]


def test_staff_hide_an_open_need_with_a_reason(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    need_id = need_in(app, cluster, NeedStatus.OPEN)
    act(app, cluster.staff, f"/staff/needs/{need_id}/hide", {"reason": "Duplicate of #12"})
    assert status_of(app, need_id) == NeedStatus.HIDDEN
    AuthActions(client).login(cluster.supplier.email, cluster.supplier.password)
    assert client.get(f"/needs/{need_id}").status_code == 404
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "need.hidden"))
        assert event.detail == {"reason": "Duplicate of #12"}
        assert event.actor_id == cluster.staff.id


def test_the_requester_cancels_an_open_need_and_the_offerers_are_told(
    app: Flask, client: FlaskClient, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = need_in(app, cluster, NeedStatus.OPEN)
    with app.app_context():
        need = db.session.get(Need, need_id)
        factories.make_offer(need, db.session.get(Member, cluster.supplier.member_id))
    browser, response = act(app, cluster.requester, f"/needs/{need_id}/cancel")
    assert response.status_code == 302
    assert status_of(app, need_id) == NeedStatus.CANCELLED
    (message,) = mailbox.wait_for(1, to=cluster.supplier.email)
    assert message["Subject"].strip().startswith("A need you offered on was cancelled")


def test_a_draft_can_be_cancelled_without_telling_anyone(
    app: Flask, client: FlaskClient, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = need_in(app, cluster, NeedStatus.DRAFT)
    act(app, cluster.requester, f"/needs/{need_id}/cancel")
    assert status_of(app, need_id) == NeedStatus.CANCELLED
    assert mailbox.messages == []


def test_an_open_need_expires_thirty_days_after_its_deadline_without_an_award(
    app: Flask, cluster: Cluster
) -> None:
    recent = need_in(app, cluster, NeedStatus.OPEN)
    overdue = need_in(app, cluster, NeedStatus.OPEN)
    with app.app_context():
        need = db.session.get(Need, overdue)
        need.offers_close_at = utcnow() - timedelta(days=31)
        db.session.get(Need, recent).offers_close_at = utcnow() - timedelta(days=29)
        db.session.commit()
        assert expire_needs() == 1
    assert status_of(app, overdue) == NeedStatus.EXPIRED
    assert status_of(app, recent) == NeedStatus.OPEN
    assert actions_on(app, overdue) == ["need.expired"]


def test_whether_a_need_takes_offers_follows_its_deadline_not_a_job(
    app: Flask, cluster: Cluster
) -> None:
    need_id = need_in(app, cluster, NeedStatus.OPEN)
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert need.accepts_offers()
        assert not need.accepts_offers(now=need.offers_close_at)
        assert need.accepts_offers(now=need.offers_close_at - timedelta(seconds=1))


# Refused transitions: (route, states in which it is refused, who tries, message shown)
REFUSED = [
    ("submit", [NeedStatus.PENDING, NeedStatus.OPEN, NeedStatus.CLOSED], "requester",
     "cannot be submitted"),
    ("cancel", [NeedStatus.CLOSED, NeedStatus.CANCELLED, NeedStatus.EXPIRED], "requester",
     "can no longer be cancelled"),
    ("approve", [NeedStatus.DRAFT, NeedStatus.OPEN, NeedStatus.REJECTED], "staff",
     "Only a need waiting for review can be approved."),
    ("reject", [NeedStatus.DRAFT, NeedStatus.OPEN], "staff",
     "Only a need waiting for review can be rejected."),
    ("request-changes", [NeedStatus.OPEN, NeedStatus.CLOSED], "staff",
     "Changes can be requested only for a need waiting for review."),
    ("hide", [NeedStatus.PENDING, NeedStatus.CLOSED], "staff", "Only an open need can be hidden."),
]  # fmt: skip
CASES = [(route, state, who, message) for route, states, who, message in REFUSED
         for state in states]  # fmt: skip


@pytest.mark.parametrize(
    "route, state, who, message", CASES, ids=[f"{c[0]}-from-{c[1]}" for c in CASES]
)
def test_an_impossible_transition_is_refused_with_a_message_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    cluster: Cluster,
    mailbox: Mailbox,
    route: str,
    state: NeedStatus,
    who: str,
    message: str,
) -> None:
    need_id = need_in(app, cluster, state)
    events_before = actions_on(app, need_id)
    account = cluster.staff if who == "staff" else cluster.requester
    AuthActions(client).login(account.email, account.password)
    path = f"/staff/needs/{need_id}/{route}" if who == "staff" else f"/needs/{need_id}/{route}"
    response = submit(client, path, {"reason": "A reason"}, form_page="/needs")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert message in flashed(client, response)
    assert status_of(app, need_id) == state
    assert actions_on(app, need_id) == events_before
    assert mailbox.messages == []


def test_a_need_staff_decided_on_cannot_be_edited(
    app: Flask, client: FlaskClient, auth: AuthActions, cluster: Cluster
) -> None:
    auth.login(cluster.requester.email, cluster.requester.password)
    for state in (NeedStatus.OPEN, NeedStatus.HIDDEN, NeedStatus.CLOSED, NeedStatus.CANCELLED):
        need_id = need_in(app, cluster, state)
        assert client.get(f"/needs/{need_id}/edit").status_code == 403
        data = {**NEED_FORM, "offer_deadline": deadline(5)}
        assert submit(client, f"/needs/{need_id}/edit", data, "/needs").status_code == 403


def test_a_need_whose_deadline_passed_during_review_is_not_published(
    app: Flask, client: FlaskClient, cluster: Cluster
) -> None:
    need_id = need_in(app, cluster, NeedStatus.PENDING, deadline_in_days=0)
    browser, response = act(app, cluster.staff, f"/staff/needs/{need_id}/approve")
    assert "deadline of this need has passed" in flashed(browser, response)
    assert status_of(app, need_id) == NeedStatus.PENDING


def test_the_review_queue_lists_pending_needs_oldest_first(
    app: Flask, client: FlaskClient, auth: AuthActions, cluster: Cluster
) -> None:
    with app.app_context():
        member = db.session.get(Member, cluster.requester.member_id)
        for title, hours_ago in (("Newer need", 1), ("Older need", 5), ("Middle need", 3)):
            need = factories.make_need(member, title=title, status=NeedStatus.PENDING)
            need.submitted_at = utcnow() - timedelta(hours=hours_ago)
        factories.make_need(member, title="Open need", status=NeedStatus.OPEN)
        db.session.commit()
    auth.login(cluster.staff.email, cluster.staff.password)
    page = client.get("/staff/needs").get_data(as_text=True)
    positions = [page.index(title) for title in ("Older need", "Middle need", "Newer need")]
    assert positions == sorted(positions)
    assert "Open need" not in page
