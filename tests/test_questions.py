"""Questions on a need: asking without being named, answering for everyone, dismissing,
clarifying, the e-mails each sends, deadlines, permissions, bad input and staff hiding."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from board.clock import closing_instant, cluster_today
from board.errors import DomainError, NotAllowed
from board.extensions import db
from board.models import (
    AuditEvent,
    Clarification,
    Need,
    NeedMatch,
    NeedStatus,
    Notification,
    NotifyMode,
    Question,
    QuestionStatus,
    User,
    utcnow,
)
from board.notifications import compose
from board.questions import services
from tests import factories
from tests.conftest import AuthActions, submit
from tests.mailbox import Mailbox, html_of, text_of
from tests.statements import statements_run

QUESTION = "Can the team work in the Warsaw time zone for the whole six months?"
ANSWER = "Yes: the core hours are 10:00 to 15:00 Warsaw time."
CLARIFICATION = "The project starts on the first Monday of March, not in February."
# Everything that would tell which firm asked, and who.
ASKER_TRACES = ("Ceahlau", "ceahlau", "Mihai Ciobanu", "Elena Popescu")


@dataclass
class Scene:
    need_id: int
    requester: factories.Account
    colleague: factories.Account
    asker: factories.Account
    asker_colleague: factories.Account
    offerer: factories.Account
    matched: factories.Account
    matched_off: factories.Account
    bystander: factories.Account
    staff: factories.Account


@pytest.fixture
def scene(app: Flask) -> Scene:
    """Odra's open need; Ceahlău asks (two users), Someș offered, Wisła matched (one of its
    users takes no e-mail), Dunaj only reads the board."""
    with app.app_context():
        odra = factories.make_member("Odra Software", competences=("kotlin",))
        ceahlau = factories.make_member("Ceahlau Software", competences=("kotlin",))
        somes = factories.make_member("Somes Data", competences=("kotlin",))
        wisla = factories.make_member("Wisla Cloud", competences=("kotlin",))
        dunaj = factories.make_member("Dunaj Systems", competences=("react",))
        requester = factories.make_user(odra, email="agnieszka@odra.example", name="Agnieszka")
        need = factories.make_need(odra, requester.id)
        scene = Scene(
            need_id=need.id,
            requester=requester,
            colleague=factories.make_user(odra, email="tomasz@odra.example"),
            asker=factories.make_user(ceahlau, email="mihai@ceahlau.example", name="Mihai Ciobanu"),
            asker_colleague=factories.make_user(
                ceahlau, email="elena@ceahlau.example", name="Elena Popescu"
            ),
            offerer=factories.make_user(somes, email="ioana@somes.example", name="Ioana"),
            matched=factories.make_user(wisla, email="piotr@wisla.example", name="Piotr"),
            matched_off=factories.make_user(wisla, email="ola@wisla.example", name="Ola"),
            bystander=factories.make_user(dunaj, email="marek@dunaj.example", name="Marek"),
            staff=factories.make_user(is_staff=True, email="clara@cluster.example"),
        )
        factories.make_offer(need, somes, scene.offerer.id)
        db.session.add(NeedMatch(need_id=need.id, member_id=wisla.id, score=1.0))
        db.session.get(User, scene.matched_off.id).notify = NotifyMode.OFF
        db.session.commit()
        return scene


def signed_in(app: Flask, account: factories.Account) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(account.email, account.password).status_code == 302
    return client


def post(client: FlaskClient, path: str, data: dict[str, str] | None = None) -> TestResponse:
    """A form posted with a token from the account page (which every user can read)."""
    return submit(client, path, data, form_page="/account")


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def followed(client: FlaskClient, response: TestResponse) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return page(client, response.headers["Location"])


def ask(app: Flask, account: factories.Account, need_id: int, text: str = QUESTION) -> TestResponse:
    return post(signed_in(app, account), f"/needs/{need_id}/questions", {"question": text})


def questions(app: Flask, need_id: int) -> list[Question]:
    with app.app_context():
        found = list(
            db.session.scalars(
                select(Question).where(Question.need_id == need_id).order_by(Question.id)
            )
        )
        db.session.expunge_all()
        return found


def asked(app: Flask, scene: Scene, text: str = QUESTION) -> int:
    """The id of a question Ceahlău asked on the need."""
    assert ask(app, scene.asker, scene.need_id, text).status_code == 302
    return questions(app, scene.need_id)[-1].id


def answered(app: Flask, scene: Scene) -> int:
    question_id = asked(app, scene)
    client = signed_in(app, scene.requester)
    response = post(client, f"/questions/{question_id}/answer", {"answer": ANSWER})
    assert response.status_code == 302
    return question_id


def actions(app: Flask) -> list[tuple[str, str, int]]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type.in_(("question", "clarification")))
            .order_by(AuditEvent.id)
        )
        return [(e.action, e.target_type, e.actor_id) for e in events]


def outbox(app: Flask, kind: str) -> set[str]:
    """The addresses the outbox holds an e-mail of `kind` for."""
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.kind == kind))
        return {row.address for row in rows}


FOLLOWERS = {
    "mihai@ceahlau.example",
    "elena@ceahlau.example",
    "ioana@somes.example",
    "piotr@wisla.example",
}


def without_asker(text: str) -> None:
    for trace in ASKER_TRACES:
        assert trace not in text


# Asking -----------------------------------------------------------------------------------


def test_a_firm_asks_and_the_requester_firm_is_told_without_learning_which_firm(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    client = signed_in(app, scene.asker)
    response = post(client, f"/needs/{scene.need_id}/questions", {"question": f"  {QUESTION}\n"})
    assert "The requester does not see which firm asked it." in followed(client, response)
    (question,) = questions(app, scene.need_id)
    assert (question.text, question.status, question.member_id, question.author_id) == (
        QUESTION, QuestionStatus.WAITING, scene.asker.member_id, scene.asker.id,
    )  # fmt: skip
    assert actions(app) == [("question.asked", "question", scene.asker.id)]
    messages = mailbox.wait_for(2)
    assert {m["To"] for m in messages} == {scene.requester.email, scene.colleague.email}
    for message in messages:
        assert message["Subject"].strip() == (
            "A question about your need: Two senior Kotlin developers for six months"
        )
        assert QUESTION in text_of(message)
        assert QUESTION in html_of(message)
        without_asker(text_of(message) + html_of(message) + str(message))
    assert outbox(app, "question_asked") == {scene.requester.email, scene.colleague.email}


def test_the_requester_sees_the_waiting_question_with_its_forms_but_not_the_asker(
    app: Flask, scene: Scene
) -> None:
    requester = signed_in(app, scene.requester)
    assert "No questions yet." in page(requester, f"/needs/{scene.need_id}")
    question_id = asked(app, scene)
    html = page(requester, f"/needs/{scene.need_id}")
    assert QUESTION in html
    assert "Questions (1)" in html
    assert "1 question waits for your answer." in html
    assert f'action="/questions/{question_id}/answer"' in html
    assert f'action="/questions/{question_id}/dismiss"' in html
    assert f'action="/needs/{scene.need_id}/questions"' not in html
    without_asker(html)


def test_the_asking_firm_sees_its_waiting_question_as_its_own_and_other_firms_do_not(
    app: Flask, scene: Scene
) -> None:
    asked(app, scene)
    colleague = page(signed_in(app, scene.asker_colleague), f"/needs/{scene.need_id}")
    assert QUESTION in colleague
    assert "your firm asked" in colleague
    assert "waiting for an answer" in colleague
    for other in (scene.bystander, scene.offerer):
        html = page(signed_in(app, other), f"/needs/{scene.need_id}")
        assert QUESTION not in html
        assert "Questions (0)" in html
        assert "your firm asked" not in html


def test_staff_see_which_firm_and_who_asked(app: Flask, scene: Scene) -> None:
    question_id = asked(app, scene)
    html = page(signed_in(app, scene.staff), f"/needs/{scene.need_id}")
    assert "by Ceahlau Software (Mihai Ciobanu)" in html
    assert f'action="/staff/questions/{question_id}/hide"' in html


# Answering, dismissing, clarifying --------------------------------------------------------


def test_an_answer_is_published_to_every_reader_and_followers_are_emailed(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    question_id = asked(app, scene)
    mailbox.wait_for(2)
    mailbox.clear()
    requester = signed_in(app, scene.requester)
    response = post(requester, f"/questions/{question_id}/answer", {"answer": ANSWER})
    assert "Your answer is published" in followed(requester, response)
    (question,) = questions(app, scene.need_id)
    assert (question.status, question.answer, question.answered_by_id) == (
        QuestionStatus.ANSWERED, ANSWER, scene.requester.id,
    )  # fmt: skip
    assert actions(app)[-1] == ("question.answered", "question", scene.requester.id)

    bystander = page(signed_in(app, scene.bystander), f"/needs/{scene.need_id}")
    assert QUESTION in bystander and ANSWER in bystander
    assert "Questions (1)" in bystander
    without_asker(bystander)

    # Matched, offered and asked: told; the requester firm, a bystander and a user who turned
    # e-mails off: not.
    messages = mailbox.wait_for(len(FOLLOWERS))
    time.sleep(0.2)
    assert {m["To"] for m in mailbox.messages} == FOLLOWERS
    assert outbox(app, "question_answered") == FOLLOWERS
    for message in messages:
        body = text_of(message)
        assert QUESTION in body and ANSWER in body
        assert ANSWER in html_of(message)
        if message["To"].endswith("@ceahlau.example"):
            assert "answered your firm's question" in body
        else:
            assert "answered your firm's question" not in body
            without_asker(body + html_of(message) + str(message))


def test_a_dismissed_question_stays_with_the_requester_and_the_asker_only(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    question_id = asked(app, scene)
    requester = signed_in(app, scene.requester)
    response = post(requester, f"/questions/{question_id}/dismiss")
    assert "The question is dismissed" in followed(requester, response)
    assert questions(app, scene.need_id)[0].status == QuestionStatus.DISMISSED
    assert actions(app)[-1] == ("question.dismissed", "question", scene.requester.id)
    html = page(requester, f"/needs/{scene.need_id}")
    assert QUESTION in html and "dismissed" in html
    assert f'action="/questions/{question_id}/answer"' not in html
    assert "dismissed" in page(signed_in(app, scene.asker), f"/needs/{scene.need_id}")
    assert QUESTION not in page(signed_in(app, scene.bystander), f"/needs/{scene.need_id}")
    assert outbox(app, "question_answered") == set()


def test_an_answered_question_cannot_be_answered_or_dismissed_again(
    app: Flask, scene: Scene
) -> None:
    question_id = answered(app, scene)
    requester = signed_in(app, scene.requester)
    again = post(requester, f"/questions/{question_id}/answer", {"answer": "Something else."})
    assert again.status_code == 200
    assert "answered or dismissed already" in again.get_data(as_text=True)
    assert "Something else." in again.get_data(as_text=True)
    dismissed = post(requester, f"/questions/{question_id}/dismiss")
    assert "answered or dismissed already" in followed(requester, dismissed)
    (question,) = questions(app, scene.need_id)
    assert (question.status, question.answer) == (QuestionStatus.ANSWERED, ANSWER)


def test_a_clarification_is_published_and_followers_are_emailed(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    asked(app, scene)
    mailbox.wait_for(2)
    mailbox.clear()
    requester = signed_in(app, scene.requester)
    response = post(requester, f"/needs/{scene.need_id}/clarifications", {"text": CLARIFICATION})
    assert "Your clarification is published" in followed(requester, response)
    with app.app_context():
        (clarification,) = db.session.scalars(select(Clarification))
        assert (clarification.text, clarification.author_id) == (CLARIFICATION, scene.requester.id)
    assert actions(app)[-1] == ("clarification.published", "clarification", scene.requester.id)
    html = page(signed_in(app, scene.bystander), f"/needs/{scene.need_id}")
    assert CLARIFICATION in html and "Clarifications (1)" in html
    messages = mailbox.wait_for(len(FOLLOWERS))
    assert {m["To"] for m in messages} == FOLLOWERS
    assert outbox(app, "clarification_published") == FOLLOWERS
    for message in messages:
        assert message["Subject"].strip() == (
            "A clarification on a need you follow: Two senior Kotlin developers for six months"
        )
        assert CLARIFICATION in text_of(message) and CLARIFICATION in html_of(message)


def test_e_mails_are_written_in_each_recipients_language(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    with app.app_context():
        db.session.get(User, scene.matched.id).locale = "pl"
        db.session.get(User, scene.colleague.id).locale = "de"
        db.session.commit()
    question_id = asked(app, scene)
    (german,) = mailbox.wait_for(1, to=scene.colleague.email)
    assert german["Subject"].strip() == (
        "Eine Frage zu Ihrer Anfrage: Two senior Kotlin developers for six months"
    )
    requester = signed_in(app, scene.requester)
    post(requester, f"/questions/{question_id}/answer", {"answer": ANSWER})
    (polish,) = mailbox.wait_for(1, to=scene.matched.email)
    assert polish["Subject"].strip() == (
        "Odpowiedź na pytanie do obserwowanego zapotrzebowania: "
        "Two senior Kotlin developers for six months"
    )
    assert "Pytanie:" in text_of(polish)


# The asking firm stays unknown ------------------------------------------------------------


def test_the_asking_firm_appears_in_nothing_the_requester_or_another_firm_can_fetch(
    app: Flask, scene: Scene, mailbox: Mailbox
) -> None:
    waiting = asked(app, scene, "Is a remote team acceptable?")
    answered_id = answered(app, scene)
    requester = signed_in(app, scene.requester)
    post(requester, f"/needs/{scene.need_id}/clarifications", {"text": CLARIFICATION})
    assert waiting != answered_id

    for account in (scene.requester, scene.colleague, scene.offerer, scene.bystander):
        client = signed_in(app, account)
        fetched = [
            page(client, f"/needs/{scene.need_id}"),
            page(client, "/needs"),
            page(client, "/needs/mine"),
            page(client, "/offers"),
        ]
        for html in fetched:
            without_asker(html)
    requester_page = page(requester, f"/needs/{scene.need_id}")
    assert "Is a remote team acceptable?" in requester_page and ANSWER in requester_page

    # Every e-mail to anyone outside the asking firm, as sent and as the outbox composes it.
    mailbox.wait_for(2 + 2 * len(FOLLOWERS))
    time.sleep(0.2)
    outside = [m for m in mailbox.messages if not m["To"].endswith("@ceahlau.example")]
    assert outside
    for message in outside:
        without_asker(str(message) + text_of(message) + html_of(message))
    with app.app_context():
        rows = db.session.scalars(select(Notification)).all()
        composer = compose.Composer()
        for row in rows:
            if row.address.endswith("@ceahlau.example"):
                continue
            message = composer.compose(row)
            without_asker(str(message["Subject"]) + text_of(message) + html_of(message))


# Deadlines and the need's state -----------------------------------------------------------


def close(app: Flask, need_id: int, **values: object) -> None:
    with app.app_context():
        need = db.session.get(Need, need_id)
        for name, value in values.items():
            setattr(need, name, value)
        db.session.commit()


@pytest.mark.parametrize(
    "closed",
    [
        {"questions_close_at": "past"},
        {"offers_close_at": "past"},
        {"status": NeedStatus.CLOSED},
        {"status": NeedStatus.EXPIRED},
    ],
    ids=["question-deadline", "offer-deadline", "awarded", "expired"],
)
def test_no_question_once_the_need_stops_taking_them(
    app: Flask, scene: Scene, closed: dict[str, object]
) -> None:
    past = utcnow() - timedelta(minutes=1)
    close(app, scene.need_id, **{k: past if v == "past" else v for k, v in closed.items()})
    client = signed_in(app, scene.asker)
    html = page(client, f"/needs/{scene.need_id}")
    assert f'action="/needs/{scene.need_id}/questions"' not in html
    if "status" not in closed:
        assert "This need no longer takes questions." in html
    response = post(client, f"/needs/{scene.need_id}/questions", {"question": QUESTION})
    assert response.status_code == 200
    refused = response.get_data(as_text=True)
    assert "This need no longer takes questions." in refused
    assert QUESTION in refused  # what was typed is not lost
    assert questions(app, scene.need_id) == []
    assert actions(app) == []


def test_a_question_deadline_still_ahead_lets_firms_ask(app: Flask, scene: Scene) -> None:
    close(app, scene.need_id, questions_close_at=utcnow() + timedelta(hours=1))
    assert ask(app, scene.asker, scene.need_id).status_code == 302
    assert len(questions(app, scene.need_id)) == 1


def test_answers_dismissals_and_clarifications_only_while_the_need_is_open(
    app: Flask, scene: Scene
) -> None:
    first = asked(app, scene)
    close(app, scene.need_id, status=NeedStatus.CANCELLED)
    requester = signed_in(app, scene.requester)
    answer = post(requester, f"/questions/{first}/answer", {"answer": ANSWER})
    assert "This need is no longer open." in answer.get_data(as_text=True)
    assert ANSWER in answer.get_data(as_text=True)
    dismiss = post(requester, f"/questions/{first}/dismiss")
    assert "This need is no longer open." in followed(requester, dismiss)
    clarify = post(requester, f"/needs/{scene.need_id}/clarifications", {"text": CLARIFICATION})
    assert "This need is no longer open." in clarify.get_data(as_text=True)
    assert questions(app, scene.need_id)[0].status == QuestionStatus.WAITING
    assert [a for a, *_ in actions(app)] == ["question.asked"]
    html = page(requester, f"/needs/{scene.need_id}")
    assert f'action="/questions/{first}/answer"' not in html
    assert f'action="/needs/{scene.need_id}/clarifications"' not in html


# Permissions ------------------------------------------------------------------------------


def test_a_firm_that_cannot_see_the_need_gets_404(app: Flask, scene: Scene) -> None:
    with app.app_context():
        odra = db.session.get(User, scene.requester.id).member
        draft = factories.make_need(odra, scene.requester.id, status=NeedStatus.DRAFT)
        draft_id = draft.id
    client = signed_in(app, scene.asker)
    assert post(client, f"/needs/{draft_id}/questions", {"question": QUESTION}).status_code == 404
    assert post(client, "/needs/999999/questions", {"question": QUESTION}).status_code == 404
    assert post(client, f"/needs/{draft_id}/clarifications", {"text": "x"}).status_code == 404
    assert questions(app, draft_id) == []


def test_the_requester_cannot_ask_on_its_own_need(app: Flask, scene: Scene) -> None:
    assert ask(app, scene.colleague, scene.need_id).status_code == 403
    assert questions(app, scene.need_id) == []


def test_only_the_requester_firm_answers_dismisses_and_clarifies(app: Flask, scene: Scene) -> None:
    question_id = asked(app, scene)
    asker = signed_in(app, scene.asker)
    # The asking firm reads its question but may not answer it.
    assert post(asker, f"/questions/{question_id}/answer", {"answer": ANSWER}).status_code == 403
    assert post(asker, f"/questions/{question_id}/dismiss").status_code == 403
    # Another firm cannot read a waiting question at all.
    other = signed_in(app, scene.offerer)
    assert post(other, f"/questions/{question_id}/answer", {"answer": ANSWER}).status_code == 404
    assert post(other, f"/questions/{question_id}/dismiss").status_code == 404
    path = f"/needs/{scene.need_id}/clarifications"
    assert post(other, path, {"text": CLARIFICATION}).status_code == 403
    # Staff moderate; they do not speak for the requester.
    staff = signed_in(app, scene.staff)
    assert post(staff, f"/questions/{question_id}/answer", {"answer": ANSWER}).status_code == 403
    assert post(staff, path, {"text": CLARIFICATION}).status_code == 403
    assert questions(app, scene.need_id)[0].status == QuestionStatus.WAITING
    with app.app_context():
        assert db.session.scalar(select(func.count(Clarification.id))) == 0


def test_only_staff_hide_and_show_again(app: Flask, scene: Scene) -> None:
    question_id = answered(app, scene)
    requester = signed_in(app, scene.requester)
    post(requester, f"/needs/{scene.need_id}/clarifications", {"text": CLARIFICATION})
    with app.app_context():
        clarification_id = db.session.scalar(select(Clarification.id))
    for path in (
        f"/staff/questions/{question_id}/hide",
        f"/staff/questions/{question_id}/unhide",
        f"/staff/questions/{question_id}/hide-answer",
        f"/staff/questions/{question_id}/unhide-answer",
        f"/staff/clarifications/{clarification_id}/hide",
        f"/staff/clarifications/{clarification_id}/unhide",
    ):
        assert post(requester, path, {"reason": "Mine."}).status_code == 403
    question = questions(app, scene.need_id)[0]
    assert (question.hidden_at, question.answer_hidden_at) == (None, None)


# Bad input --------------------------------------------------------------------------------


def field_error(html: str, name: str) -> str:
    """The error shown next to the field `name`, which the field points to."""
    tag = re.search(rf'<textarea[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no {name} field"
    assert 'aria-invalid="true"' in tag.group(0)
    assert f"{name}-error1" in tag.group(0)
    found = re.search(rf'<small class="field-error" id="{name}-error1">([^<]*)</small>', html)
    assert found, f"no error next to {name}"
    return found.group(1)


@pytest.mark.parametrize(
    "typed, message, kept",
    [
        ("", "Write your question.", ""),
        ("   \n  ", "Write your question.", ""),
        ("x" * 2001, "Use at most 2000 characters.", "x" * 2001),
        ("Bell \x07 and escape \x1b[31m", "The text cannot contain control characters.", "escape"),
    ],
    ids=["empty", "blank", "too-long", "control"],
)
def test_a_bad_question_is_shown_again_with_its_message_and_changes_nothing(
    app: Flask, scene: Scene, typed: str, message: str, kept: str
) -> None:
    response = ask(app, scene.asker, scene.need_id, typed)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error(html, "question") == message
    assert 'class="errors-summary"' in html
    assert kept in html
    assert questions(app, scene.need_id) == []
    assert actions(app) == []


def test_a_question_at_the_length_limit_with_line_breaks_is_taken(app: Flask, scene: Scene) -> None:
    text = "x" * 999 + "\r\n" + "y" * 1000  # 2000 characters once the browser's CRLF is LF
    assert ask(app, scene.asker, scene.need_id, text).status_code == 302
    assert questions(app, scene.need_id)[0].text == text.replace("\r\n", "\n")


@pytest.mark.parametrize(
    "typed, message",
    [("", "Write your answer."), ("y" * 5001, "Use at most 5000 characters.")],
    ids=["empty", "too-long"],
)
def test_a_bad_answer_is_shown_again_with_the_question_and_changes_nothing(
    app: Flask, scene: Scene, typed: str, message: str
) -> None:
    question_id = asked(app, scene)
    client = signed_in(app, scene.requester)
    response = post(client, f"/questions/{question_id}/answer", {"answer": typed})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error(html, "answer") == message
    assert QUESTION in html
    assert typed[:100] in html
    assert questions(app, scene.need_id)[0].status == QuestionStatus.WAITING


@pytest.mark.parametrize(
    "typed, message",
    [("", "Write the clarification."), ("z" * 5001, "Use at most 5000 characters.")],
    ids=["empty", "too-long"],
)
def test_a_bad_clarification_is_shown_again_and_changes_nothing(
    app: Flask, scene: Scene, typed: str, message: str
) -> None:
    client = signed_in(app, scene.requester)
    response = post(client, f"/needs/{scene.need_id}/clarifications", {"text": typed})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error(html, "text") == message
    assert typed[:100] in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Clarification.id))) == 0
    assert actions(app) == []


def test_the_services_refuse_what_the_forms_would(app: Flask, scene: Scene) -> None:
    with app.app_context():
        need = db.session.get(Need, scene.need_id)
        asker = db.session.get(User, scene.asker.id)
        for text in ("", "  ", "q" * 2001, "tab\tis fine but not \x00"):
            with pytest.raises(DomainError) as refused:
                services.ask_question(need, asker, text)
            assert refused.value.field == "question"
        requester = db.session.get(User, scene.requester.id)
        with pytest.raises(NotAllowed):
            services.ask_question(need, requester, QUESTION)
        assert services.ask_question(need, asker, "Two\n\tlines").text == "Two\n\tlines"


# Staff hiding -----------------------------------------------------------------------------


def test_staff_hide_a_question_from_all_but_staff_and_the_asking_firm_sees_why(
    app: Flask, scene: Scene
) -> None:
    question_id = answered(app, scene)
    staff = signed_in(app, scene.staff)
    response = post(
        staff, f"/staff/questions/{question_id}/hide", {"reason": "It names a competitor."}
    )
    assert "The question is hidden" in followed(staff, response)
    assert questions(app, scene.need_id)[0].hidden_reason == "It names a competitor."
    assert actions(app)[-1] == ("question.hidden", "question", scene.staff.id)
    for account in (scene.requester, scene.bystander, scene.offerer):
        html = page(signed_in(app, account), f"/needs/{scene.need_id}")
        assert QUESTION not in html and ANSWER not in html
        assert "It names a competitor." not in html
    own = page(signed_in(app, scene.asker_colleague), f"/needs/{scene.need_id}")
    assert QUESTION in own and "hidden by staff" in own and "It names a competitor." in own
    staff_page = page(staff, f"/needs/{scene.need_id}")
    assert QUESTION in staff_page and "It names a competitor." in staff_page

    response = post(staff, f"/staff/questions/{question_id}/unhide")
    assert "The question is shown again." in followed(staff, response)
    assert actions(app)[-1] == ("question.unhidden", "question", scene.staff.id)
    assert ANSWER in page(signed_in(app, scene.bystander), f"/needs/{scene.need_id}")


def test_staff_hide_an_answer_and_only_staff_read_it(app: Flask, scene: Scene) -> None:
    question_id = answered(app, scene)
    staff = signed_in(app, scene.staff)
    response = post(staff, f"/staff/questions/{question_id}/hide-answer", {"reason": "Prices."})
    assert "The answer is hidden" in followed(staff, response)
    assert actions(app)[-1] == ("question.answer_hidden", "question", scene.staff.id)
    bystander = page(signed_in(app, scene.bystander), f"/needs/{scene.need_id}")
    assert QUESTION not in bystander and ANSWER not in bystander
    requester = page(signed_in(app, scene.requester), f"/needs/{scene.need_id}")
    assert QUESTION in requester and ANSWER not in requester
    assert "The cluster staff hid the answer." in requester and "Prices." in requester
    asker = page(signed_in(app, scene.asker), f"/needs/{scene.need_id}")
    assert QUESTION in asker and ANSWER not in asker and "Prices." not in asker
    assert ANSWER in page(staff, f"/needs/{scene.need_id}")

    post(staff, f"/staff/questions/{question_id}/unhide-answer")
    assert actions(app)[-1] == ("question.answer_unhidden", "question", scene.staff.id)
    assert ANSWER in page(signed_in(app, scene.bystander), f"/needs/{scene.need_id}")


def test_staff_hide_a_clarification_and_the_requester_sees_why(app: Flask, scene: Scene) -> None:
    requester = signed_in(app, scene.requester)
    post(requester, f"/needs/{scene.need_id}/clarifications", {"text": CLARIFICATION})
    with app.app_context():
        clarification_id = db.session.scalar(select(Clarification.id))
    staff = signed_in(app, scene.staff)
    path = f"/staff/clarifications/{clarification_id}/hide"
    response = post(staff, path, {"reason": "A phone number."})
    assert "The clarification is hidden" in followed(staff, response)
    assert actions(app)[-1] == ("clarification.hidden", "clarification", scene.staff.id)
    assert CLARIFICATION not in page(signed_in(app, scene.bystander), f"/needs/{scene.need_id}")
    own = page(requester, f"/needs/{scene.need_id}")
    assert CLARIFICATION in own and "A phone number." in own
    post(staff, f"/staff/clarifications/{clarification_id}/unhide")
    assert actions(app)[-1] == ("clarification.unhidden", "clarification", scene.staff.id)
    assert CLARIFICATION in page(signed_in(app, scene.bystander), f"/needs/{scene.need_id}")


def test_hiding_needs_a_reason_and_twice_is_refused(app: Flask, scene: Scene) -> None:
    question_id = answered(app, scene)
    staff = signed_in(app, scene.staff)
    missing = post(staff, f"/staff/questions/{question_id}/hide", {"reason": " "})
    assert "Say why: the firm will read it." in followed(staff, missing)
    assert questions(app, scene.need_id)[0].hidden_at is None
    post(staff, f"/staff/questions/{question_id}/hide", {"reason": "Spam."})
    again = post(staff, f"/staff/questions/{question_id}/hide", {"reason": "Spam."})
    assert "This question is hidden already." in followed(staff, again)
    assert [a for a, *_ in actions(app)].count("question.hidden") == 1


def test_an_answer_hidden_before_its_e_mails_go_out_is_not_sent(app: Flask, scene: Scene) -> None:
    question_id = answered(app, scene)
    with app.app_context():
        question = db.session.get(Question, question_id)
        services.hide_answer(question, db.session.get(User, scene.staff.id), "Prices.")
        rows = db.session.scalars(
            select(Notification).where(Notification.kind == "question_answered")
        ).all()
        assert rows
        composer = compose.Composer(rows)
        assert not any(composer.is_due(row) for row in rows)
        asked_rows = db.session.scalars(
            select(Notification).where(Notification.kind == "question_asked")
        ).all()
        assert all(composer.is_due(row) for row in asked_rows)


# Counts -----------------------------------------------------------------------------------


def waiting_cells(client: FlaskClient) -> dict[str, str]:
    """What /needs/mine says of each need's waiting questions (under its title), by title."""
    html = page(client, "/needs/mine")
    cells = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]:
        first = re.search(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert first is not None
        links = re.findall(r"<a [^>]*>(.*?)</a>", first.group(1), re.S)
        cells[links[0].strip()] = links[1].strip() if len(links) > 1 else ""
    return cells


def test_the_requesters_list_counts_waiting_questions_in_one_query(
    app: Flask, scene: Scene
) -> None:
    requester = signed_in(app, scene.requester)
    page(requester, "/needs/mine")
    with app.app_context(), statements_run() as before:
        page(requester, "/needs/mine")
    with app.app_context():
        odra = db.session.get(User, scene.requester.id).member
        factories.make_need(odra, scene.requester.id, title="A quiet need")
        busy_id = factories.make_need(odra, scene.requester.id, title="A busy need").id
    first = asked(app, scene)
    asked(app, scene, "A second question?")
    for text in ("One?", "Two?", "Three?"):
        assert ask(app, scene.offerer, busy_id, text).status_code == 302
    post(signed_in(app, scene.requester), f"/questions/{first}/answer", {"answer": ANSWER})
    hidden = questions(app, busy_id)[0].id
    post(signed_in(app, scene.staff), f"/staff/questions/{hidden}/hide", {"reason": "Spam."})

    with app.app_context(), statements_run() as after:
        cells = waiting_cells(requester)
    assert cells == {
        "Two senior Kotlin developers for six months": "1 question waits for your answer.",
        "A busy need": "2 questions wait for your answer.",
        "A quiet need": "",
    }
    assert len(after) == len(before)

    html = page(requester, f"/needs/{busy_id}")
    assert "Questions (2)" in html and "2 questions wait for your answer." in html


def test_the_need_page_counts_what_each_reader_may_read(app: Flask, scene: Scene) -> None:
    answered(app, scene)
    asked(app, scene, "Still waiting?")
    assert "Questions (2)" in page(signed_in(app, scene.requester), f"/needs/{scene.need_id}")
    assert "Questions (2)" in page(signed_in(app, scene.asker), f"/needs/{scene.need_id}")
    assert "Questions (1)" in page(signed_in(app, scene.bystander), f"/needs/{scene.need_id}")
    assert "Questions (2)" in page(signed_in(app, scene.staff), f"/needs/{scene.need_id}")


# The question deadline on the need form ---------------------------------------------------


def today(app: Flask) -> date:
    with app.app_context():
        return cluster_today()


def need_fields(app: Flask, **changes: str) -> dict[str, object]:
    deadline = today(app) + timedelta(days=20)
    return {
        "title": "Security audit of the payment API",
        "description": "An external audit before going live.",
        "competences": ["kotlin"],
        "offer_deadline": str(deadline),
        "currency": "EUR",
        "work_mode": "remote",
        "work_language": "en",
        **changes,
    }


def test_the_requester_sets_a_question_deadline_that_closes_questions_at_its_end(
    app: Flask, scene: Scene
) -> None:
    client = signed_in(app, scene.requester)
    day = today(app) + timedelta(days=5)
    response = submit(client, "/needs/new", need_fields(app, question_deadline=str(day)))
    assert response.status_code == 302
    need_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert (need.question_deadline, need.questions_close_at) == (day, closing_instant(day))
    assert "Questions until" in page(client, f"/needs/{need_id}")
    edit = page(client, f"/needs/{need_id}/edit")
    assert f'value="{day}"' in edit
    response = submit(client, f"/needs/{need_id}/edit", need_fields(app, question_deadline=""))
    assert response.status_code == 302
    with app.app_context():
        need = db.session.get(Need, need_id)
        assert (need.question_deadline, need.questions_close_at) == (None, None)
    assert "Questions until" not in page(client, f"/needs/{need_id}")


@pytest.mark.parametrize(
    "day, message",
    [
        (-1, "The last day for questions cannot be in the past."),
        (21, "The last day for questions cannot be after the offer deadline."),
    ],
    ids=["past", "after-offers"],
)
def test_a_question_deadline_outside_today_to_the_offer_deadline_is_refused(
    app: Flask, scene: Scene, day: int, message: str
) -> None:
    client = signed_in(app, scene.requester)
    value = str(today(app) + timedelta(days=day))
    response = submit(client, "/needs/new", need_fields(app, question_deadline=value))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    tag = re.search(r'<input[^>]*name="question_deadline"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in tag and f'value="{value}"' in tag
    assert message in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Need.id))) == 1


def test_a_question_deadline_of_today_or_the_offer_deadline_is_taken(
    app: Flask, scene: Scene
) -> None:
    client = signed_in(app, scene.requester)
    for day in (0, 20):
        value = str(today(app) + timedelta(days=day))
        assert (
            submit(client, "/needs/new", need_fields(app, question_deadline=value)).status_code
            == 302
        )
