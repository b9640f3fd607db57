"""A firm a need matched says the need is not for it, from the signed link in its match e-mail
(no sign-in needed) or from the need's page: the requester reads how many said so and why,
never which firms; reminders and follow-up e-mails skip those firms; staff see everything."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from board import tokens
from board.clock import cluster_today, cluster_zone
from board.extensions import db
from board.matches import services
from board.models import (
    AuditEvent,
    Member,
    MemberStatus,
    Need,
    NeedMatch,
    NeedStatus,
    NotForUsReason,
    Notification,
    NotifyMode,
    User,
    utcnow,
)
from board.needs.services import approve_need, cancel_need
from board.notifications import sweep
from board.questions import services as questions
from tests import factories
from tests.conftest import CSRF_PATTERN, AuthActions, csrf_token, submit
from tests.mailbox import Mailbox, html_of, text_of
from tests.statements import statements_run
from tests.test_need_reach import words

NEED = ("kotlin", "kubernetes")
LINK = re.compile(r"http://board\.test(/needs/\d+/not-for-us\?token=[\w.\-]+)")


@dataclass
class Cluster:
    requester: factories.Account
    staff: factories.Account
    wisla: factories.Account  # matches; says the need is not for it
    wisla_daily: factories.Account
    tatry: factories.Account  # matches; stays quiet
    karpaty: factories.Account  # matches; says not for it, yet offers
    outsider: factories.Account  # python only: never matched


@pytest.fixture
def cluster(app: Flask) -> Cluster:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=NEED)
        wisla = factories.make_member("Wisla Cloud", competences=("kotlin", "kubernetes"))
        tatry = factories.make_member("Tatry Apps", competences=("kotlin",))
        karpaty = factories.make_member("Karpaty Code", competences=("kubernetes",))
        warta = factories.make_member("Warta Data", competences=("python",))
        make = factories.make_user
        cast = Cluster(
            requester=make(odra, email="agnieszka@odra.example", name="Agnieszka"),
            staff=make(is_staff=True, email="clara@cluster.example"),
            wisla=make(wisla, email="piotr@wisla.example", name="Piotr Nowak"),
            wisla_daily=make(wisla, email="daily@wisla.example", name="Ola"),
            tatry=make(tatry, email="ewa@tatry.example", name="Ewa"),
            karpaty=make(karpaty, email="ion@karpaty.example", name="Ion"),
            outsider=make(warta, email="marek@warta.example", name="Marek"),
        )
        db.session.get(User, cast.wisla_daily.id).notify = NotifyMode.DAILY
        db.session.get(User, cast.staff.id).notify_reviews = False
        db.session.commit()
        return cast


def open_need(app: Flask, cast: Cluster, title: str = "Kotlin on Kubernetes", **fields) -> int:
    """A need approved by staff: its matches are recorded and the match e-mails sent."""
    with app.app_context():
        need = factories.make_need(
            db.session.get(Member, cast.requester.member_id),
            cast.requester.id,
            title=title,
            competences=NEED,
            status=NeedStatus.PENDING,
            budget_min=Decimal(20000),
            budget_max=Decimal(45000),
            **fields,
        )
        approve_need(need, db.session.get(User, cast.staff.id))
        return need.id


def link_in(mailbox: Mailbox, email: str, kind: str = "A new need matches your firm") -> str:
    """The path of the "not for us" link in the e-mail to `email`, the same in both parts."""
    (message,) = [m for m in mailbox.to(email) if m["Subject"].strip().startswith(kind)]
    in_text = LINK.findall(text_of(message))
    in_html = LINK.findall(html_of(message))
    assert len(in_text) == 1 and in_html == in_text
    return in_text[0]


def said(app: Flask, need_id: int) -> dict[str, tuple[str | None, int | None]]:
    """Which firms said the need is not for them: firm name → (reason, user id)."""
    with app.app_context():
        matches = db.session.scalars(
            select(NeedMatch).where(
                NeedMatch.need_id == need_id, NeedMatch.not_for_us_at.is_not(None)
            )
        )
        return {
            m.member.name: (m.not_for_us_reason.value if m.not_for_us_reason else None,
                            m.not_for_us_by_id)
            for m in matches
        }  # fmt: skip


def events(app: Flask) -> list[tuple[str, str, int, dict]]:
    with app.app_context():
        found = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.startswith("need.not_for_us"))
            .order_by(AuditEvent.id)
        )
        return [(e.action, e.target_type, e.target_id, e.detail) for e in found]


def confirm(client: FlaskClient, path: str, reason: str | None = None) -> TestResponse:
    """Open the confirm page as a browser does, then send its form (token, CSRF, reason)."""
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    html = page.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]*)"', html)
    data = {"csrf_token": CSRF_PATTERN.search(html).group(1), "token": token.group(1)}
    if reason is not None:
        data["reason"] = reason
    return client.post(path.split("?")[0], data=data)


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(account.email, account.password).status_code == 302
    return client


def say(app: Flask, account: factories.Account, need_id: int, reason: str | None = None) -> None:
    with app.app_context():
        user = db.session.get(User, account.id)
        reason_value = NotForUsReason(reason) if reason else None
        assert services.say_not_for_us(db.session.get(Need, need_id), user, reason_value)


# The signed link ---------------------------------------------------------------------------


def test_the_link_in_a_match_e_mail_works_without_signing_in(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = open_need(app, cluster)
    path = link_in(mailbox, cluster.wisla.email)
    assert path.startswith(f"/needs/{need_id}/not-for-us?token=")
    mail_client = app.test_client()  # nobody is signed in
    page = mail_client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Kotlin on Kubernetes" in html and "Wisla Cloud" in html
    assert html.count('type="radio"') == len(NotForUsReason)
    assert said(app, need_id) == {}  # the GET changes nothing: mail scanners follow links

    done = confirm(mail_client, path, "budget")
    assert done.status_code == 200
    assert "Noted: this need is not for Wisla Cloud" in done.get_data(as_text=True)
    assert said(app, need_id) == {"Wisla Cloud": ("budget", cluster.wisla.id)}
    assert events(app) == [
        (
            "need.not_for_us",
            "need",
            need_id,
            {"member": cluster.wisla.member_id, "reason": "budget"},
        )
    ]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "need.not_for_us"))
        assert event.actor_id == cluster.wisla.id


def test_each_user_gets_a_link_of_their_own_that_acts_for_their_firm(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = open_need(app, cluster)
    wisla, tatry = link_in(mailbox, cluster.wisla.email), link_in(mailbox, cluster.tatry.email)
    assert wisla != tatry
    assert confirm(app.test_client(), tatry).status_code == 200
    assert said(app, need_id) == {"Tatry Apps": (None, cluster.tatry.id)}


def test_the_confirm_form_keeps_its_csrf_protection(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = open_need(app, cluster)
    path = link_in(mailbox, cluster.wisla.email)
    token = path.partition("token=")[2]
    response = app.test_client().post(path.split("?")[0], data={"token": token})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert said(app, need_id) == {}


@pytest.mark.parametrize("kind", ["garbage", "forged", "other_need", "unsubscribe", "no_user"])
def test_a_forged_link_or_one_for_another_need_is_refused_and_changes_nothing(
    app: Flask, cluster: Cluster, kind: str
) -> None:
    need_id = open_need(app, cluster)
    other_id = open_need(app, cluster, title="Another Kotlin need")
    with app.app_context():
        genuine = tokens.not_for_us_token(cluster.wisla.id, other_id)
        token = {
            "garbage": "not-a-token",
            "forged": genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB"),
            "other_need": genuine,
            "unsubscribe": tokens.unsubscribe_token(cluster.wisla.id),
            "no_user": tokens.not_for_us_token(999_999, need_id),
        }[kind]
    client = app.test_client()
    page = client.get(f"/needs/{need_id}/not-for-us?token={token}")
    assert page.status_code == 404
    assert "This link is not valid" in page.get_data(as_text=True)
    token_page = csrf_token(client, "/login")
    posted = client.post(
        f"/needs/{need_id}/not-for-us", data={"token": token, "csrf_token": token_page}
    )
    assert posted.status_code == 404
    assert said(app, need_id) == {} and said(app, other_id) == {}
    assert events(app) == []


def test_a_not_for_us_token_is_not_an_unsubscribe_token(app: Flask, cluster: Cluster) -> None:
    with app.app_context():
        token = tokens.not_for_us_token(cluster.wisla.id, 1)
        assert tokens.user_from_unsubscribe_token(token) is None
        assert tokens.user_from_not_for_us_token(token, 1).id == cluster.wisla.id
        assert tokens.user_from_not_for_us_token(token, 2) is None
        signed_text = tokens.not_for_us_serializer().dumps([str(cluster.wisla.id), 1])
        assert tokens.user_from_not_for_us_token(signed_text, 1) is None


# Who may, and when -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "requester"])
def test_only_a_matched_firm_may_say_a_need_is_not_for_it(
    app: Flask, cluster: Cluster, who: str
) -> None:
    need_id = open_need(app, cluster)
    account = getattr(cluster, who)
    client = signed_in(app, account)
    page = client.get(f"/needs/{need_id}/not-for-us")
    assert page.status_code == 403
    assert "Only the users of a firm this need was matched with" in page.get_data(as_text=True)
    response = submit(client, f"/needs/{need_id}/not-for-us", {"reason": "field"}, "/account")
    assert response.status_code == 403
    # Nor with a genuinely signed link made for them.
    with app.app_context():
        token = tokens.not_for_us_token(account.id, need_id)
    assert app.test_client().get(f"/needs/{need_id}/not-for-us?token={token}").status_code == 403
    # No button leads there from the need's page.
    need_page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert f'href="/needs/{need_id}/not-for-us"' not in need_page
    assert said(app, need_id) == {} and events(app) == []


def test_staff_are_no_matched_firm(app: Flask, cluster: Cluster) -> None:
    need_id = open_need(app, cluster)
    client = signed_in(app, cluster.staff)
    assert client.get(f"/needs/{need_id}/not-for-us").status_code == 403
    assert said(app, need_id) == {}


def test_without_a_link_the_page_asks_to_sign_in(app: Flask, cluster: Cluster) -> None:
    need_id = open_need(app, cluster)
    response = app.test_client().get(f"/needs/{need_id}/not-for-us")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_not_once_the_need_is_closed(app: Flask, cluster: Cluster, mailbox: Mailbox) -> None:
    need_id = open_need(app, cluster)
    path = link_in(mailbox, cluster.wisla.email)
    with app.app_context():
        cancel_need(db.session.get(Need, need_id), db.session.get(User, cluster.requester.id))
    client = app.test_client()
    page = client.get(path)
    # A cancelled need no firm offered on is no longer readable by other firms.
    assert page.status_code == 404
    with app.app_context():
        need = db.session.get(Need, need_id)
        need.status = NeedStatus.CLOSED
        db.session.commit()
    page = client.get(path)
    assert page.status_code == 403
    assert "This need is no longer open" in page.get_data(as_text=True)
    token = path.partition("token=")[2]
    posted = client.post(
        path.split("?")[0],
        data={"token": token, "reason": "field", "csrf_token": csrf_token(client, "/login")},
    )
    assert posted.status_code == 403
    assert said(app, need_id) == {} and events(app) == []


def test_a_firm_suspended_since_cannot_use_its_link(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = open_need(app, cluster)
    path = link_in(mailbox, cluster.wisla.email)
    with app.app_context():
        db.session.get(Member, cluster.wisla.member_id).status = MemberStatus.SUSPENDED
        db.session.commit()
    assert app.test_client().get(path).status_code == 404
    assert said(app, need_id) == {}


def test_a_deactivated_user_cannot_use_their_link(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = open_need(app, cluster)
    path = link_in(mailbox, cluster.wisla.email)
    with app.app_context():
        db.session.get(User, cluster.wisla.id).active = False
        db.session.commit()
    assert app.test_client().get(path).status_code == 403
    assert said(app, need_id) == {}


def test_saying_it_twice_changes_nothing_and_says_so(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = open_need(app, cluster)
    path = link_in(mailbox, cluster.wisla.email)
    client = app.test_client()
    page = client.get(path).get_data(as_text=True)
    csrf = CSRF_PATTERN.search(page).group(1)
    token = path.partition("token=")[2]
    form = {"token": token, "csrf_token": csrf}
    assert client.post(path.split("?")[0], data={**form, "reason": "budget"}).status_code == 200
    again = client.post(path.split("?")[0], data={**form, "reason": "capacity"})
    assert again.status_code == 200
    text = again.get_data(as_text=True)
    assert "said on" in text and "nothing has changed" in text and "The budget" in text
    # A colleague of the same firm, signed in, is told the same.
    colleague = signed_in(app, cluster.wisla_daily)
    assert "nothing has changed" in colleague.get(f"/needs/{need_id}/not-for-us").get_data(
        as_text=True
    )
    with app.app_context():
        need = db.session.get(Need, need_id)
        user = db.session.get(User, cluster.wisla_daily.id)
        assert services.say_not_for_us(need, user, NotForUsReason.FIELD) is False
    assert said(app, need_id) == {"Wisla Cloud": ("budget", cluster.wisla.id)}
    assert [event[0] for event in events(app)] == ["need.not_for_us"]


@pytest.mark.parametrize("reason", ["garbage", "BUDGET", "budget ", "0"])
def test_a_reason_not_on_the_list_gets_a_clear_message_and_nothing_is_saved(
    app: Flask, cluster: Cluster, mailbox: Mailbox, reason: str
) -> None:
    need_id = open_need(app, cluster)
    response = confirm(app.test_client(), link_in(mailbox, cluster.wisla.email), reason)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Choose one of the reasons below, or none." in html
    assert 'name="token"' in html  # the form is there again, to send once more
    assert said(app, need_id) == {} and events(app) == []


def test_no_reason_is_fine(app: Flask, cluster: Cluster, mailbox: Mailbox) -> None:
    need_id = open_need(app, cluster)
    assert confirm(app.test_client(), link_in(mailbox, cluster.wisla.email), "").status_code == 200
    assert said(app, need_id) == {"Wisla Cloud": (None, cluster.wisla.id)}
    assert events(app)[0][3] == {"member": cluster.wisla.member_id, "reason": None}


# The need's page --------------------------------------------------------------------------


def test_a_signed_in_user_says_it_from_the_need_page_and_takes_it_back(
    app: Flask, cluster: Cluster
) -> None:
    need_id = open_need(app, cluster)
    client = signed_in(app, cluster.wisla)
    need_page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert f'href="/needs/{need_id}/not-for-us"' in need_page
    assert "It is for us after all" not in need_page
    response = submit(client, f"/needs/{need_id}/not-for-us", {"reason": "capacity", "token": ""})
    assert response.status_code == 200
    assert said(app, need_id) == {"Wisla Cloud": ("capacity", cluster.wisla.id)}

    # Every user of the firm sees it on the need's page, and may take it back.
    colleague = signed_in(app, cluster.wisla_daily)
    need_page = colleague.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "Wisla Cloud said on" in need_page and "No capacity" in need_page
    assert "It is for us after all" in need_page
    assert "Piotr" not in need_page  # the firm's answer, not one user's
    taken_back = submit(colleague, f"/needs/{need_id}/not-for-us/withdraw", {}, f"/needs/{need_id}")
    assert taken_back.status_code == 302
    assert "is for your firm after all" in colleague.get(taken_back.headers["Location"]).get_data(
        as_text=True
    )
    assert said(app, need_id) == {}
    with app.app_context():
        match = db.session.get(NeedMatch, (need_id, cluster.wisla.member_id))
        assert (match.not_for_us_at, match.not_for_us_reason, match.not_for_us_by_id) == (
            None,
            None,
            None,
        )
    assert [(e[0], e[3]) for e in events(app)] == [
        ("need.not_for_us", {"member": cluster.wisla.member_id, "reason": "capacity"}),
        ("need.not_for_us_withdrawn", {"member": cluster.wisla.member_id}),
    ]
    need_page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert f'href="/needs/{need_id}/not-for-us"' in need_page

    # Taking back what was not said is refused, and changes nothing.
    again = submit(client, f"/needs/{need_id}/not-for-us/withdraw", {}, f"/needs/{need_id}")
    assert "has not said that this need is not for it" in client.get(
        again.headers["Location"]
    ).get_data(as_text=True)
    assert len(events(app)) == 2


def test_only_a_matched_firm_takes_it_back(app: Flask, cluster: Cluster) -> None:
    need_id = open_need(app, cluster)
    say(app, cluster.wisla, need_id, "field")
    for account in (cluster.outsider, cluster.requester):
        client = signed_in(app, account)
        path = f"/needs/{need_id}/not-for-us/withdraw"
        assert submit(client, path, {}, "/account").status_code == 403
    with app.app_context():
        need = db.session.get(Need, need_id)
        need.status = NeedStatus.CLOSED
        db.session.commit()
    client = signed_in(app, cluster.wisla)
    assert (
        submit(client, f"/needs/{need_id}/not-for-us/withdraw", {}, "/account").status_code == 403
    )
    assert said(app, need_id) == {"Wisla Cloud": ("field", cluster.wisla.id)}


def test_the_requester_sees_how_many_and_why_but_never_which_firms(
    app: Flask, cluster: Cluster
) -> None:
    need_id = open_need(app, cluster)
    say(app, cluster.wisla, need_id, "budget")
    say(app, cluster.tatry, need_id)
    say(app, cluster.karpaty, need_id, "budget")
    requester = signed_in(app, cluster.requester)
    page = requester.get(f"/needs/{need_id}").get_data(as_text=True)
    said_so = "3 firms said it is not for them: The budget (2), no reason given (1)"
    assert words(page).count(said_so) == 1
    for trace in ("Wisla", "Tatry", "Karpaty", "Piotr", "Ewa", "Ion", "wisla", "tatry"):
        assert trace not in page, trace
    for path in ("/needs/mine", f"/needs/{need_id}/offers", "/needs", "/offers"):
        text = requester.get(path).get_data(as_text=True)
        assert "Wisla" not in text and "Karpaty" not in text, path

    # Other firms read nothing of it; staff read which firms.
    assert "said it is not for them" not in signed_in(app, cluster.outsider).get(
        f"/needs/{need_id}"
    ).get_data(as_text=True)
    staff_page = signed_in(app, cluster.staff).get(f"/needs/{need_id}").get_data(as_text=True)
    assert words(staff_page).count(said_so) == 1
    for name in ("Wisla Cloud", "Tatry Apps", "Karpaty Code", "Piotr Nowak"):
        assert name in staff_page


def test_staff_read_the_declining_firms_in_as_many_queries_however_many_they_are(
    app: Flask, cluster: Cluster
) -> None:
    need_id = open_need(app, cluster)

    def queries() -> int:
        with app.app_context(), statements_run() as seen:
            staff = db.session.get(User, cluster.staff.id)
            page = services.on_need_page(db.session.get(Need, need_id), staff)
            assert all(match.member.name and match.not_for_us_by for match in page.firms)
        return len(seen)

    say(app, cluster.wisla, need_id, "field")
    one = queries()
    say(app, cluster.tatry, need_id, "budget")
    say(app, cluster.karpaty, need_id)
    assert queries() == one


def test_one_firm_reads_in_the_singular(app: Flask, cluster: Cluster) -> None:
    need_id = open_need(app, cluster)
    say(app, cluster.wisla, need_id, "deadline")
    page = signed_in(app, cluster.requester).get(f"/needs/{need_id}").get_data(as_text=True)
    assert "1 firm said it is not for them: The deadline (1)" in words(page)


# E-mails ----------------------------------------------------------------------------------


def test_reminders_skip_firms_that_said_the_need_is_not_for_them(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = open_need(app, cluster, deadline_in_days=2)
    say(app, cluster.wisla, need_id, "capacity")
    with app.app_context():
        need = db.session.get(Need, need_id)
        need.published_at = utcnow() - timedelta(days=5)
        db.session.commit()
    mailbox.clear()
    with app.app_context():
        sweep.sweep(utcnow())
    reminded = sorted(m["To"] for m in mailbox.messages if "Offers close soon" in m["Subject"])
    assert reminded == sorted([cluster.tatry.email, cluster.karpaty.email])
    # The reminder carries the link too, and it works.
    path = link_in(mailbox, cluster.tatry.email, "Offers close soon")
    assert confirm(app.test_client(), path, "deadline").status_code == 200
    assert said(app, need_id)["Tatry Apps"] == ("deadline", cluster.tatry.id)


def test_answers_and_clarifications_skip_matched_firms_that_said_not_for_them(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = open_need(app, cluster)
    say(app, cluster.wisla, need_id, "field")
    say(app, cluster.karpaty, need_id, "budget")
    with app.app_context():
        need = db.session.get(Need, need_id)
        factories.make_offer(need, db.session.get(Member, cluster.karpaty.member_id))
        question = questions.ask_question(
            need, db.session.get(User, cluster.tatry.id), "Is remote work fine?"
        )
        requester = db.session.get(User, cluster.requester.id)
        questions.answer_question(question, requester, "Yes.")
        questions.publish_clarification(need, requester, "Start in March.")
    for subject in ("A question was answered", "A clarification on a need you follow"):
        told = sorted(m["To"] for m in mailbox.messages if m["Subject"].startswith(subject))
        # Tatry matched and asked; Karpaty said not for it but offered: both still follow.
        assert told == sorted([cluster.tatry.email, cluster.karpaty.email]), subject


def digest_time() -> datetime:
    """08:00 tomorrow, cluster time: today's digest is due."""
    return datetime.combine(cluster_today() + timedelta(days=1), time(8), tzinfo=cluster_zone())


def test_the_digest_has_a_link_per_need_and_leaves_out_needs_the_firm_declined(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    first = open_need(app, cluster, title="Kotlin backend")
    second = open_need(app, cluster, title="Kubernetes operators")
    third = open_need(app, cluster, title="Kotlin and Kubernetes audit")
    say(app, cluster.wisla, third, "field")
    with app.app_context():
        sweep.sweep(digest_time())
    (digest,) = mailbox.to(cluster.wisla_daily.email)
    text = text_of(digest)
    assert "Kotlin backend" in text and "Kubernetes operators" in text
    assert "Kotlin and Kubernetes audit" not in text
    paths = LINK.findall(text)
    assert [p.split("/")[2] for p in paths] == [str(first), str(second)]
    assert LINK.findall(html_of(digest)) == paths
    assert confirm(app.test_client(), paths[1], "capacity").status_code == 200
    assert said(app, second) == {"Wisla Cloud": ("capacity", cluster.wisla_daily.id)}


def test_a_firm_that_declined_gets_no_match_e_mail_if_the_fan_out_runs_late(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # the fan-out waits for the sweep
    need_id = open_need(app, cluster)
    del app.config["REDIS_URL"]
    say(app, cluster.wisla, need_id, "field")
    with app.app_context():
        sweep.sweep(utcnow() + timedelta(seconds=app.config["SWEEP_GRACE"] + 1))
        rows = db.session.scalars(
            select(Notification).where(Notification.kind == "need_match")
        ).all()
        told = sorted(row.address for row in rows)
    assert told == sorted([cluster.tatry.email, cluster.karpaty.email])
