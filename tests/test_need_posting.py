"""Posting made easier: the need form says everything wrong in one round, a need waiting for
review can still change, any of the firm's needs can start a new draft, one that ended without
an award is posted again in one step, and an open need's offers are taken for longer (the
firms that offered or asked are told, and reminded again before the new deadline)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from board.clock import closing_instant, cluster_today
from board.extensions import db
from board.models import (
    Attachment,
    AuditEvent,
    Member,
    Need,
    NeedStatus,
    Notification,
    User,
    utcnow,
)
from board.needs import services as needs
from board.notifications import sweep
from board.questions import services as questions
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox, text_of

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Cast:
    requester: factories.Account
    colleague: factories.Account  # of the requester firm
    supplier: factories.Account  # offers on the open need
    asker: factories.Account  # asks about it
    bystander: factories.Account  # matches, stays quiet
    staff: factories.Account


@pytest.fixture
def cast(app: Flask) -> Cast:
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        wisla = factories.make_member("Wisla Cloud", competences=("kotlin",))
        tatry = factories.make_member("Tatry Apps", competences=("kubernetes",))
        warta = factories.make_member("Warta Data", competences=("kotlin",))
        make = factories.make_user
        return Cast(
            requester=make(odra, email="agnieszka@odra.example", name="Agnieszka"),
            colleague=make(odra, email="jan@odra.example", name="Jan"),
            supplier=make(wisla, email="piotr@wisla.example", name="Piotr", locale="pl"),
            asker=make(tatry, email="ewa@tatry.example", name="Ewa"),
            bystander=make(warta, email="marek@warta.example", name="Marek"),
            staff=make(is_staff=True, email="clara@cluster.example"),
        )


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(account.email, account.password).status_code == 302
    return client


Days = Callable[[int], date]


@pytest.fixture
def day(app: Flask) -> Days:
    """The date this many days from today, where the cluster is."""
    with app.app_context():
        today = cluster_today()
    return lambda days: today + timedelta(days=days)


def need_of(app: Flask, cast: Cast, status: NeedStatus, **fields: object) -> int:
    with app.app_context():
        member = db.session.get(Member, cast.requester.member_id)
        need = factories.make_need(member, cast.requester.id, status=status, **fields)
        return need.id


def with_file(app: Flask, cast: Cast, need_id: int, name: str = "scope.pdf") -> None:
    """A file on the need, as its firm uploads it while the need is a draft."""
    with app.app_context():
        db.session.add(
            Attachment(
                need_id=need_id,
                uploader_id=cast.requester.id,
                filename=name,
                content_type="application/pdf",
                size=len(PDF),
                sha256="0" * 64,
                content=PDF,
            )
        )
        db.session.commit()


def needs_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Need)) or 0


def errors_beside(page: str) -> dict[str, str]:
    """Each field's first error on a form page, by the field's id."""
    return dict(
        re.findall(r'<small class="field-error" id="([\w-]+?)-error1">([^<]*)</small>', page)
    )


# The form says everything in one round ---------------------------------------------------


def test_every_error_of_the_need_form_is_shown_at_once_and_nothing_is_saved(
    app: Flask, day: Days, cast: Cast
) -> None:
    client = signed_in(app, cast.requester)
    form = {
        "title": "Go",  # too short: the form's own rule
        "description": "Payments.",
        "offer_deadline": str(day(-1)),  # a rule of the board
        "question_deadline": str(day(-3)),
        "budget_min": "9000",
        "budget_max": "100",
        "expected_start": str(day(-2)),
        "currency": "EUR",
        "work_mode": "remote",
        "work_language": "en",
    }
    response = submit(client, "/needs/new", form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert errors_beside(page) == {
        "title": "Use 5 to 200 characters.",
        "competences": "Choose at least one competence.",
        "offer_deadline": "The offer deadline must be tomorrow or later.",
        "question_deadline": "The last day for questions cannot be in the past.",
        "budget_max": "The lowest budget cannot be above the highest.",
        "expected_start": "The expected start cannot be in the past.",
    }
    assert "Please correct these 6 things:" in page
    # What was typed comes back as it was.
    assert 'value="9000"' in page and 'value="Go"' in page
    assert needs_count(app) == 0


def test_a_field_the_form_refused_keeps_its_own_message(app: Flask, cast: Cast) -> None:
    client = signed_in(app, cast.requester)
    form = {
        "title": "Kotlin developers",
        "description": "Payments.",
        "competences": "kotlin",
        "offer_deadline": "31.12.2026",
        "currency": "XXX",
        "work_mode": "remote",
        "work_language": "en",
    }
    page = submit(client, "/needs/new", form).get_data(as_text=True)
    errors = errors_beside(page)
    assert errors["offer_deadline"] == "Enter a date like 2026-12-31."
    assert errors["currency"] == "Not a valid choice."
    assert page.count("Choose a currency from the list.") == 0
    assert needs_count(app) == 0


def test_required_fields_are_marked_and_say_so(app: Flask, cast: Cast) -> None:
    page = signed_in(app, cast.requester).get("/needs/new").get_data(as_text=True)
    assert "Fields marked with an asterisk are required." in page
    mark = '<span class="required-mark" aria-hidden="true"> *</span>'
    for name, label in (("title", "Title"), ("description", "Description")):
        assert f'<label for="{name}">{label}</label>{mark}' in page
        assert re.search(rf'<(input|textarea)[^>]*id="{name}"[^>]*required', page)
    assert '<legend>Competences needed<span class="required-mark" aria-hidden="true"> *' in page
    assert '<label for="duration">Expected duration</label>' in page


# Editing a need that waits for review ----------------------------------------------------


def test_a_need_waiting_for_review_is_edited_keeps_its_place_and_staff_see_it_changed(
    app: Flask, day: Days, cast: Cast
) -> None:
    first = need_of(app, cast, NeedStatus.PENDING, title="Kotlin developers, first")
    second = need_of(app, cast, NeedStatus.PENDING, title="Kotlin developers, second")
    staff = signed_in(app, cast.staff)
    assert "changed since submitted" not in staff.get("/staff/needs").get_data(as_text=True)
    requester = signed_in(app, cast.requester)
    form = {
        "title": "Kotlin developers, the first, reworded",
        "description": "More detail.",
        "competences": "kotlin",
        "offer_deadline": str(day(20)),
        "currency": "EUR",
        "work_mode": "remote",
        "work_language": "en",
    }
    response = submit(requester, f"/needs/{first}/edit", form)
    assert response.status_code == 302
    assert "still waits for review" in requester.get(response.location).get_data(as_text=True)
    queue = staff.get("/staff/needs").get_data(as_text=True)
    assert queue.count("changed since submitted") == 1
    # The longest waiting first, as before the edit; the mark is on the edited one.
    assert queue.index("the first, reworded") < queue.index("changed since submitted")
    assert queue.index("changed since submitted") < queue.index("Kotlin developers, second")
    with app.app_context():
        need = db.session.get(Need, first)
        assert (need.status, need.offer_deadline) == (NeedStatus.PENDING, day(20))
        assert db.session.get(Need, second).status == NeedStatus.PENDING


# A new draft from any of the firm's needs -------------------------------------------------


@pytest.mark.parametrize("status", [NeedStatus.CLOSED, NeedStatus.CANCELLED, NeedStatus.EXPIRED])
def test_a_similar_need_starts_as_a_draft_with_the_same_text_competences_and_files(
    app: Flask, day: Days, cast: Cast, status: NeedStatus
) -> None:
    original = need_of(
        app,
        cast,
        status,
        title="Kotlin on Kubernetes, phase one",
        competences=("kotlin", "kubernetes"),
        deadline_in_days=-40,
        budget_min=Decimal(20000),
        budget_max=Decimal(45000),
        currency="PLN",
        duration="six months",
        location="Wrocław",
        expected_start=day(-30),
        question_deadline=day(-45),
    )
    with_file(app, cast, original)
    client = signed_in(app, cast.colleague)
    response = submit(client, f"/needs/{original}/copy", form_page=f"/needs/{original}")
    assert response.status_code == 302
    copy_id = int(re.fullmatch(r"/needs/(\d+)/edit", response.location).group(1))
    page = client.get(response.location).get_data(as_text=True)
    assert "Check it, its dates above all" in page
    with app.app_context():
        copy, source = db.session.get(Need, copy_id), db.session.get(Need, original)
        assert copy.status == NeedStatus.DRAFT and copy.author_id == cast.colleague.id
        assert (copy.title, copy.description, copy.currency, copy.duration, copy.location) == (
            source.title, source.description, "PLN", "six months", "Wrocław",
        )  # fmt: skip
        assert (copy.budget_min, copy.budget_max) == (Decimal(20000), Decimal(45000))
        assert {c.slug for c in copy.competences} == {"kotlin", "kubernetes"}
        # Dates that passed are not copied; offers get the usual two weeks.
        assert copy.offer_deadline == day(needs.COPY_OFFER_DAYS)
        assert copy.offers_close_at == closing_instant(day(needs.COPY_OFFER_DAYS))
        assert (copy.expected_start, copy.question_deadline) == (None, None)
        files = db.session.scalars(select(Attachment).where(Attachment.need_id == copy_id))
        assert [(f.filename, f.content, f.uploader_id) for f in files] == [
            ("scope.pdf", PDF, cast.requester.id)
        ]
        # The original is as it was, its file still its own.
        assert source.status == status
        assert db.session.scalar(select(func.count()).where(Attachment.need_id == original)) == 1
        event = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.target_id == copy_id, AuditEvent.target_type == "need"
            )
        ).one()
        assert (event.action, event.detail["copied_from"]) == ("need.created", original)


def test_a_copy_keeps_dates_that_are_still_ahead(app: Flask, day: Days, cast: Cast) -> None:
    original = need_of(
        app, cast, NeedStatus.OPEN, deadline_in_days=30, question_deadline=day(20),
        expected_start=day(40),
    )  # fmt: skip
    client = signed_in(app, cast.requester)
    response = submit(client, f"/needs/{original}/copy", form_page=f"/needs/{original}")
    copy_id = int(response.location.split("/")[2])
    with app.app_context():
        copy = db.session.get(Need, copy_id)
        assert (copy.offer_deadline, copy.question_deadline, copy.expected_start) == (
            day(30), day(20), day(40),
        )  # fmt: skip


def test_another_firm_and_staff_cannot_copy_a_need(app: Flask, cast: Cast) -> None:
    original = need_of(app, cast, NeedStatus.OPEN)
    for account in (cast.supplier, cast.staff):
        client = signed_in(app, account)
        assert submit(client, f"/needs/{original}/copy", form_page="/needs").status_code == 403
    assert needs_count(app) == 1


# Posting again in one step ---------------------------------------------------------------


@pytest.mark.parametrize("status", [NeedStatus.EXPIRED, NeedStatus.CANCELLED])
def test_an_ended_need_is_posted_again_for_review_in_one_step(
    app: Flask, day: Days, cast: Cast, mailbox: Mailbox, status: NeedStatus
) -> None:
    original = need_of(app, cast, status, deadline_in_days=-40)
    with_file(app, cast, original)
    with app.app_context():
        db.session.get(User, cast.staff.id).notify_reviews = True
        db.session.commit()
    client = signed_in(app, cast.requester)
    page = client.get(f"/needs/{original}").get_data(as_text=True)
    assert f'action="/needs/{original}/repost"' in page
    bad = submit(client, f"/needs/{original}/repost", {"offer_deadline": str(day(0))}, "/needs")
    assert bad.status_code == 200
    assert errors_beside(bad.get_data(as_text=True)) == {
        "offer_deadline": "The offer deadline must be tomorrow or later."
    }
    assert needs_count(app) == 1 and mailbox.messages == []
    response = submit(
        client, f"/needs/{original}/repost", {"offer_deadline": str(day(21))}, "/needs"
    )
    assert response.status_code == 302
    posted = int(response.location.split("/")[-1])
    assert "waits for review" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        need = db.session.get(Need, posted)
        assert (need.status, need.offer_deadline) == (NeedStatus.PENDING, day(21))
        assert need.submitted_at is not None
        assert db.session.scalar(select(func.count()).where(Attachment.need_id == posted)) == 1
        assert db.session.get(Need, original).status == status
    (review,) = mailbox.wait_for(1)
    assert review["To"] == cast.staff.email and "waits for your review" in review["Subject"]


def test_only_an_ended_need_is_posted_again(app: Flask, day: Days, cast: Cast) -> None:
    client = signed_in(app, cast.requester)
    for status in (NeedStatus.OPEN, NeedStatus.CLOSED, NeedStatus.DRAFT):
        need_id = need_of(app, cast, status)
        page = client.get(f"/needs/{need_id}").get_data(as_text=True)
        assert "/repost" not in page
        response = submit(
            client, f"/needs/{need_id}/repost", {"offer_deadline": str(day(9))}, "/needs"
        )
        assert response.status_code == 403
    assert needs_count(app) == 3


# Taking offers for longer ----------------------------------------------------------------


@pytest.fixture
def followed(app: Flask, cast: Cast) -> int:
    """An open need approved by staff (its matches recorded: the supplier's firm and the
    bystander's), with an offer from one firm and a question from another."""
    need_id = need_of(app, cast, NeedStatus.PENDING, deadline_in_days=10, competences=("kotlin",))
    with app.app_context():
        need = db.session.get(Need, need_id)
        needs.approve_need(need, db.session.get(User, cast.staff.id))
        factories.make_offer(
            need, db.session.get(Member, cast.supplier.member_id), cast.supplier.id
        )
        questions.ask_question(need, db.session.get(User, cast.asker.id), "Is it remote?")
        db.session.commit()
    return need_id


def extend(client: FlaskClient, need_id: int, deadline: object) -> TestResponse:
    return submit(client, f"/needs/{need_id}/deadline", {"offer_deadline": str(deadline)}, "/needs")


def test_an_open_needs_deadline_is_extended_and_the_firms_that_offered_or_asked_are_told(
    app: Flask, day: Days, cast: Cast, mailbox: Mailbox, followed: int
) -> None:
    mailbox.clear()
    client = signed_in(app, cast.requester)
    assert f'action="/needs/{followed}/deadline"' in client.get(f"/needs/{followed}").get_data(
        as_text=True
    )
    response = extend(client, followed, day(25))
    assert response.status_code == 302
    assert "Offers are taken for longer" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        need = db.session.get(Need, followed)
        assert (need.offer_deadline, need.offers_close_at) == (day(25), closing_instant(day(25)))
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "need.deadline_extended")
        ).one()
        assert event.detail == {"before": str(day(10)), "after": str(day(25))}
        title = need.title
    messages = mailbox.wait_for(2)
    assert sorted(m["To"] for m in messages) == [cast.asker.email, cast.supplier.email]
    (polish,) = mailbox.to(cast.supplier.email)
    assert "Hello Piotr" not in text_of(polish)  # in the reader's language
    (english,) = mailbox.to(cast.asker.email)
    assert english["Subject"] == f"Offers are taken for longer: {title}"
    body = text_of(english)
    assert "Odra Software takes offers on" in body and f"/needs/{followed}" in body


@pytest.mark.parametrize(
    "deadline, message",
    [
        (10, "Choose a day after the present deadline,"),
        (5, "Choose a day after the present deadline,"),
        (400, "The offer deadline can be at most one year ahead."),
        ("", "Choose the last day for offers."),
        ("someday", "Enter a date like 2026-12-31."),
    ],
)
def test_a_deadline_that_is_not_later_is_refused_and_nothing_changes(
    app: Flask,
    day: Days,
    cast: Cast,
    mailbox: Mailbox,
    followed: int,
    deadline: object,
    message: str,
) -> None:
    mailbox.clear()
    value = day(deadline) if isinstance(deadline, int) else deadline
    response = extend(signed_in(app, cast.requester), followed, value)
    assert response.status_code == 200
    assert errors_beside(response.get_data(as_text=True))["offer_deadline"].startswith(message)
    with app.app_context():
        assert db.session.get(Need, followed).offer_deadline == day(10)
        assert (
            db.session.scalar(
                select(func.count()).where(AuditEvent.action == "need.deadline_extended")
            )
            == 0
        )
    assert mailbox.messages == []


def test_only_the_requester_firm_extends_an_open_needs_deadline(
    app: Flask, day: Days, cast: Cast, followed: int
) -> None:
    for account in (cast.supplier, cast.staff):
        assert extend(signed_in(app, account), followed, day(25)).status_code == 403
    closed = need_of(app, cast, NeedStatus.CLOSED)
    assert extend(signed_in(app, cast.requester), closed, day(25)).status_code == 403
    with app.app_context():
        assert db.session.get(Need, followed).offer_deadline == day(10)


def test_after_an_extension_firms_are_reminded_before_the_new_deadline(
    app: Flask, day: Days, cast: Cast, followed: int
) -> None:
    def reminders(deadline: date, before: timedelta) -> list[tuple[int, str]]:
        with app.app_context():
            sweep.queue_deadline_reminders(closing_instant(deadline) - before)
            db.session.commit()
            rows = db.session.execute(
                select(Notification.user_id, Notification.key)
                .where(Notification.kind == "deadline_reminder")
                .order_by(Notification.id)
            )
            return [tuple(row) for row in rows]

    with app.app_context():
        need = db.session.get(Need, followed)
        need.published_at = utcnow() - timedelta(days=5)
        db.session.commit()
    first = reminders(day(10), timedelta(days=1))
    # The matched firm that neither offered nor said no is reminded, once.
    assert [user for user, _key in first] == [cast.bystander.id]
    assert reminders(day(10), timedelta(hours=2)) == first
    assert extend(signed_in(app, cast.requester), followed, day(30)).status_code == 302
    again = reminders(day(30), timedelta(days=1))
    assert [user for user, _key in again] == [cast.bystander.id, cast.bystander.id]
    assert again[1][1] == f"deadline_reminder:need:{followed}:{day(30)}"
