"""A person's rights over what the board holds about them: a copy of all of it, and its erasure
(by themself or by staff), and staff erasing a firm that left the cluster.

After an erasure no text column of any table holds the person's name, address or phone, the
firm's needs and offers still read as before, and the audit log tells the erased person's
actions apart under one pseudonym."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from board import audit
from board.account import tokens
from board.account.services import AccountData, update_account
from board.auth.services import invite_user
from board.extensions import db
from board.matches.services import say_not_for_us
from board.members.applications import ApplicationData, submit_application
from board.models import (
    ApiToken,
    Application,
    Attachment,
    AuditEvent,
    Member,
    Need,
    NeedMatch,
    NeedStatus,
    Notification,
    NotificationStatus,
    NotifyMode,
    Offer,
    OfferStatus,
    Question,
    ReportReason,
    Suppression,
    User,
)
from board.notifications import outbox
from board.offers.services import decline_offer
from board.questions.services import answer_question, ask_question, publish_clarification
from board.reports.services import file_report
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox

NAME = "Agnieszka Wiśniewska"
EMAIL = "agnieszka.w@odra.example"
PHONE = "+48 600 700 800"


def signed_in(app: Flask, email: str, password: str = factories.PASSWORD) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(email, password).status_code == 302
    return client


@dataclass(frozen=True)
class World:
    person: int
    colleague: int
    supplier: int
    staff: int
    firm: int
    supplier_firm: int
    need: int
    offer: int
    question: int


def build_world() -> World:
    """A person who has done a bit of everything, and texts of others that name them."""
    firm = factories.make_member("Odra Software sp. z o.o.", competences=("kotlin",))
    supplier_firm = factories.make_member("Carpathia Code SRL", country="RO")
    staff = factories.make_user(None, email="staff@cluster.example", is_staff=True, name="Staff")
    person = factories.make_user(firm, email=EMAIL, name="Agnieszka")
    colleague = factories.make_user(firm, email="bartek@odra.example", name="Bartek Zieliński")
    supplier = factories.make_user(supplier_firm, email="ioana@carpathia.example", name="Ioana")
    user = db.session.get(User, person.id)
    update_account(user, AccountData(name=NAME, locale="en", notify=NotifyMode.DAILY, phone=PHONE))
    need = factories.make_need(
        firm,
        person.id,
        title="Kotlin for a logistics platform",
        description=f"Questions to **{NAME}**, {EMAIL}, phone {PHONE}.",
    )
    db.session.add(
        Attachment(
            need=need,
            uploader=user,
            filename=f"Brief by {NAME}.pdf",
            content_type="application/pdf",
            size=4,
            sha256="0" * 64,
            content=b"%PDF",
        )
    )
    publish_clarification(need, user, f"Ask {NAME.upper()} for the API specification.")
    asker = db.session.get(User, supplier.id)
    question = ask_question(need, asker, f"Can we call {NAME} before offering?")
    answer_question(question, user, "Yes, on weekdays.")
    offer = factories.make_offer(need, supplier_firm, supplier.id)
    offer.message = f"As agreed with {EMAIL.upper()} on the phone."
    # She declines a third firm's offer with a reason that names her: the offer and the log's
    # details (JSON, where her name's letters are stored escaped) hold it.
    declined = factories.make_offer(need, factories.make_member("Vltava Systems s.r.o."))
    decline_offer(declined, user, f"Thank you — {NAME}")
    their_need = factories.make_need(supplier_firm, supplier.id, competences=("kotlin",))
    db.session.add(NeedMatch(need=their_need, member=firm, score=1.0, competence_ids=[]))
    db.session.commit()
    say_not_for_us(their_need, user, None)
    file_report(user, ReportReason.OTHER, f"Signed, {NAME}", need=their_need)
    tokens.create_api_token(user, "My laptop", tokens.TokenScope.READ)
    tokens.reset_feed_token(user)
    submit_application(
        ApplicationData(
            member_name="Odra Labs",
            contact_name=NAME,
            email=EMAIL,
            competences=["kotlin"],
            message="We would like to join.",
        )
    )
    # An e-mail to her failed, and staff sent it again: the log holds her address.
    failed = Notification(
        user=user,
        key=f"need_approved:need:{need.id}",
        kind="need_approved",
        need=need,
        status=NotificationStatus.FAILED,
        last_error=f"451 4.2.0 <{EMAIL}> try later",
    )
    db.session.add(failed)
    db.session.commit()
    outbox.retry(failed, db.session.get(User, staff.id))
    db.session.add_all(
        [
            Suppression(email=EMAIL, reason=f"550 <{EMAIL}>: mailbox full"),
            Notification(
                key="password_reset:x",
                email=EMAIL,
                locale="pl",
                kind="password_reset",
                status=NotificationStatus.FAILED,
                last_error=f"550 5.1.1 <{EMAIL}> unknown",
            ),
        ]
    )
    db.session.commit()
    invite_user("nowy@odra.example", firm, user, name="Nowy")
    return World(
        person.id,
        colleague.id,
        supplier.id,
        staff.id,
        firm.id,
        supplier_firm.id,
        need.id,
        offer.id,
        question.id,
    )


def text_columns() -> list[tuple[sa.Table, sa.Column[Any]]]:
    """Every column of every table that can hold text, whatever the board thinks of it."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            kind = getattr(kind, "impl_instance", kind)
            if isinstance(kind, sa.String | sa.Text | sa.JSON):
                found.append((table, column))
    return found


def traces(*words: str) -> list[str]:
    """Where any of `words` still is: "table.column" of every value that holds one."""
    lowered = [word.casefold() for word in words]
    found = []
    for table, column in text_columns():
        for (value,) in db.session.execute(select(column).where(column.is_not(None))):
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            if any(word in text.casefold() for word in lowered):
                found.append(f"{table.name}.{column.name}")
    return found


def first_key(table: sa.Table) -> sa.Column[Any]:
    return table.primary_key.columns.values()[0]


def rows_linked_to(user_id: int) -> dict[str, set[Any]]:
    """The keys of every row with a foreign key to the user, by table."""
    linked: dict[str, set[Any]] = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(key.column.table.name == "users" for key in column.foreign_keys):
                key = first_key(table)
                ids = db.session.scalars(select(key).where(column == user_id)).all()
                if ids:
                    linked.setdefault(table.name, set()).update(ids)
    return linked


# A copy of one's data ----------------------------------------------------------------------


def test_the_export_holds_every_row_that_names_the_person(app: Flask) -> None:
    with app.app_context():
        world = build_world()
        linked = rows_linked_to(world.person)
        about = set(
            db.session.scalars(
                select(AuditEvent.id).where(
                    (AuditEvent.actor_id == world.person)
                    | ((AuditEvent.target_type == "user") & (AuditEvent.target_id == world.person))
                )
            )
        )
        application = db.session.scalar(select(Application.id).where(Application.email == EMAIL))
        by_address = set(
            db.session.scalars(select(Notification.id).where(Notification.email == EMAIL))
        )
    client = signed_in(app, EMAIL)
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    with app.app_context():
        keys = {table.name: first_key(table).name for table in db.metadata.sorted_tables}
    exported = {table: {row[keys[table]] for row in rows} for table, rows in data["tables"].items()}
    for table, ids in linked.items():
        assert ids <= exported[table], table
    assert about <= exported["audit_events"]
    assert application in exported["applications"]
    assert by_address <= exported["notifications"]
    assert exported["users"] == {world.person}
    assert data["tables"]["suppressions"][0]["email"] == EMAIL
    # The e-mails the board sent, the settings, the needs, questions and answers they wrote.
    assert {"needs", "clarifications", "attachments", "questions", "api_tokens"} <= set(exported)
    assert exported["needs"] == {world.need} | exported["needs"]
    # Never a secret, never another person's row.
    text = response.get_data(as_text=True)
    for secret in ("password_hash", "session_token", "secret_hash", '"token"', '"content"'):
        assert secret not in text
    assert "bartek@odra.example" not in text


def test_the_export_page_shows_the_same_data_in_the_readers_language(app: Flask) -> None:
    with app.app_context():
        build_world()
    client = signed_in(app, EMAIL)
    page = client.get("/account/privacy").get_data(as_text=True)
    assert "Kotlin for a logistics platform" in page
    assert f"Brief by {NAME}.pdf" in page
    assert 'href="/account/export"' in page
    assert 'action="/account/delete"' in page
    submit(client, "/language", {"locale": "de"}, form_page="/account/privacy")
    page = client.get("/account/privacy").get_data(as_text=True)
    assert "Ihre Daten" in page


def test_staff_export_adds_what_others_wrote_about_the_person(app: Flask) -> None:
    with app.app_context():
        world = build_world()
    staff = signed_in(app, "staff@cluster.example")
    mine = signed_in(app, EMAIL).get("/account/export").get_json()
    theirs = staff.get(f"/staff/users/{world.person}/export").get_json()
    # The supplier's question and offer name her: staff see them, she does not (the offer is
    # the supplier's confidential answer).
    assert world.question in {row["id"] for row in theirs["tables"]["questions"]}
    assert world.offer in {row["id"] for row in theirs["tables"]["offers"]}
    assert "offers" not in mine["tables"]
    assert staff.get(f"/staff/users/{world.person}/privacy").status_code == 200
    member = signed_in(app, "bartek@odra.example")
    assert member.get(f"/staff/users/{world.person}/export").status_code in (403, 404)


# Erasing one's account ---------------------------------------------------------------------


def test_erasing_oneself_leaves_no_trace_of_name_address_or_phone(
    app: Flask, mailbox: Mailbox
) -> None:
    with app.app_context():
        world = build_world()
        assert traces(EMAIL, NAME, PHONE)
        events_by_her = db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.actor_id == world.person)
        )
    # Without a mail server the board writes e-mails as files: hers go with her.
    folder = Path(app.config["MAIL_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "to-her.eml").write_text(f"To: {NAME} <{EMAIL.upper()}>\n\nHello")
    (folder / "to-him.eml").write_text("To: bartek@odra.example\n\nHello")
    client = signed_in(app, EMAIL)
    response = submit(
        client, "/account/delete", {"password": factories.PASSWORD}, "/account/privacy"
    )
    assert response.status_code == 302
    assert sorted(path.name for path in folder.iterdir()) == ["to-him.eml"]
    with app.app_context():
        assert traces(EMAIL, NAME, PHONE) == []
        assert db.session.get(User, world.person) is None
        erased = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.erased"))
        pseudonym = erased.detail["pseudonym"]
        assert erased.former_actor == pseudonym
        # Her actions in the log read as one person's, under the pseudonym.
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.former_actor == pseudonym)
            )
            == events_by_her + 1
        )
        invited = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.invited"))
        assert invited.former_actor == pseudonym
        assert invited.detail["email"] == "nowy@odra.example"
        settings = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.settings_changed")
        )
        assert settings.detail["name"] == settings.detail["phone"] == pseudonym
        # The firm's need, its files and the offers on it stay, readable.
        need = db.session.get(Need, world.need)
        assert need.status == NeedStatus.OPEN and need.author_id is None
        assert pseudonym in need.description and pseudonym in need.description_html
        assert db.session.get(Offer, world.offer).status == OfferStatus.SUBMITTED
        assert (
            db.session.scalar(
                select(Attachment.uploader_id).where(Attachment.need_id == world.need)
            )
            is None
        )
        assert db.session.get(Question, world.question).answer == "Yes, on weekdays."
        assert db.session.scalar(select(func.count(ApiToken.id))) == 0
        assert db.session.scalar(select(func.count(Suppression.id))) == 0
    # She is signed out and cannot sign in again.
    assert client.get("/account").status_code == 302
    assert AuthActions(app.test_client()).login(EMAIL, factories.PASSWORD).status_code == 200
    colleague = signed_in(app, "bartek@odra.example")
    page = colleague.get(f"/needs/{world.need}").get_data(as_text=True)
    assert "Kotlin for a logistics platform" in page and pseudonym in page
    staff = signed_in(app, "staff@cluster.example")
    log = staff.get("/staff/audit?action=user.").get_data(as_text=True)
    assert pseudonym in log and EMAIL not in log
    # What she reported is still for staff to judge, filed by a former user.
    assert "by a former user" in staff.get("/staff/reports").get_data(as_text=True)


def test_a_wrong_password_erases_nothing(app: Flask) -> None:
    with app.app_context():
        world = build_world()
        before = traces(EMAIL)
    client = signed_in(app, EMAIL)
    response = submit(client, "/account/delete", {"password": "not it"}, "/account/privacy")
    assert response.status_code == 200
    assert "The password is not correct." in response.get_data(as_text=True)
    response = submit(client, "/account/delete", {"password": ""}, "/account/privacy")
    assert "Enter your password." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, world.person) is not None
        assert traces(EMAIL) == before
    assert client.get("/account").status_code == 200


def test_a_firms_last_active_user_cannot_erase_themself(app: Flask) -> None:
    with app.app_context():
        firm = factories.make_member()
        alone = factories.make_user(firm, email="alone@firm.example")
        factories.make_user(firm, email="gone@firm.example", password=None)
    client = signed_in(app, "alone@firm.example")
    page = client.get("/account/privacy").get_data(as_text=True)
    assert "You are the last person who can sign in for" in page
    assert 'action="/account/delete"' not in page
    response = submit(
        client, "/account/delete", {"password": factories.PASSWORD}, "/account/privacy"
    )
    assert "You are the last person who can sign in for" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, alone.id) is not None


def test_the_only_staff_member_cannot_erase_themself(app: Flask) -> None:
    with app.app_context():
        staff = factories.make_user(None, email="only@cluster.example", is_staff=True)
    client = signed_in(app, "only@cluster.example")
    response = submit(
        client, "/account/delete", {"password": factories.PASSWORD}, "/account/privacy"
    )
    assert "You are the only member of staff who can sign in" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, staff.id) is not None


# Staff erase a person ----------------------------------------------------------------------


def test_staff_erase_a_person_after_typing_their_address(app: Flask) -> None:
    with app.app_context():
        world = build_world()
    staff = signed_in(app, "staff@cluster.example")
    page = f"/staff/users/{world.person}/privacy"
    wrong = submit(staff, f"/staff/users/{world.person}/erase", {"confirm": "someone@else"}, page)
    assert "Type the person&#39;s e-mail address exactly as shown." in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, world.person) is not None
    done = submit(staff, f"/staff/users/{world.person}/erase", {"confirm": EMAIL.upper()}, page)
    assert done.status_code == 302
    with app.app_context():
        assert traces(EMAIL, NAME, PHONE) == []
        erased = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.erased"))
        assert erased.actor_id == world.staff and erased.detail["by_self"] is False
        assert set(erased.detail) == {"pseudonym", "by_self"}


# Staff erase a firm ------------------------------------------------------------------------


def test_erasing_a_firm_names_what_goes_then_removes_it(app: Flask, mailbox: Mailbox) -> None:
    with app.app_context():
        world = build_world()
        firm = db.session.get(Member, world.firm)
        supplier_firm = db.session.get(Member, world.supplier_firm)
        draft = factories.make_need(
            firm, world.colleague, title="A draft nobody saw", status=NeedStatus.DRAFT
        )
        awarded = factories.make_need(
            firm, world.colleague, title="An awarded need", status=NeedStatus.CLOSED
        )
        won = factories.make_offer(
            awarded, supplier_firm, world.supplier, status=OfferStatus.ACCEPTED
        )
        their_open = factories.make_need(supplier_firm, world.supplier, title="Their open need")
        ours = factories.make_offer(their_open, firm, world.colleague)
        ids = {"draft": draft.id, "awarded": awarded.id, "won": won.id, "ours": ours.id}
        # As staff adding the firm left it in the log.
        audit.record("member.created", firm, db.session.get(User, world.staff), name=firm.name)
        db.session.commit()
    staff = signed_in(app, "staff@cluster.example")
    page = staff.get(f"/staff/members/{world.firm}/erase").get_data(as_text=True)
    for shown in (
        "A draft nobody saw",
        EMAIL,
        "bartek@odra.example",
        "Kotlin for a logistics platform",
    ):
        assert shown in page
    wrong = submit(staff, f"/staff/members/{world.firm}/erase", {"confirm": "Odra"})
    assert "Type the firm&#39;s name exactly as shown to confirm." in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Need, ids["draft"]) is not None
    mailbox.clear()
    done = submit(
        staff, f"/staff/members/{world.firm}/erase", {"confirm": "Odra Software sp. z o.o."}
    )
    assert done.status_code == 302
    with app.app_context():
        member = db.session.get(Member, world.firm)
        assert member.is_erased and member.name.startswith("former-member-")
        assert traces(EMAIL, NAME, PHONE, "bartek@odra.example", "Bartek Zieliński") == []
        # The firm's name is gone too, from the log's details as from the firm.
        assert traces("Odra Software") == []
        assert (
            db.session.scalar(select(func.count(User.id)).where(User.member_id == world.firm)) == 0
        )
        assert db.session.get(Need, ids["draft"]) is None
        assert db.session.get(Need, world.need).status == NeedStatus.CANCELLED
        assert db.session.get(Offer, ids["ours"]).status == OfferStatus.WITHDRAWN
        # The supplier's award on the firm's need stays, whole.
        assert db.session.get(Offer, ids["won"]).status == OfferStatus.ACCEPTED
        assert db.session.get(Need, ids["awarded"]).status == NeedStatus.CLOSED
        assert (
            db.session.scalar(
                select(func.count(Application.id)).where(Application.member_id == world.firm)
            )
            == 0
        )
        erased = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.erased"))
        assert "Odra" not in json.dumps(erased.detail)
    # The firm whose offer was live on the cancelled need is told.
    assert mailbox.wait_for(1)
    assert any(message["To"] == "ioana@carpathia.example" for message in mailbox.messages)
    # The winner keeps its offer; the need left the board with its firm.
    offers = signed_in(app, "ioana@carpathia.example").get("/offers").get_data(as_text=True)
    assert "A need that is no longer on the board" in offers


# What the board keeps, for whom it may concern -----------------------------------------------


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"RETENTION_MAIL_DAYS": 30, "RETENTION_APPLICATION_DAYS": 0}


def test_the_privacy_notice_tells_anyone_what_is_kept_and_for_how_long(app: Flask) -> None:
    client = app.test_client()
    page = client.get("/privacy").get_data(as_text=True)
    assert "30 days after it was sent" in page
    # A period of 0 keeps it: the notice says so rather than "0 days".
    assert "If refused: as long as the board runs." in page
    assert "1095 days after their need ended" in page
    assert 'href="/privacy"' in client.get("/login").get_data(as_text=True)
    submit(client, "/language", {"locale": "pl"}, form_page="/privacy")
    assert "Prywatność" in client.get("/privacy").get_data(as_text=True)
