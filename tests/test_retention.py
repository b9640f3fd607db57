"""The retention policy: each kind of record goes one second past its period and stays at it
and one second inside it, on both databases; what the policy leaves alone; what the audit
trail, the log, `/staff`, `flask board sweep` and Celery beat make of it.

Time is frozen by passing `now` to `apply_retention` and dating the rows around it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_babel import force_locale, gettext
from sqlalchemy import event, func, select

import config
from board import ConfigurationError, celery_settings, create_app
from board.clock import cluster_today
from board.competences.services import by_slugs
from board.extensions import db
from board.i18n import datetime_text
from board.jobs import JOBS
from board.models import (
    Application,
    ApplicationStatus,
    Attachment,
    AuditEvent,
    Member,
    NeedMatch,
    NeedStatus,
    NeedTally,
    Notification,
    NotificationStatus,
    Offer,
    OfferStatus,
    User,
    application_competences,
    utcnow,
)
from board.privacy import retention
from board.privacy.retention import apply_retention
from board.statistics import services as statistics
from tests import factories
from tests.conftest import AuthActions

MAIL, AUDIT, OFFERS, APPLICATIONS = 180, 730, 1095, 180


def frozen_now() -> datetime:
    """The instant a test runs the policy at: now, in whole seconds."""
    return utcnow().replace(microsecond=0)


def edges(now: datetime, days: int) -> dict[str, datetime]:
    """One second past a period of `days`, exactly at its end, and one second inside it."""
    boundary = now - timedelta(days=days)
    return {
        "past": boundary - timedelta(seconds=1),
        "at": boundary,
        "inside": boundary + timedelta(seconds=1),
    }


@dataclass
class Cluster:
    requester: factories.Account
    suppliers: list[factories.Account]
    staff: factories.Account


@pytest.fixture
def cluster(app: Flask) -> Cluster:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        suppliers = [
            factories.make_user(factories.make_member(name), email=f"{slug}@example.com")
            for name, slug in (
                ("Ceahlău Cloud SRL", "mihai"),
                ("Wisła Data", "piotr"),
                ("Spree Systems GmbH", "jonas"),
                ("Someș Code SRL", "ioana"),
            )
        ]
        return Cluster(
            requester=factories.make_user(odra, email="agnieszka@odra.example"),
            suppliers=suppliers,
            staff=factories.make_user(is_staff=True, email="clara@cluster.example"),
        )


def email_row(
    user_id: int | None,
    key: str,
    status: NotificationStatus,
    kind: str = "need_match",
    **fields: Any,
) -> Notification:
    row = Notification(user_id=user_id, key=key, kind=kind, status=status, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def attach(**owner: Any) -> Attachment:
    content = b"%PDF-1.4 a quote"
    attachment = Attachment(
        filename="quote.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        **owner,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def member(account: factories.Account) -> Member:
    return db.session.get(Member, account.member_id)


def refused_application(name: str, decided_at: datetime | None, **fields: Any) -> Application:
    application = Application(
        member_name=name,
        contact_name="Ana Pop",
        email=f"{name.split()[0].lower()}@apply.example",
        competences=by_slugs(["python"]),
        status=fields.pop("status", ApplicationStatus.REJECTED),
        decided_at=decided_at,
        reason="Not a firm of the region.",
        **fields,
    )
    db.session.add(application)
    db.session.flush()
    return application


# E-mails -------------------------------------------------------------------------------------


def test_emails_that_ended_longer_ago_than_the_period_go_and_no_others(
    app: Flask, cluster: Cluster
) -> None:
    now = frozen_now()
    edge = edges(now, MAIL)
    user = cluster.suppliers[0].id
    with app.app_context():
        for when, at in edge.items():
            # Queued a while before it was sent: the sending is what counts.
            email_row(user, f"sent {when}", NotificationStatus.SENT, created_at=at, sent_at=at)
            email_row(user, f"sent late {when}", NotificationStatus.SENT,
                      created_at=at - timedelta(days=3), sent_at=at)  # fmt: skip
            # Failed and refused e-mails were never sent: they ended when they were queued.
            email_row(user, f"failed {when}", NotificationStatus.FAILED, created_at=at)
            email_row(user, f"suppressed {when}", NotificationStatus.SUPPRESSED, created_at=at)
        long_ago = edge["past"] - timedelta(days=400)
        email_row(user, "pending", NotificationStatus.PENDING, created_at=long_ago)
        email_row(user, "sending", NotificationStatus.SENDING, created_at=long_ago,
                  claimed_at=long_ago)  # fmt: skip
        db.session.commit()

        removed = apply_retention(now)

        left = set(db.session.scalars(select(Notification.key)))
    gone = {"sent past", "sent late past", "failed past", "suppressed past"}
    assert removed["emails"] == len(gone)
    assert left == {
        *(f"{kind} {when}" for kind in ("sent", "sent late", "failed", "suppressed")
          for when in ("at", "inside")),
        "pending",
        "sending",
    }  # fmt: skip


def test_email_files_older_than_the_period_go_and_nothing_else_in_the_folder(
    app: Flask, cluster: Cluster
) -> None:
    now = frozen_now()
    folder = Path(app.config["MAIL_FOLDER"])
    folder.mkdir(parents=True)
    files = {f"{when}.eml": at for when, at in edges(now, MAIL).items()}
    files["notes.txt"] = now - timedelta(days=MAIL + 30)
    for name, at in files.items():
        path = folder / name
        path.write_bytes(b"Subject: a match\n\nHello\n")
        stamp = int(at.timestamp()) * 10**9
        os.utime(path, ns=(stamp, stamp))
    with app.app_context():
        removed = apply_retention(now)
    assert removed["email_files"] == 1
    assert sorted(path.name for path in folder.iterdir()) == ["at.eml", "inside.eml", "notes.txt"]


# Audit events --------------------------------------------------------------------------------


def test_audit_events_past_the_period_lose_their_details_and_keep_the_rest(
    app: Flask, cluster: Cluster
) -> None:
    now = frozen_now()
    edge = edges(now, AUDIT)
    detail = {"reason": "The contact asked us not to publish it.", "email": "ana@odra.example"}
    with app.app_context():
        staff = db.session.get(User, cluster.staff.id)

        def event(action: str, at: datetime, **written: Any) -> int:
            row = AuditEvent(action=action, target_type="need", target_id=7, actor=staff,
                             detail=written, created_at=at)  # fmt: skip
            db.session.add(row)
            db.session.flush()
            return row.id

        ids = {when: event("need.hidden", at, **detail) for when, at in edge.items()}
        empty = event("need.updated", edge["past"])
        # An e-mail that may still be composed reads its event's details; a sent one does not.
        waiting = event("offer.changed", edge["past"], before={"price": "1"}, after={"price": "2"})
        sent = event("offer.changed", edge["past"], before={"price": "3"}, after={"price": "4"})
        user = cluster.requester.id
        email_row(user, "waiting", NotificationStatus.PENDING, event_id=waiting)
        email_row(user, "sent", NotificationStatus.SENT, event_id=sent, sent_at=now)
        counted = event(retention.ACTION, edge["past"], emails=3)
        db.session.commit()

        removed = apply_retention(now)

        rows = {row.id: row for row in db.session.scalars(select(AuditEvent))}
    assert removed["audit_details"] == 2
    cleared = rows[ids["past"]]
    assert cleared.detail == {}
    assert (cleared.action, cleared.target_type, cleared.target_id) == ("need.hidden", "need", 7)
    assert (cleared.actor_id, cleared.created_at) == (cluster.staff.id, edge["past"])
    assert rows[sent].detail == {}
    assert rows[ids["at"]].detail == detail
    assert rows[ids["inside"]].detail == detail
    assert rows[empty].detail == {}
    assert rows[waiting].detail == {"before": {"price": "1"}, "after": {"price": "2"}}
    # The retention's own records are counts, which /staff adds up.
    assert rows[counted].detail == {"emails": 3}


# Offers and their files ----------------------------------------------------------------------


def test_offers_not_accepted_on_needs_ended_past_the_period_go_with_their_files(
    app: Flask, cluster: Cluster
) -> None:
    now = frozen_now()
    edge = edges(now, OFFERS)
    with app.app_context():
        requester = member(cluster.requester)
        firms = [member(account) for account in cluster.suppliers]
        # (the need's status, when it ended, the offer's status, the offer)
        offers: list[tuple[NeedStatus, str | None, OfferStatus, int]] = []

        def need(status: NeedStatus, ended: str | None, *statuses: OfferStatus) -> list[int]:
            closed_at = edge[ended] if ended else None
            made = factories.make_need(requester, status=status, closed_at=closed_at)
            ids = []
            for firm, offer_status in zip(firms, statuses, strict=False):
                offer = factories.make_offer(made, firm, status=offer_status)
                offers.append((status, ended, offer_status, offer.id))
                ids.append(offer.id)
            return ids

        accepted, declined, _, _ = need(NeedStatus.CLOSED, "past", OfferStatus.ACCEPTED,
                                        OfferStatus.DECLINED, OfferStatus.WITHDRAWN,
                                        OfferStatus.DECLINED)  # fmt: skip
        awarded = db.session.get(Offer, accepted).need_id
        need(NeedStatus.CANCELLED, "past", OfferStatus.SUBMITTED, OfferStatus.SHORTLISTED)
        need(NeedStatus.EXPIRED, "past", OfferStatus.SUBMITTED)
        _, declined_at = need(NeedStatus.CLOSED, "at", OfferStatus.ACCEPTED, OfferStatus.DECLINED)
        need(NeedStatus.CANCELLED, "inside", OfferStatus.SUBMITTED)
        # Needs that have not ended keep their offers, whatever their dates.
        need(NeedStatus.OPEN, None, OfferStatus.SUBMITTED)
        need(NeedStatus.HIDDEN, "past", OfferStatus.SUBMITTED)
        # An offer that an e-mail still waiting is about stays with it.
        (waiting,) = need(NeedStatus.CANCELLED, "past", OfferStatus.SUBMITTED)
        offers.pop()
        email_row(cluster.suppliers[0].id, "waiting", NotificationStatus.PENDING,
                  offer_id=waiting)  # fmt: skip
        files = {
            "declined": attach(offer_id=declined).id,
            "declined again": attach(offer_id=declined).id,
            "accepted": attach(offer_id=accepted).id,
            "the need's": attach(need_id=awarded).id,
            "declined at the end": attach(offer_id=declined_at).id,
        }
        db.session.commit()
        assert db.session.get(NeedTally, awarded).offers == 3  # a withdrawn offer counts nowhere

        removed = apply_retention(now)

        left = set(db.session.scalars(select(Offer.id)))
        attachments = set(db.session.scalars(select(Attachment.id)))
        tally = db.session.get(NeedTally, awarded)
    ended = (NeedStatus.CLOSED, NeedStatus.CANCELLED, NeedStatus.EXPIRED)
    gone = {
        offer
        for status, when, offer_status, offer in offers
        if status in ended and when == "past" and offer_status != OfferStatus.ACCEPTED
    }
    assert len(gone) == 6
    assert removed["offers"] == len(gone)
    assert left == {offer for *_, offer in offers} - gone | {waiting}
    assert removed["attachments"] == 2
    assert attachments == {files["accepted"], files["the need's"], files["declined at the end"]}
    # The need's tally is counted again from the offers left: the accepted one.
    assert tally.offers == 1


def test_statistics_of_needs_long_ended_count_their_accepted_offer_alone(
    app: Flask, cluster: Cluster
) -> None:
    """What the README says of /staff/statistics: the tallies lose the offers removed, the
    figures read from needs and accepted offers keep theirs."""
    now = frozen_now()
    ended = now - timedelta(days=OFFERS + 30)
    with app.app_context():
        firms = [member(account) for account in cluster.suppliers[:3]]
        need = factories.make_need(member(cluster.requester), status=NeedStatus.CLOSED,
                                   closed_at=ended)  # fmt: skip
        need.published_at = ended - timedelta(days=20)
        for firm, status in zip(firms, (OfferStatus.ACCEPTED, OfferStatus.DECLINED,
                                        OfferStatus.DECLINED), strict=True):  # fmt: skip
            db.session.add(NeedMatch(need=need, member=firm, score=1.0, competence_ids=[]))
            factories.make_offer(need, firm, status=status, price="10000")
        db.session.commit()
        period = statistics.Period(
            cluster_today(ended - timedelta(days=60)), cluster_today(ended + timedelta(days=1))
        )

        def figures() -> tuple[Any, ...]:
            outcomes = statistics.need_outcomes(period, statistics.Filters())
            return (
                outcomes.offers.spread,
                outcomes.response,
                statistics.awarded_value(period, statistics.Filters()),
                statistics.time_to_award(period, statistics.Filters()),
                statistics.fulfilment(period, statistics.Filters()),
            )

        before = figures()
        assert apply_retention(now)["offers"] == 2
        after = figures()
    assert before[0] == statistics.Spread(1, 3, 3)
    assert after[0] == statistics.Spread(1, 1, 1)
    assert before[1] == statistics.MatchedResponse(offered=3, not_for_us=0, silent=0)
    assert after[1] == statistics.MatchedResponse(offered=1, not_for_us=0, silent=2)
    assert before[2][0].awards == 1 and before[3].count == 1 and before[4].awarded == 1
    assert after[2:] == before[2:]


# Membership applications ---------------------------------------------------------------------


def test_applications_refused_longer_ago_than_the_period_go_and_no_others(
    app: Flask, cluster: Cluster
) -> None:
    now = frozen_now()
    edge = edges(now, APPLICATIONS)
    long_ago = edge["past"] - timedelta(days=400)
    with app.app_context():
        refused = {
            when: refused_application(f"{when} Data SRL", at).id for when, at in edge.items()
        }
        others = [
            refused_application("Waiting Data SRL", None, status=ApplicationStatus.PENDING,
                                created_at=long_ago).id,
            refused_application("Approved Data SRL", long_ago,
                                status=ApplicationStatus.APPROVED).id,
        ]  # fmt: skip
        # A refusal whose e-mail failed may be sent again, and reads its application.
        answered = refused_application("Answered Data SRL", edge["past"])
        answered_id = answered.id
        event = AuditEvent(action="application.rejected", target_type="application",
                           target_id=answered.id)  # fmt: skip
        db.session.add(event)
        db.session.flush()
        email_row(None, "failed refusal", NotificationStatus.FAILED, "application_rejected",
                  event_id=event.id, email=answered.email)  # fmt: skip
        db.session.commit()

        removed = apply_retention(now)

        left = set(db.session.scalars(select(Application.id)))
        competences = set(db.session.scalars(select(application_competences.c.application_id)))
    assert removed["applications"] == 1
    assert left == {refused["at"], refused["inside"], *others, answered_id}
    assert refused["past"] not in competences
    assert competences == left


# Periods of 0, the record of a run, statements -----------------------------------------------


def one_of_each(app: Flask, cluster: Cluster, long_ago: datetime) -> None:
    """One record of each kind, older than any period."""
    with app.app_context():
        user = cluster.suppliers[0].id
        email_row(user, f"old {long_ago}", NotificationStatus.SENT, created_at=long_ago,
                  sent_at=long_ago)  # fmt: skip
        db.session.add(AuditEvent(action="need.hidden", target_type="need", target_id=1,
                                  detail={"reason": "private"}, created_at=long_ago))  # fmt: skip
        need = factories.make_need(member(cluster.requester), status=NeedStatus.CANCELLED,
                                   closed_at=long_ago)  # fmt: skip
        attach(offer_id=factories.make_offer(need, member(cluster.suppliers[0])).id)
        refused_application("Old Data SRL", long_ago)
        db.session.commit()
    folder = Path(app.config["MAIL_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"old-{long_ago:%Y%m%d}.eml"
    path.write_bytes(b"Subject: old\n\nHello\n")
    stamp = int(long_ago.timestamp()) * 10**9
    os.utime(path, ns=(stamp, stamp))


@pytest.mark.parametrize("setting", config.RETENTION_PERIODS)
def test_a_period_of_0_keeps_its_kind_for_ever(app: Flask, cluster: Cluster, setting: str) -> None:
    now = frozen_now()
    one_of_each(app, cluster, now - timedelta(days=5000))
    app.config[setting] = 0
    with app.app_context():
        removed = apply_retention(now)
    kept = {kind for kind, governing in retention.KINDS.items() if governing == setting}
    assert {kind for kind, count in removed.items() if count == 0} == kept
    assert all(removed[kind] == 1 for kind in set(retention.KINDS) - kept)


def test_with_every_period_0_nothing_is_removed_nor_recorded(app: Flask, cluster: Cluster) -> None:
    now = frozen_now()
    one_of_each(app, cluster, now - timedelta(days=5000))
    for setting in config.RETENTION_PERIODS:
        app.config[setting] = 0
    with app.app_context():
        assert apply_retention(now) == dict.fromkeys(retention.KINDS, 0)
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
        assert db.session.scalar(select(func.count()).select_from(Offer)) == 1
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1
        assert db.session.scalar(select(func.count()).select_from(Application)) == 1
        assert db.session.scalars(select(AuditEvent.detail)).all() == [{"reason": "private"}]
    assert len(list(Path(app.config["MAIL_FOLDER"]).glob("*.eml"))) == 1


def test_a_run_that_removes_anything_records_its_counts_alone_and_logs_them(
    app: Flask, cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    now = frozen_now()
    one_of_each(app, cluster, now - timedelta(days=5000))
    with app.app_context(), caplog.at_level(logging.INFO, logger="board.privacy.retention"):
        removed = apply_retention(now)
        again = apply_retention(now + timedelta(hours=1))
        (event,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "retention.applied")
        )
    assert removed == dict.fromkeys(retention.KINDS, 1)
    assert again == dict.fromkeys(retention.KINDS, 0)
    assert (event.target_type, event.target_id, event.actor_id) == ("retention", None, None)
    assert event.detail == removed
    assert event.created_at == now
    (line,) = [r.getMessage() for r in caplog.records if r.name == "board.privacy.retention"]
    assert line == (
        "Retention removed 1 e-mails and 1 e-mail files, the details of 1 audit events,"
        " 1 offers with 1 files, 1 applications"
    )


def test_the_policy_is_a_few_statements_however_much_it_removes(
    app: Flask, cluster: Cluster
) -> None:
    """Bulk statements: as many for twelve records of each kind as for one, each run once
    (an ORM loop would delete row by row, or with one execution per row)."""
    now = frozen_now()
    runs: list[list[tuple[str, bool]]] = []

    def record(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any,
               executemany: bool) -> None:  # fmt: skip
        runs[-1].append((statement, executemany))

    for many in (1, 12):
        for copy in range(many):
            one_of_each(app, cluster, now - timedelta(days=5000 + 10 * many + copy))
        with app.app_context():
            runs.append([])
            event.listen(db.engine, "before_cursor_execute", record)
            try:
                removed = apply_retention(now)
            finally:
                event.remove(db.engine, "before_cursor_execute", record)
        assert removed == {kind: many for kind in retention.KINDS}
    assert len(runs[0]) == len(runs[1])
    assert not any(executemany for statements in runs for _, executemany in statements)


# /staff ----------------------------------------------------------------------------------------


def retention_rows(page: str) -> dict[str, tuple[str, int, int]]:
    """The retention table of the dashboard: label → (period, last removal, last 30 days)."""
    section = page[page.index('<h2 id="retention">') :]
    found = re.findall(
        r'<tr><th scope="row">(.*?)</th><td>(.*?)</td><td>(\d+)</td><td>(\d+)</td></tr>', section
    )
    return {
        unescape(label): (unescape(days), int(last), int(month))
        for label, days, last, month in found
    }


def runs(app: Flask, cluster: Cluster, real: datetime) -> datetime:
    """Three runs: 31 days ago (2 e-mails), 2 days ago (1 e-mail, 1 application), yesterday
    (3 e-mails); the last run's instant."""
    user = cluster.suppliers[0].id
    plan = [(31, {"emails": 2}), (2, {"emails": 1, "applications": 1}), (1, {"emails": 3})]
    for days, kinds in plan:
        at = real - timedelta(days=days)
        old = at - timedelta(days=MAIL + 1)
        with app.app_context():
            for number in range(kinds.get("emails", 0)):
                email_row(user, f"{days}-{number}", NotificationStatus.SENT, created_at=old,
                          sent_at=old)  # fmt: skip
            if kinds.get("applications"):
                refused_application(f"Run{days} Data SRL", old)
            db.session.commit()
            assert apply_retention(at) == {**dict.fromkeys(retention.KINDS, 0), **kinds}
    return real - timedelta(days=1)


def dashboard(app: Flask, email: str) -> str:
    client = app.test_client()
    AuthActions(client).login(email, factories.PASSWORD)
    response = client.get("/staff")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_staff_see_the_policy_the_last_removal_and_thirty_days_of_removals(
    app: Flask, cluster: Cluster
) -> None:
    real = frozen_now()
    last = runs(app, cluster, real)
    app.config["RETENTION_OFFER_DAYS"] = 0
    page = dashboard(app, cluster.staff.email)
    with app.test_request_context(), force_locale("en"):
        when = datetime_text(last)
    assert '<h2 id="retention">Retention</h2>' in page
    assert f"Last removal: {when}." in page
    assert retention_rows(page) == {
        "E-mails in the outbox, once sent, failed or not sent": ("180 days", 3, 4),
        "E-mails written as files (without a mail server)": ("180 days", 0, 0),
        "Details of audit events (the events stay)": ("730 days", 0, 0),
        "Offers not accepted, once their need ended": ("kept", 0, 0),
        "Files of those offers": ("kept", 0, 0),
        "Membership applications, once refused": ("180 days", 0, 1),
    }


def test_staff_read_the_retention_section_in_their_language(app: Flask, cluster: Cluster) -> None:
    real = frozen_now()
    last = runs(app, cluster, real)
    app.config["RETENTION_AUDIT_DETAIL_DAYS"] = 0
    with app.app_context():
        factories.make_user(is_staff=True, email="jonas@cluster.example", locale="de")
    page = dashboard(app, "jonas@cluster.example")
    with app.test_request_context(), force_locale("de"):
        heading, kept = gettext("Retention"), gettext("kept")
        labels = {kind: str(label) for kind, label in retention.LABELS.items()}
        when = datetime_text(last)
        removed_at = gettext("Last removal: %(when)s.", when=when)
    assert heading != "Retention" and kept != "kept"
    assert f'<h2 id="retention">{heading}</h2>' in page
    assert removed_at in unescape(page)
    rows = retention_rows(page)
    assert rows[labels["emails"]] == ("180 Tage", 3, 4)
    assert rows[labels["audit_details"]] == (kept, 0, 0)
    assert rows[labels["offers"]] == ("1.095 Tage", 0, 0)
    assert rows[labels["applications"]] == ("180 Tage", 0, 1)


def test_thirty_days_of_removals_begin_thirty_days_before_now(app: Flask) -> None:
    now = frozen_now()
    with app.app_context():
        for days, seconds, emails in ((30, 1, 100), (30, 0, 20), (29, 0, 3)):
            at = now - timedelta(days=days, seconds=seconds)
            db.session.add(AuditEvent(action=retention.ACTION, target_type="retention",
                                      detail={"emails": emails}, created_at=at))  # fmt: skip
        db.session.commit()
        summary = retention.summary(now)
    (emails,) = [line for line in summary.lines if line.kind == "emails"]
    assert (emails.last, emails.month) == (3, 23)
    assert summary.last_run == now - timedelta(days=29)


def test_before_any_removal_staff_read_that_nothing_was_removed(
    app: Flask, cluster: Cluster
) -> None:
    page = dashboard(app, cluster.staff.email)
    assert "Nothing has been removed yet." in page
    assert {counts[1:] for counts in retention_rows(page).values()} == {(0, 0)}


# The sweep: the command line and Celery beat ----------------------------------------------------


def test_board_sweep_applies_the_policy_and_prints_what_it_removed(
    app: Flask, runner: FlaskCliRunner, cluster: Cluster
) -> None:
    one_of_each(app, cluster, frozen_now() - timedelta(days=5000))
    result = runner.invoke(args=["board", "sweep"])
    assert result.exit_code == 0, result.output
    for kind in retention.KINDS:
        assert f"removed_{kind} 1" in result.output
    again = runner.invoke(args=["board", "sweep"])
    for kind in retention.KINDS:
        assert f"removed_{kind} 0" in again.output


def test_beat_applies_the_policy_every_retention_interval(app: Flask) -> None:
    entry = app.extensions["celery"].conf.beat_schedule["retention"]
    assert entry == {
        "task": "privacy.retention",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    }
    assert JOBS[entry["task"]] is apply_retention
    assert (
        celery_settings({**app.config, "RETENTION_INTERVAL": 600})["beat_schedule"]["retention"][
            "schedule"
        ]
        == 600.0
    )


# Configuration --------------------------------------------------------------------------------


def test_the_periods_come_from_the_environment_in_days() -> None:
    environ = {"RETENTION_MAIL_DAYS": "90", "RETENTION_OFFER_DAYS": "0", "RETENTION_INTERVAL": "60"}
    assert config.from_environment(environ) == {
        "RETENTION_MAIL_DAYS": 90,
        "RETENTION_OFFER_DAYS": 0,
        "RETENTION_INTERVAL": 60,
    }


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        *((name, -1) for name in config.RETENTION_PERIODS),
        ("RETENTION_AUDIT_DETAIL_DAYS", 1.5),
        ("RETENTION_MAIL_DAYS", 6),
        ("RETENTION_INTERVAL", 0),
    ],
)
def test_a_period_that_could_remove_too_much_stops_the_start(setting: str, value: Any) -> None:
    settings = {"SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite://", setting: value}
    with pytest.raises(ConfigurationError, match=setting):
        create_app(settings)


def test_the_shortest_mail_period_and_0_are_accepted() -> None:
    for days in (0, config.RETENTION_MAIL_MIN_DAYS):
        app = create_app({"SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite://",
                          "RETENTION_MAIL_DAYS": days})  # fmt: skip
        assert app.config["RETENTION_MAIL_DAYS"] == days
