"""Every need finds its suppliers, and everyone concerned sees who was reached: staff see whom
approving a need would tell, the requester firm and staff see on its page the firms it
matched, the users told and what came back, and the "published" e-mail says how many firms
were told, or that none was and what to do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board.clock import cluster_today, cluster_zone
from board.competences.services import by_slugs
from board.extensions import db
from board.models import (
    Member,
    MemberStatus,
    Need,
    NeedMatch,
    NeedStatus,
    NotForUsReason,
    Notification,
    NotificationStatus,
    NotifyMode,
    User,
    utcnow,
)
from board.needs import reach
from board.notifications import match, sweep
from board.questions import services as questions
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox, html_of, text_of
from tests.statements import statements_run

REACHED = "Who was reached"
FORECAST = "Approving it tells"


@dataclass
class Cluster:
    """Odra posts. Wisła has Kotlin (an instant, a daily and an e-mails-off user); Elbtal has
    Kotlin and Kubernetes (an instant user, one whose filter leaves Kotlin and Kubernetes out,
    one who never signed in); Tatry has React only; Dunaj, suspended, has Kotlin; Prosna has
    Python, which nobody asks for."""

    requester: factories.Account
    colleague: factories.Account
    wisla: factories.Account
    daily: factories.Account
    off: factories.Account
    elbtal: factories.Account
    picky: factories.Account
    bystander: factories.Account
    staff: factories.Account


def set_user(user_id: int, **values: object) -> None:
    user = db.session.get(User, user_id)
    for name, value in values.items():
        setattr(user, name, value)
    db.session.commit()


@pytest.fixture
def cluster(app: Flask) -> Cluster:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin", "python"))
        wisla = factories.make_member("Wisła Cloud", competences=("kotlin",))
        elbtal = factories.make_member("Elbtal Systems", competences=("kotlin", "kubernetes"))
        tatry = factories.make_member("Tatry Apps", competences=("react",))
        dunaj = factories.make_member(
            "Dunaj IT", competences=("kotlin",), status=MemberStatus.SUSPENDED
        )
        prosna = factories.make_member("Prosna IT", competences=("python",))
        make = factories.make_user
        cast = Cluster(
            requester=make(odra, email="anna@odra.example"),
            colleague=make(odra, email="kuba@odra.example"),
            wisla=make(wisla, email="piotr@wisla.example"),
            daily=make(wisla, email="daily@wisla.example"),
            off=make(wisla, email="off@wisla.example"),
            elbtal=make(elbtal, email="hans@elbtal.example"),
            picky=make(elbtal, email="picky@elbtal.example"),
            bystander=make(prosna, email="ola@prosna.example"),
            staff=make(is_staff=True, email="clara@cluster.example"),
        )
        make(elbtal, email="invited@elbtal.example", password=None)
        make(tatry, email="ana@tatry.example")
        make(dunaj, email="eva@dunaj.example")
        set_user(cast.daily.id, notify=NotifyMode.DAILY)
        set_user(cast.off.id, notify=NotifyMode.OFF)
        set_user(cast.picky.id, competences=by_slugs(["react"]))
        set_user(cast.staff.id, notify_reviews=False)
        return cast


def pending_need(
    app: Flask, cast: Cluster, competences: tuple[str, ...] = ("kotlin", "kubernetes"), **fields
) -> int:
    with app.app_context():
        odra = db.session.get(Member, cast.requester.member_id)
        need = factories.make_need(
            odra, cast.requester.id, competences=competences, status=NeedStatus.PENDING, **fields
        )
        return need.id


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(account.email, account.password).status_code == 302
    return client


def approve(app: Flask, cast: Cluster, need_id: int) -> None:
    """Staff approve through the review page, as they do."""
    path = f"/staff/needs/{need_id}/approve"
    response = submit(signed_in(app, cast.staff), path, form_page=f"/needs/{need_id}")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Need, need_id).status == NeedStatus.OPEN


def words(html: str) -> str:
    """The page's text, tags dropped and spaces folded, as a reader takes it in."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def page_text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return words(response.get_data(as_text=True))


def box(text: str) -> str:
    """The reach box of a need's page, as text."""
    start = text.index(REACHED)
    return text[start : text.index("Which firms said it is not for them is never shown.", start)]


# Before approval: the review queue and the pending need's page ------------------------------


def test_the_review_queue_tells_staff_whom_approval_would_tell_by_mode(
    app: Flask, cluster: Cluster
) -> None:
    kotlin = pending_need(app, cluster, title="Kotlin and Kubernetes for a logistics platform")
    nobody = pending_need(app, cluster, competences=("java",), title="A Java migration")
    text = page_text(signed_in(app, cluster.staff), "/staff/needs")
    kotlin_row = text[text.index("Kotlin and Kubernetes") : text.index("A Java migration")]
    # Wisła and Elbtal; by mode: Piotr and Hans at once, one daily, one with e-mails off. Not
    # the filtered, the invited, the suspended firm's or the requester's own users.
    assert (
        "Approving it tells 2 firms: 2 users at once · 1 user in the daily digest"
        " · 1 user with e-mails turned off" in kotlin_row
    )
    java_row = text[text.index("A Java migration") :]
    assert "Approving it tells nobody." in java_row
    assert "No active member firm has any of the competences it asks for" in java_row
    assert FORECAST + " 2" not in java_row
    with app.app_context():
        for need_id in (kotlin, nobody):
            need = db.session.get(Need, need_id)
            wanted = [c.id for c in need.competences]
            forecast = match.forecasts([need_id])[need_id]
            assert forecast.firms == match.firms_reached(wanted, need.member_id)
            assert forecast.users == match.users_reached(need)
        assert match.forecasts([kotlin])[kotlin] == match.Forecast(
            firms=2, users={NotifyMode.INSTANT: 2, NotifyMode.DAILY: 1, NotifyMode.OFF: 1}
        )
    # What staff were told is what approval records.
    approve(app, cluster, kotlin)
    with app.app_context():
        recorded = db.session.scalar(select(func.count()).where(NeedMatch.need_id == kotlin))
        sent = db.session.scalars(
            select(Notification.user_id).where(
                Notification.need_id == kotlin, Notification.kind == "need_match"
            )
        ).all()
    assert recorded == 2
    assert sorted(sent) == sorted([cluster.wisla.id, cluster.elbtal.id])


def test_forecasts_for_many_needs_agree_with_each_counted_alone(
    app: Flask, cluster: Cluster
) -> None:
    wanted = [("kotlin",), ("kubernetes",), ("react", "python"), ("kotlin", "react"), ("java",)]
    need_ids = [pending_need(app, cluster, competences=slugs) for slugs in wanted]
    with app.app_context():
        # Tatry's user filters for React too, and Prosna's user has a filter that matches.
        set_user(cluster.bystander.id, competences=by_slugs(["react", "java"]))
        together = match.forecasts(need_ids)
        for need_id in need_ids:
            need = db.session.get(Need, need_id)
            ids = [c.id for c in need.competences]
            assert together[need_id].firms == match.firms_reached(ids, need.member_id)
            assert together[need_id].users == match.users_reached(need)
        assert [together[i].firms for i in need_ids] == [2, 1, 2, 3, 0]
        assert match.forecasts([]) == {}


def test_the_review_queue_reads_in_the_same_number_of_statements_for_more_needs(
    app: Flask, cluster: Cluster
) -> None:
    pending_need(app, cluster)
    client = signed_in(app, cluster.staff)
    client.get("/staff/needs")
    with app.app_context(), statements_run() as few:
        assert client.get("/staff/needs").status_code == 200
    for slugs in (("kotlin",), ("react",), ("java",), ("kotlin", "kubernetes", "react")):
        pending_need(app, cluster, competences=slugs)
    with app.app_context(), statements_run() as many:
        page = client.get("/staff/needs").get_data(as_text=True)
    assert page.count(FORECAST) == 5
    assert len(many) == len(few)


def test_staff_see_whom_approval_would_tell_beside_the_approve_button(
    app: Flask, cluster: Cluster
) -> None:
    need_id = pending_need(app, cluster)
    staff = signed_in(app, cluster.staff)
    text = page_text(staff, f"/needs/{need_id}")
    assert "Approving it tells 2 firms: 2 users at once" in text
    assert text.index(FORECAST) < text.index("Approve and publish")
    assert text.index("Review") < text.index(FORECAST)
    # Who hears changes with users' settings, which do not change the kept page: it is
    # counted on each view.
    with app.app_context():
        set_user(cluster.wisla.id, notify=NotifyMode.OFF)
    assert "2 users with e-mails turned off" in page_text(staff, f"/needs/{need_id}")
    # The requester firm sees its pending need without the staff's figures.
    own = page_text(signed_in(app, cluster.requester), f"/needs/{need_id}")
    assert FORECAST not in own and REACHED not in own


def test_a_pending_need_that_reaches_nobody_warns_staff_on_its_page(
    app: Flask, cluster: Cluster
) -> None:
    need_id = pending_need(app, cluster, competences=("java",))
    text = page_text(signed_in(app, cluster.staff), f"/needs/{need_id}")
    assert "Approving it tells nobody." in text
    assert text.index("Approving it tells nobody.") < text.index("Approve and publish")


# After approval: the need's page -----------------------------------------------------------


def outbox_told(need_id: int) -> set[int]:
    """The users whose e-mail about the need was sent: its own, or a digest listing it."""
    rows = db.session.scalars(
        select(Notification).where(Notification.status == NotificationStatus.SENT)
    ).all()
    return {
        row.user_id
        for row in rows
        if (row.kind == "need_match" and row.need_id == need_id)
        or (row.kind == "digest" and need_id in row.data["need_ids"])
    }


def send_digests(app: Flask) -> None:
    """08:00 tomorrow, cluster time: the sweep sends today's digests."""
    with app.app_context():
        tomorrow = cluster_today() + timedelta(days=1)
        sweep.sweep(datetime.combine(tomorrow, time(8), tzinfo=cluster_zone()))


def say_not_for_us(need_id: int, member_id: int, reason: NotForUsReason | None) -> None:
    found = db.session.get(NeedMatch, (need_id, member_id))
    found.not_for_us_at = utcnow()
    found.not_for_us_reason = reason
    db.session.commit()


def test_the_requester_and_staff_see_who_was_reached_and_what_came_back(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = pending_need(app, cluster)
    other = pending_need(app, cluster, competences=("kotlin",), title="Another Kotlin need")
    approve(app, cluster, need_id)
    approve(app, cluster, other)
    requester = signed_in(app, cluster.requester)
    text = box(page_text(requester, f"/needs/{need_id}"))
    # Approval matched Wisła and Elbtal; Piotr's and Hans's e-mails went out at once, the
    # daily user's digest is due tomorrow morning.
    assert "Firms matched 2 " in text
    assert "Users told 2 (2 at once, 0 in a daily digest)" in text
    send_digests(app)
    with app.app_context():
        need = db.session.get(Need, need_id)
        factories.make_offer(need, db.session.get(Member, cluster.wisla.member_id))
        withdrawn = factories.make_offer(need, db.session.get(Member, cluster.bystander.member_id))
        withdrawn.status = "withdrawn"
        questions.ask_question(need, db.session.get(User, cluster.elbtal.id), "Remote only?")
        say_not_for_us(need_id, cluster.elbtal.member_id, NotForUsReason.CAPACITY)
        told = outbox_told(need_id)
        matched = db.session.scalar(select(func.count()).where(NeedMatch.need_id == need_id))
        digest = db.session.scalar(select(Notification).where(Notification.kind == "digest"))
        # One digest, for the day both needs were published, listing both.
        assert sorted(digest.data["need_ids"]) == sorted([need_id, other])
    assert told == {cluster.wisla.id, cluster.elbtal.id, cluster.daily.id}
    for account in (cluster.requester, cluster.colleague, cluster.staff):
        text = box(page_text(signed_in(app, account), f"/needs/{need_id}"))
        assert f"Firms matched {matched} " in text
        assert f"Users told {len(told)} (2 at once, 1 in a daily digest)" in text
        assert "Offers 1 Questions 1" in text
        assert "Not for us 1 firm said it is not for them: No capacity (1)" in text
        # Never which firm said so.
        assert "Elbtal" not in text
    # The other need's figures are its own.
    text = box(page_text(requester, f"/needs/{other}"))
    assert "Users told 3 (2 at once, 1 in a daily digest)" in text
    assert "Offers 0 Questions 0 Not for us 0 firms said it is not for them" in text


def test_other_firms_never_see_who_was_reached(app: Flask, cluster: Cluster) -> None:
    need_id = pending_need(app, cluster)
    approve(app, cluster, need_id)
    with app.app_context():
        say_not_for_us(need_id, cluster.elbtal.member_id, NotForUsReason.FIELD)
    # The requester's view fills the kept page first; the others still never get the box.
    assert REACHED in page_text(signed_in(app, cluster.requester), f"/needs/{need_id}")
    for account in (cluster.wisla, cluster.elbtal, cluster.bystander):
        html = signed_in(app, account).get(f"/needs/{need_id}").get_data(as_text=True)
        assert REACHED not in html and "Firms matched" not in html
        # Elbtal reads its own answer (to take it back); no firm reads another's.
        if account is not cluster.elbtal:
            assert "Not our field" not in html
        assert not re.search(r"(reach|forecast)[0-9a-f]{32}slot", html)


def test_users_told_are_counted_afresh_while_the_page_is_kept(app: Flask, cluster: Cluster) -> None:
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens: e-mails wait
    need_id = pending_need(app, cluster)
    approve(app, cluster, need_id)
    del app.config["REDIS_URL"]
    requester = signed_in(app, cluster.requester)
    text = box(page_text(requester, f"/needs/{need_id}"))
    assert "Users told 0 (0 at once, 0 in a daily digest)" in text
    with app.app_context():
        match.fan_out(need_id)
        assert db.session.scalar(select(func.count()).where(Notification.kind == "need_match"))
    # The outbox does not change the kept page; the box is read on each view all the same.
    text = box(page_text(requester, f"/needs/{need_id}"))
    assert "Users told 2 (2 at once, 0 in a daily digest)" in text


def test_e_mails_waiting_or_undelivered_are_not_counted_as_told(
    app: Flask, cluster: Cluster
) -> None:
    need_id = pending_need(app, cluster)
    approve(app, cluster, need_id)
    with app.app_context():
        rows = db.session.scalars(
            select(Notification).where(Notification.need_id == need_id).order_by(Notification.id)
        ).all()
        at_once = [row for row in rows if row.kind == "need_match"]
        at_once[0].status = NotificationStatus.FAILED
        at_once[1].status = NotificationStatus.PENDING
        db.session.commit()
    text = box(page_text(signed_in(app, cluster.staff), f"/needs/{need_id}"))
    assert "Users told 0 (0 at once, 0 in a daily digest)" in text
    assert "1 e-mail is waiting to be sent." in text
    assert "1 e-mail could not be delivered." in text


def test_not_for_us_is_counted_by_reason_and_without_one(app: Flask, cluster: Cluster) -> None:
    need_id = pending_need(app, cluster)
    approve(app, cluster, need_id)
    with app.app_context():
        say_not_for_us(need_id, cluster.wisla.member_id, None)
        say_not_for_us(need_id, cluster.elbtal.member_id, NotForUsReason.BUDGET)
    text = box(page_text(signed_in(app, cluster.requester), f"/needs/{need_id}"))
    assert "Not for us 2 firms said it is not for them: The budget (1), no reason given (1)" in (
        text
    )
    assert "Wisła" not in text and "Elbtal" not in text


def test_a_published_need_that_matched_no_firm_says_so_and_what_the_requester_can_do(
    app: Flask, cluster: Cluster
) -> None:
    need_id = pending_need(app, cluster, competences=("java",))
    approve(app, cluster, need_id)
    advice = "to reach firms, contact the cluster staff"
    nobody = "No member firm had any of the competences this need asks for"
    own = box(page_text(signed_in(app, cluster.requester), f"/needs/{need_id}"))
    assert nobody in own and advice in own
    assert "Firms matched 0 " in own
    staff = box(page_text(signed_in(app, cluster.staff), f"/needs/{need_id}"))
    assert nobody in staff and advice not in staff


def test_a_need_never_published_has_no_reach_box(app: Flask, cluster: Cluster) -> None:
    need_id = pending_need(app, cluster)
    with app.app_context():
        db.session.get(Need, need_id).status = NeedStatus.CANCELLED
        db.session.commit()
    for account in (cluster.requester, cluster.staff):
        assert REACHED not in page_text(signed_in(app, account), f"/needs/{need_id}")


def test_the_reach_is_read_in_two_statements_however_much_came_back(
    app: Flask, cluster: Cluster
) -> None:
    need_id = pending_need(app, cluster)
    approve(app, cluster, need_id)
    send_digests(app)
    with app.app_context():
        user = db.session.get(User, cluster.requester.id)
        staff = db.session.get(User, cluster.staff.id)
        assert user.member is not None  # as the request has it already
        with statements_run() as read:
            found = reach.need_reach(need_id, user)
        assert found is not None and found.told == 3
        assert len(read) == 2
        with statements_run() as forecast_read:
            assert reach.pending_forecast(need_id, staff) is not None
        assert len(forecast_read) == 2
        # Not for a firm that did not post it, nor a forecast for anyone but staff.
        assert reach.need_reach(need_id, db.session.get(User, cluster.wisla.id)) is None
        assert reach.pending_forecast(need_id, user) is None
    client = signed_in(app, cluster.requester)
    client.get(f"/needs/{need_id}")
    with app.app_context(), statements_run() as few:
        client.get(f"/needs/{need_id}")
    with app.app_context():
        need = db.session.get(Need, need_id)
        for n in range(3):
            firm = factories.make_member(f"Extra Firm {n}", competences=("kotlin",))
            factories.make_offer(need, firm)
            db.session.add(NeedMatch(need_id=need_id, member_id=firm.id, score=0.5))
        db.session.commit()
    client.get(f"/needs/{need_id}")  # the page's shared part, kept again
    with app.app_context(), statements_run() as many:
        text = page_text(client, f"/needs/{need_id}")
    assert "Firms matched 5 " in box(text)
    assert len(many) == len(few)


# The "published" e-mail --------------------------------------------------------------------


def approved_mail(mailbox: Mailbox, to: str) -> tuple[str, str]:
    (message,) = [m for m in mailbox.to(to) if m["Subject"].startswith("Your need is published")]
    return " ".join(text_of(message).split()), words(html_of(message))


@pytest.mark.parametrize(
    "competences, told",
    [
        (("kotlin", "kubernetes"), "and the 2 member firms with the competences it asks for are"
         " told about it: their people hear of it at once or in their daily digest"),
        (("kubernetes",), "and the 1 member firm with the competences it asks for is told about"
         " it: its people hear of it at once or in their daily digest"),
    ],
)  # fmt: skip
def test_the_published_e_mail_says_how_many_firms_were_told(
    app: Flask, cluster: Cluster, mailbox: Mailbox, competences: tuple[str, ...], told: str
) -> None:
    need_id = pending_need(app, cluster, competences=competences)
    approve(app, cluster, need_id)
    text, html = approved_mail(mailbox, cluster.requester.email)
    assert told in text and told in html
    with app.app_context():
        recorded = db.session.scalar(select(func.count()).where(NeedMatch.need_id == need_id))
    assert f"the {recorded} member firm" in text
    assert "no member firm" not in text


def test_the_published_e_mail_of_a_need_no_firm_matches_says_what_to_do(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = pending_need(app, cluster, competences=("java",))
    approve(app, cluster, need_id)
    text, html = approved_mail(mailbox, cluster.requester.email)
    for body in (text, html):
        assert "no member firm has the competences it asks for yet, so no firm was told" in body
        assert (
            "A published need cannot be edited: to reach firms, contact the cluster staff" in body
        )
        assert "or cancel it and post a similar need with competences member firms have" in body
        assert "are told" not in body and "is told" not in body


def test_the_published_e_mail_counts_the_matches_once_they_are_recorded(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    """The row is queued before approval records the matches; it is composed after."""
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # the e-mail waits for the sweep
    need_id = pending_need(app, cluster)
    approve(app, cluster, need_id)
    del app.config["REDIS_URL"]
    with app.app_context():
        # A firm taking up Kotlin now changes nothing: the e-mail counts what approval recorded.
        prosna = db.session.get(Member, cluster.bystander.member_id)
        prosna.competences = by_slugs(["kotlin"])
        db.session.commit()
        sweep.sweep(utcnow() + timedelta(seconds=app.config["SWEEP_GRACE"] + 1))
    text, _html = approved_mail(mailbox, cluster.requester.email)
    assert "the 2 member firms with the competences it asks for are told" in text


# What the e-mail says, by language, for a need that matched 1, 2, 5 and 22 firms: Polish and
# Romanian have three plural forms.
PLURALS = {
    "en": ("the 1 member firm with", "the 2 member firms with", "the 5 member firms with",
           "the 22 member firms with"),
    "pl": ("a 1 firma członkowska z", "a 2 firmy członkowskie z", "a 5 firm członkowskich z",
           "a 22 firmy członkowskie z"),
    "de": ("und 1 Mitgliedsunternehmen mit den verlangten Kompetenzen wird",
           "und 2 Mitgliedsunternehmen mit den verlangten Kompetenzen werden",
           "und 5 Mitgliedsunternehmen mit den verlangten Kompetenzen werden",
           "und 22 Mitgliedsunternehmen mit den verlangten Kompetenzen werden"),
    "ro": ("iar 1 firmă membră cu", "iar 2 firme membre cu", "iar 5 firme membre cu",
           "iar 22 de firme membre cu"),
}  # fmt: skip


@pytest.mark.parametrize("locale", sorted(PLURALS))
def test_the_published_e_mail_says_the_count_in_each_language_s_plural_forms(
    app: Flask, cluster: Cluster, mailbox: Mailbox, locale: str
) -> None:
    with app.app_context():
        set_user(cluster.requester.id, locale=locale)
        for n in range(20):
            # Firms with Terraform, one with Docker too; Elbtal has Kubernetes.
            slugs = ("terraform", "docker") if n == 0 else ("terraform",)
            factories.make_member(f"Extra Firm {n}", competences=slugs)
    made = [
        pending_need(app, cluster, competences=slugs, title=f"Need {n}")
        for n, slugs in enumerate(
            [("kubernetes",), ("kubernetes", "docker"),
             ("kotlin", "kubernetes", "react", "docker", "python"),
             ("terraform", "kubernetes", "react")]
        )
    ]  # fmt: skip
    for need_id in made:
        approve(app, cluster, need_id)
    with app.app_context():
        counts = [
            db.session.scalar(select(func.count()).where(NeedMatch.need_id == need_id))
            for need_id in made
        ]
    assert counts == [1, 2, 5, 22]
    bodies = {
        message["Subject"]: " ".join(text_of(message).split())
        for message in mailbox.to(cluster.requester.email)
    }
    assert len(bodies) == 4
    for n, form in enumerate(PLURALS[locale]):
        (body,) = [text for subject, text in bodies.items() if subject.endswith(f"Need {n}")]
        assert form in body, body


def test_the_digest_lists_are_searched_by_the_day_the_need_was_published(
    app: Flask, cluster: Cluster
) -> None:
    """A digest of another day that happens to list the same id is not counted."""
    need_id = pending_need(app, cluster)
    approve(app, cluster, need_id)
    with app.app_context():
        day = cluster_today() - timedelta(days=3)
        db.session.add(
            Notification(
                user_id=cluster.daily.id,
                key=sweep.digest_key(day),
                kind="digest",
                data={"day": day.isoformat(), "need_ids": [need_id]},
                status=NotificationStatus.SENT,
            )
        )
        db.session.commit()
        found = reach.need_reach(need_id, db.session.get(User, cluster.staff.id))
        assert found is not None and found.told_in_digest == 0
    send_digests(app)
    with app.app_context():
        found = reach.need_reach(need_id, db.session.get(User, cluster.staff.id))
        assert found is not None and found.told_in_digest == 1


# The requester's list -----------------------------------------------------------------------


def test_my_needs_shows_how_many_firms_each_published_need_matched(
    app: Flask, cluster: Cluster
) -> None:
    kotlin = pending_need(app, cluster, title="Kotlin need")
    nobody = pending_need(app, cluster, competences=("java",), title="Java need")
    pending_need(app, cluster, title="Waiting need")
    approve(app, cluster, kotlin)
    approve(app, cluster, nobody)
    html = signed_in(app, cluster.colleague).get("/needs/mine").get_data(as_text=True)
    rows = {
        words(row).split(" ", 2)[0] + " " + words(row).split(" ", 2)[1]: words(row)
        for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]
    }
    assert "2 firms matched" in rows["Kotlin need"]
    assert "0 firms matched" in rows["Java need"]
    assert "matched" not in rows["Waiting need"]
    # Still four columns, to fit a phone.
    assert len(re.findall(r"<th scope=\"col\">", html)) == 4
