"""Matching a need to member firms, and the e-mails that follow: instant, daily digest,
reminders, and the one-click unsubscribe. Tasks run in-process here (the embedded default);
tests/test_delivery_worker.py runs the same pipeline on a real worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board import jobs
from board.clock import cluster_today, cluster_zone, day_bounds
from board.competences.services import by_slugs
from board.extensions import db
from board.members.services import set_member_status
from board.models import (
    AuditEvent,
    Member,
    MemberStatus,
    Need,
    NeedMatch,
    NeedStatus,
    Notification,
    NotificationStatus,
    NotifyMode,
    User,
    utcnow,
)
from board.needs.services import approve_need, cancel_need, expire_needs
from board.notifications import match, sweep
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox, html_of, text_of

NEED = ("kotlin", "kubernetes", "terraform", "react")


@dataclass
class Cluster:
    requester: factories.Account
    staff: factories.Account
    full: factories.Account  # kotlin, kubernetes, terraform: 3 of 4
    half: factories.Account  # kotlin, react: 2 of 4
    daily: factories.Account
    off: factories.Account
    filtered_in: factories.Account
    filtered_out: factories.Account
    outsider: factories.Account  # python only
    invited: factories.Account
    deactivated: factories.Account
    suspended: factories.Account
    colleague: factories.Account  # the requester's colleague


def set_user(user_id: int, **values: object) -> None:
    user = db.session.get(User, user_id)
    for name, value in values.items():
        setattr(user, name, value)
    db.session.commit()


@pytest.fixture
def cluster(app: Flask) -> Cluster:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=NEED)
        wisla = factories.make_member(
            "Wisła Cloud", competences=("kotlin", "kubernetes", "terraform")
        )
        tatry = factories.make_member("Tatry Apps", competences=("kotlin", "react"))
        warta = factories.make_member("Warta Data", competences=("python",))
        closed = factories.make_member(
            "Closed Firm", competences=NEED, status=MemberStatus.SUSPENDED
        )
        make = factories.make_user
        cast = Cluster(
            requester=make(odra, email="agnieszka@odra.example"),
            colleague=make(odra, email="kuba@odra.example"),
            staff=make(is_staff=True, email="clara@cluster.example"),
            full=make(wisla, email="piotr@wisla.example", name="Piotr"),
            daily=make(wisla, email="daily@wisla.example"),
            off=make(wisla, email="off@wisla.example"),
            filtered_in=make(tatry, email="react-only@tatry.example"),
            filtered_out=make(tatry, email="java-only@tatry.example"),
            half=make(tatry, email="ewa@tatry.example"),
            outsider=make(warta, email="marek@warta.example"),
            invited=make(wisla, email="invited@wisla.example", password=None),
            deactivated=make(wisla, email="gone@wisla.example"),
            suspended=make(closed, email="someone@closed.example"),
        )
        set_user(cast.daily.id, notify=NotifyMode.DAILY)
        set_user(cast.off.id, notify=NotifyMode.OFF)
        set_user(cast.filtered_in.id, competences=by_slugs(["react"]))
        set_user(cast.filtered_out.id, competences=by_slugs(["java"]))
        set_user(cast.deactivated.id, active=False)
        set_user(cast.staff.id, notify_reviews=False)
        return cast


def new_need(app: Flask, cast: Cluster, competences: tuple[str, ...] = NEED, **fields) -> int:
    with app.app_context():
        member = db.session.get(Member, cast.requester.member_id)
        need = factories.make_need(
            member,
            cast.requester.id,
            competences=competences,
            status=NeedStatus.PENDING,
            budget_min=Decimal(20000),
            budget_max=Decimal(45000),
            currency="EUR",
            **fields,
        )
        return need.id


def approve(app: Flask, need_id: int, cast: Cluster) -> None:
    with app.app_context():
        approve_need(db.session.get(Need, need_id), db.session.get(User, cast.staff.id))


def match_mail(mailbox: Mailbox) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in mailbox.messages:
        if message["Subject"].strip().startswith("A new need matches your firm"):
            counts[message["To"]] = counts.get(message["To"], 0) + 1
    return counts


def test_a_need_is_sent_to_each_instant_user_of_the_matching_firms_once(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = new_need(app, cluster, title="Kotlin & <React> for a logistics platform")
    approve(app, need_id, cluster)
    assert match_mail(mailbox) == {
        cluster.full.email: 1,
        cluster.half.email: 1,
        cluster.filtered_in.email: 1,
    }
    with app.app_context():
        matches = {
            m.member.name: (m.score, sorted(c.slug for c in by_ids(m.competence_ids)))
            for m in db.session.scalars(select(NeedMatch).where(NeedMatch.need_id == need_id))
        }
        assert db.session.get(Need, need_id).fanned_out_at is not None
    # The requester and the suspended firm are never matches; Warta shares nothing.
    assert matches == {
        "Wisła Cloud": (0.75, ["kotlin", "kubernetes", "terraform"]),
        "Tatry Apps": (0.5, ["kotlin", "react"]),
    }

    (message,) = mailbox.to(cluster.full.email)
    assert message.get_content_type() == "multipart/alternative"
    text = text_of(message)
    assert (
        "Wisła Cloud has 75% of the competences the need asks for: Kotlin, Kubernetes, Terraform."
        in text
    )
    assert "Requester: Odra Software" in text
    assert "€20,000.00 – €45,000.00" in text
    assert f"http://board.test/needs/{need_id}" in text
    html = html_of(message)
    assert "Kotlin &amp; &lt;React&gt; for a logistics platform" in html
    assert "<React>" not in html
    unsubscribe = message["List-Unsubscribe"].strip()
    assert unsubscribe.startswith("<http://board.test/unsubscribe/") and unsubscribe.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in text and unsubscribe[1:-1] in html
    with app.app_context():
        row = db.session.scalar(select(Notification).where(Notification.user_id == cluster.full.id))
        assert row.status == NotificationStatus.SENT and row.kind == "need_match"
        assert message["Message-ID"] == f"<notification-{row.id}@localhost>"
    (half,) = mailbox.to(cluster.half.email)
    half_text = text_of(half)
    assert "Tatry Apps has 50% of the competences the need asks for: Kotlin, React." in half_text


def by_ids(ids: list[int]):
    from board.models import Competence

    return db.session.scalars(select(Competence).where(Competence.id.in_(ids)))


def test_running_the_fan_out_again_sends_nothing_twice(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = new_need(app, cluster)
    approve(app, need_id, cluster)
    before = len(mailbox.messages)
    with app.app_context():
        assert match.fan_out(need_id) == 0
        set_user_need(need_id, fanned_out_at=None)
        match.fan_out(need_id)  # as if the first run had died before marking
        sweep.sweep(utcnow() + timedelta(hours=1))
        count = db.session.scalar(
            select(func.count(Notification.id)).where(Notification.kind == "need_match")
        )
    assert count == 3
    assert len(mailbox.messages) == before


def set_user_need(need_id: int, **values: object) -> None:
    need = db.session.get(Need, need_id)
    for name, value in values.items():
        setattr(need, name, value)
    db.session.commit()


def test_matches_are_the_competences_as_they_were_when_the_need_opened(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    """The broker is down at approval, so the fan-out runs later, from the sweep: the firms
    changed their competences in between, and the e-mails still follow the snapshot."""
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    need_id = new_need(app, cluster)
    approve(app, need_id, cluster)
    assert mailbox.messages == []
    with app.app_context():
        assert db.session.get(Need, need_id).status == NeedStatus.OPEN
        assert db.session.get(Need, need_id).fanned_out_at is None
        # Tatry drops everything; Warta takes up Kotlin.
        db.session.get(Member, cluster.half.member_id).competences = by_slugs(["java"])
        db.session.get(Member, cluster.outsider.member_id).competences = by_slugs(["kotlin"])
        db.session.commit()
    del app.config["REDIS_URL"]
    with app.app_context():
        assert sweep.sweep(utcnow())["fan_outs"] == 0  # too fresh: its task may run
        done = sweep.sweep(utcnow() + timedelta(seconds=app.config["SWEEP_GRACE"] + 1))
    assert done["fan_outs"] == 1
    assert match_mail(mailbox) == {
        cluster.full.email: 1,
        cluster.half.email: 1,
        cluster.filtered_in.email: 1,
    }
    # The author's "published" e-mail was left pending by the outage; it goes out too.
    assert [m["To"] for m in mailbox.messages].count(cluster.requester.email) == 1


def digest_time(day_after: datetime | None = None) -> datetime:
    """08:00 tomorrow, cluster time: today's digest is due."""
    tomorrow = cluster_today() + timedelta(days=1)
    return datetime.combine(tomorrow, time(8), tzinfo=cluster_zone())


def test_a_daily_user_gets_one_digest_with_the_day_s_matches_and_no_instant_e_mail(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    first = new_need(app, cluster, title="Kotlin backend for a logistics platform")
    second = new_need(app, cluster, competences=("terraform",), title="Terraform <modules>")
    other = new_need(app, cluster, competences=("python",), title="Python data pipeline")
    for need_id in (first, second, other):
        approve(app, need_id, cluster)
    assert mailbox.to(cluster.daily.email) == []
    with app.app_context():
        before_hour = digest_time() - timedelta(hours=2)
        assert sweep.sweep(before_hour)["digests"] == 0
        assert sweep.sweep(digest_time())["digests"] == 1
        assert sweep.sweep(digest_time() + timedelta(minutes=1))["digests"] == 0
        assert sweep.sweep(digest_time() + timedelta(days=1))["digests"] == 0
    (digest,) = mailbox.to(cluster.daily.email)
    assert digest["Subject"].strip().startswith("Needs that matched your firm on")
    text = text_of(digest)
    assert "2 needs published on" in text
    assert "Kotlin backend for a logistics platform" in text
    assert "Terraform <modules>" in text and "Python data pipeline" not in text
    # Best match first: Wisła has all the Terraform need asks for, 3 of 4 of the other.
    assert text.index("Terraform <modules>") < text.index("Kotlin backend")
    assert f"http://board.test/needs/{first}" in text
    assert "Terraform &lt;modules&gt;" in html_of(digest)
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Nobody else gets a digest: they are instant, off, or match nothing.
    digests = [m["To"] for m in mailbox.messages if "matched your firm on" in m["Subject"]]
    assert digests == [cluster.daily.email]


def unsubscribe_path(message) -> str:
    return message["List-Unsubscribe"].strip().strip("<>").removeprefix("http://board.test")


def test_one_click_unsubscribe_needs_no_session_and_stops_the_next_need(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    approve(app, new_need(app, cluster), cluster)
    (message,) = mailbox.to(cluster.full.email)
    path = unsubscribe_path(message)
    mail_client = app.test_client()  # no session, no CSRF token, as a mail client posts
    confirm = mail_client.get(path)
    assert confirm.status_code == 200 and "piotr@wisla.example" in confirm.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, cluster.full.id).notify == NotifyMode.INSTANT  # GET: nothing
    response = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "will get no more e-mails" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, cluster.full.id).notify == NotifyMode.OFF
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.unsubscribed")
        )
        assert event.target_id == cluster.full.id
    assert mail_client.post(path).status_code == 200  # twice is fine

    mailbox.clear()
    approve(app, new_need(app, cluster, title="Another Kotlin need"), cluster)
    assert cluster.full.email not in match_mail(mailbox)
    assert cluster.half.email in match_mail(mailbox)
    with app.app_context():
        sweep.sweep(digest_time())
    assert mailbox.to(cluster.full.email) == []


def test_the_digest_user_unsubscribes_and_gets_no_digest_the_next_day(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    approve(app, new_need(app, cluster), cluster)
    with app.app_context():
        sweep.sweep(digest_time())
    (digest,) = mailbox.to(cluster.daily.email)
    assert app.test_client().post(unsubscribe_path(digest)).status_code == 200
    mailbox.clear()
    with app.app_context():
        need_id = new_need(app, cluster, title="Next day's need")
        approve(app, need_id, cluster)
        set_user_need(need_id, published_at=digest_time())
        sweep.sweep(digest_time() + timedelta(days=1))
    assert mailbox.to(cluster.daily.email) == []


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "MQ.forged-signature", "eyJ1c2VyIjoxfQ"],
)
def test_a_forged_unsubscribe_token_changes_nothing(
    app: Flask, cluster: Cluster, token: str
) -> None:
    client = app.test_client()
    assert client.get(f"/unsubscribe/{token}").status_code == 404
    response = client.post(f"/unsubscribe/{token}")
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)
    with app.app_context():
        modes = set(db.session.scalars(select(User.notify).where(User.id != cluster.daily.id)))
        assert NotifyMode.INSTANT in modes
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "user.unsubscribed")) == 0  # fmt: skip


def test_matched_firms_that_have_not_offered_are_reminded_before_the_deadline(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = new_need(app, cluster, deadline_in_days=2)
    approve(app, need_id, cluster)
    with app.app_context():
        set_user_need(need_id, published_at=utcnow() - timedelta(days=5))
        tatry = db.session.get(Member, cluster.half.member_id)
        factories.make_offer(db.session.get(Need, need_id), tatry, cluster.half.id)
    mailbox.clear()
    with app.app_context():
        first = sweep.sweep(utcnow())
        second = sweep.sweep(utcnow())
    reminded = sorted(m["To"] for m in mailbox.messages if "Offers close soon" in m["Subject"])
    # Wisła has not offered: its instant and daily users hear; Tatry has offered.
    assert reminded == sorted([cluster.full.email, cluster.daily.email])
    assert first["deadline_reminders"] == 2 and second["deadline_reminders"] == 0
    assert "List-Unsubscribe" in mailbox.to(cluster.full.email)[0]


def test_the_requester_is_asked_to_award_or_cancel_after_the_deadline(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = new_need(app, cluster, deadline_in_days=1)
    approve(app, need_id, cluster)
    mailbox.clear()
    with app.app_context():
        closes = db.session.get(Need, need_id).offers_close_at
        assert sweep.sweep(closes - timedelta(minutes=1))["award_reminders"] == 0
        assert sweep.sweep(closes + timedelta(minutes=1))["award_reminders"] == 1
        assert sweep.sweep(closes + timedelta(hours=1))["award_reminders"] == 0
    (message,) = [m for m in mailbox.messages if "award or cancel" in m["Subject"]]
    assert message["To"] == cluster.requester.email
    assert f"http://board.test/needs/{need_id}" in text_of(message)


def test_an_open_need_without_an_award_expires_30_days_after_its_deadline(
    app: Flask, cluster: Cluster
) -> None:
    need_id = new_need(app, cluster, deadline_in_days=1)
    approve(app, need_id, cluster)
    with app.app_context():
        closes = db.session.get(Need, need_id).offers_close_at
        assert expire_needs(closes + timedelta(days=29)) == 0
        assert expire_needs(closes + timedelta(days=31)) == 1
        assert db.session.get(Need, need_id).status == NeedStatus.EXPIRED


def test_a_user_sets_a_personal_competence_filter_on_the_account_page(
    app: Flask, cluster: Cluster, client: FlaskClient
) -> None:
    AuthActions(client).login(cluster.full.email, cluster.full.password)
    page = client.get("/account").get_data(as_text=True)
    assert 'name="competences"' in page
    data = {"name": "Piotr", "locale": "en", "notify": "daily", "competences": ["kotlin", "react"]}
    assert submit(client, "/account", data).status_code == 302
    with app.app_context():
        user = db.session.get(User, cluster.full.id)
        assert [c.slug for c in user.competences] == ["kotlin", "react"]
        assert user.notify == NotifyMode.DAILY
    bad = submit(client, "/account", {**data, "competences": ["kotlin", "cobol-on-mars"]})
    assert bad.status_code == 200
    assert "Unknown competence" in bad.get_data(as_text=True)
    cleared = submit(client, "/account", {**data, "competences": []})
    assert cleared.status_code == 302
    with app.app_context():
        assert db.session.get(User, cluster.full.id).competences == []


def test_a_personal_filter_is_held_against_each_needs_own_competences(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    """Tatry matches both needs by Kotlin; its user who filters on React hears of the need
    that asks for React, not of the one that asks for Kotlin alone."""
    with_react = new_need(app, cluster, title="Kotlin and React")
    kotlin_only = new_need(app, cluster, competences=("kotlin",), title="Kotlin alone")
    approve(app, with_react, cluster)
    approve(app, kotlin_only, cluster)
    subjects = [m["Subject"] for m in mailbox.to(cluster.filtered_in.email)]
    assert [s for s in subjects if "Kotlin and React" in s] != []
    assert [s for s in subjects if "Kotlin alone" in s] == []
    assert [m for m in mailbox.to(cluster.half.email) if "Kotlin alone" in m["Subject"]] != []


@pytest.fixture
def jobs_held(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[object, ...]]]:
    """Jobs recorded instead of run: a fan-out that has not run yet, as with a slow broker."""
    held: list[tuple[str, tuple[object, ...]]] = []
    monkeypatch.setattr(jobs, "start", lambda name, args: held.append((name, args)))
    return held


def match_rows(app: Flask) -> set[str]:
    with app.app_context():
        query = select(User.email).join(Notification, Notification.user_id == User.id)
        return set(db.session.scalars(query.where(Notification.kind == "need_match")))


def test_a_fan_out_that_runs_late_reaches_no_firm_suspended_since_the_need_matched(
    app: Flask, cluster: Cluster, jobs_held: list[tuple[str, tuple[object, ...]]]
) -> None:
    need_id = new_need(app, cluster)
    approve(app, need_id, cluster)
    assert ("notify.fan_out", (need_id,)) in jobs_held
    with app.app_context():
        set_member_status(
            db.session.get(Member, cluster.full.member_id),
            MemberStatus.SUSPENDED,
            db.session.get(User, cluster.staff.id),
        )
        match.fan_out(need_id)
    assert match_rows(app) == {cluster.half.email, cluster.filtered_in.email}


def test_a_fan_out_that_runs_for_a_need_no_longer_open_sends_nothing(
    app: Flask, cluster: Cluster, jobs_held: list[tuple[str, tuple[object, ...]]]
) -> None:
    need_id = new_need(app, cluster)
    approve(app, need_id, cluster)
    with app.app_context():
        cancel_need(db.session.get(Need, need_id), db.session.get(User, cluster.requester.id))
        assert match.fan_out(need_id) == 0
        assert db.session.get(Need, need_id).fanned_out_at is not None
    assert match_rows(app) == set()


def test_a_firm_suspended_after_matching_gets_no_digest_and_no_reminder(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    need_id = new_need(app, cluster, deadline_in_days=2)
    approve(app, need_id, cluster)
    with app.app_context():
        set_user_need(need_id, published_at=digest_time() - timedelta(days=1))
        set_member_status(
            db.session.get(Member, cluster.full.member_id),
            MemberStatus.SUSPENDED,
            db.session.get(User, cluster.staff.id),
        )
    mailbox.clear()
    with app.app_context():
        done = sweep.sweep(digest_time())
    assert done["digests"] == 0, "Wisła's daily user was the only one to get a digest"
    reminded = {m["To"] for m in mailbox.messages if "Offers close soon" in m["Subject"]}
    assert reminded == {cluster.half.email, cluster.filtered_in.email}
    assert not {cluster.full.email, cluster.daily.email} & {m["To"] for m in mailbox.messages}


# The sweep's clock: what is due when ------------------------------------------------------


@pytest.mark.parametrize(
    "local, days",
    [
        ((7, 0), ("2027-01-13", "2027-01-14")),  # from DIGEST_HOUR on: yesterday's is due
        ((6, 59), ("2027-01-12", "2027-01-13")),  # before it: the day before yesterday's
    ],
)
def test_the_digest_of_a_day_is_due_from_digest_hour_the_next_morning(
    app: Flask, local: tuple[int, int], days: tuple[str, str]
) -> None:
    with app.app_context():
        now = datetime(2027, 1, 15, *local, tzinfo=cluster_zone())
        assert [day.isoformat() for day in sweep.due_digest_days(now)] == list(days)


def test_a_digest_lists_what_matched_that_day_and_only_for_whom_it_is_meant(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    """Published at the day's first instant: in; at the next day's: out. A need cancelled
    since, and a need outside a daily user's own filter, are left out; the requester's own
    firm matches none of its needs."""
    first = new_need(app, cluster, title="At the first instant")
    last = new_need(app, cluster, title="At the next midnight")
    cancelled = new_need(app, cluster, title="Cancelled since")
    for need_id in (first, last, cancelled):
        approve(app, need_id, cluster)
    with app.app_context():
        day = cluster_today() + timedelta(days=1)
        start, end = day_bounds(day)
        set_user_need(first, published_at=start)
        set_user_need(last, published_at=end)
        set_user_need(cancelled, published_at=start, status=NeedStatus.CANCELLED)
        set_user(cluster.colleague.id, notify=NotifyMode.DAILY)
        set_user(cluster.filtered_out.id, notify=NotifyMode.DAILY)
        set_user(cluster.filtered_in.id, notify=NotifyMode.DAILY)
        digests = sweep.queue_digests(day)
        rows = db.session.scalars(select(Notification).where(Notification.id.in_(digests)))
        listed = {row.user_id: row.data["need_ids"] for row in rows}
        assert listed == {cluster.daily.id: [first], cluster.filtered_in.id: [first]}
        waiting = db.session.scalars(select(Notification).where(Notification.id.in_(digests)))
        assert {row.last_error for row in waiting} == {""}  # tried by no delivery yet
        assert sweep.queue_digests(day) == []


def test_matched_firms_of_every_need_due_are_reminded_in_one_sweep_once(
    app: Flask, cluster: Cluster
) -> None:
    due = [new_need(app, cluster, deadline_in_days=2, title=f"Due {n}") for n in range(2)]
    fresh = new_need(app, cluster, deadline_in_days=2, title="Published today")
    closed = new_need(app, cluster, deadline_in_days=2, title="Awarded")
    for need_id in (*due, fresh, closed):
        approve(app, need_id, cluster)
    now = utcnow()
    with app.app_context():
        for need_id in (*due, closed):
            set_user_need(need_id, published_at=now - timedelta(days=1))
        set_user_need(fresh, published_at=now - timedelta(hours=12))
        set_user_need(closed, status=NeedStatus.CLOSED)
        reminded = sweep.queue_deadline_reminders(now)
        rows = db.session.scalars(select(Notification).where(Notification.id.in_(reminded)))
        assert sorted({row.need_id for row in rows}) == sorted(due)
        assert len(reminded) == len(due) * 4  # Wisła's two and Tatry's two users, each need
        assert sweep.queue_deadline_reminders(now) == []


def test_the_reminder_window_ends_where_offers_close(app: Flask, cluster: Cluster) -> None:
    """A need closing exactly REMINDER_DAYS from now is reminded; one closing now is not."""
    edge = new_need(app, cluster, deadline_in_days=5, title="At the far edge")
    closing = new_need(app, cluster, deadline_in_days=1, title="Closing now")
    for need_id in (edge, closing):
        approve(app, need_id, cluster)
    with app.app_context():
        closes = db.session.get(Need, closing).offers_close_at
        set_user_need(edge, offers_close_at=closes + timedelta(days=3))
        for need_id in (edge, closing):
            set_user_need(need_id, published_at=closes - timedelta(days=2))
        reminded = sweep.queue_deadline_reminders(closes)
        rows = db.session.scalars(select(Notification).where(Notification.id.in_(reminded)))
        assert {row.need_id for row in rows} == {edge}


def test_the_requester_firm_is_asked_to_award_when_the_author_cannot_be(
    app: Flask, cluster: Cluster
) -> None:
    """The author who can no longer sign in is replaced by the firm's users; a need awarded
    already is not asked about; a need is asked about at the instant its offers close."""
    orphan = new_need(app, cluster, deadline_in_days=1, title="Author gone")
    awarded = new_need(app, cluster, deadline_in_days=1, title="Awarded already")
    for need_id in (orphan, awarded):
        approve(app, need_id, cluster)
    with app.app_context():
        set_user(cluster.requester.id, active=False)
        set_user_need(awarded, status=NeedStatus.CLOSED)
        closes = db.session.get(Need, orphan).offers_close_at
        asked = sweep.queue_award_reminders(closes)
        rows = db.session.scalars(select(Notification).where(Notification.id.in_(asked)))
        assert {(row.need_id, row.user_id) for row in rows} == {(orphan, cluster.colleague.id)}
        assert sweep.queue_award_reminders(closes + timedelta(hours=1)) == []


def test_one_sweep_asks_about_every_need_whose_offers_closed_and_only_that(
    app: Flask, cluster: Cluster
) -> None:
    """Two needs closing together are both asked about; the reminders to their suppliers,
    still waiting in the outbox, are not award reminders."""
    needs = [new_need(app, cluster, deadline_in_days=1, title=f"Closing {n}") for n in range(2)]
    for need_id in needs:
        approve(app, need_id, cluster)
    with app.app_context():
        closes = db.session.get(Need, needs[0]).offers_close_at
        for need_id in needs:
            set_user_need(need_id, offers_close_at=closes, published_at=closes - timedelta(days=2))
        assert sweep.queue_deadline_reminders(closes - timedelta(hours=1))
        asked = sweep.queue_award_reminders(closes)
        rows = db.session.scalars(select(Notification).where(Notification.id.in_(asked)))
        assert sorted((row.kind, row.need_id) for row in rows) == [
            ("award_reminder", need_id) for need_id in sorted(needs)
        ]


def test_a_need_e_mails_the_firms_it_matched_not_those_an_earlier_need_matched(
    app: Flask, cluster: Cluster, mailbox: Mailbox
) -> None:
    approve(app, new_need(app, cluster, title="Kotlin first"), cluster)
    assert cluster.outsider.email not in match_mail(mailbox)
    mailbox.clear()
    approve(app, new_need(app, cluster, competences=("python",), title="Python next"), cluster)
    assert match_mail(mailbox) == {cluster.outsider.email: 1}
    mailbox.clear()
    approve(app, new_need(app, cluster, competences=("kotlin",), title="Kotlin again"), cluster)
    assert cluster.full.email in match_mail(mailbox)  # matched before, and matched again


def test_matching_a_need_again_adds_no_firm_twice(app: Flask, cluster: Cluster) -> None:
    """A need matched once (its approval died before the fan-out and is run again) keeps its
    matches: running it again finds none new."""
    need_id = new_need(app, cluster)
    approve(app, need_id, cluster)
    with app.app_context():
        need = db.session.get_one(Need, need_id)
        matched = select(NeedMatch.member_id).order_by(NeedMatch.member_id)
        before = db.session.scalars(matched).all()
        assert match.record_matches(need) == 0
        db.session.commit()
        assert db.session.scalars(matched).all() == before != []
