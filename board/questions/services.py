"""Questions on a need and the requester's clarifications: asking, answering, dismissing,
publishing, and staff hiding what should not be read.

Which firm asked a question is recorded for staff alone: nothing here hands it to the
requester or to another firm (pages, lists and e-mails all read questions through
`visible_questions` and never name the asker but to staff).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from board import audit
from board.errors import DomainError, InvalidTransition, NotAllowed
from board.extensions import db
from board.models import (
    Clarification,
    Need,
    NeedStatus,
    Question,
    QuestionStatus,
    User,
    has_control_characters,
    utcnow,
)
from board.notifications import announce
from board.permissions import (
    belongs_to_member,
    is_requester,
    visible_clarifications,
    visible_questions,
)
from board.states import move

# The longest question, answer and clarification, in characters.
QUESTION_LENGTH = 2000
ANSWER_LENGTH = 5000
CLARIFICATION_LENGTH = 5000

# Line breaks and tabs are part of a text written in a text area; other control characters
# are not, and could hide or garble what staff and readers see.
LAYOUT = str.maketrans("", "", "\n\t")


@dataclass
class Discussion:
    """What one viewer reads of a need's questions and clarifications, oldest first."""

    questions: Sequence[Question]
    clarifications: Sequence[Clarification]

    @property
    def waiting(self) -> int:
        """The questions still waiting for the requester (those staff hid do not count)."""
        return sum(
            1
            for question in self.questions
            if question.status == QuestionStatus.WAITING and question.hidden_at is None
        )


def discussion(need: Need, viewer: User) -> Discussion:
    """The questions and clarifications on a need that the viewer may read, in one query each;
    the asking firms are loaded for staff only."""
    questions = (
        select(Question)
        .where(Question.need_id == need.id, visible_questions(viewer))
        .order_by(Question.created_at, Question.id)
    )
    if viewer.is_staff:
        questions = questions.options(selectinload(Question.member), selectinload(Question.author))
    clarifications = (
        select(Clarification)
        .where(Clarification.need_id == need.id, visible_clarifications(viewer))
        .order_by(Clarification.created_at, Clarification.id)
    )
    return Discussion(db.session.scalars(questions).all(), db.session.scalars(clarifications).all())


def waiting_questions(viewer: User) -> dict[int, int]:
    """How many questions wait for an answer on each of the viewer's firm's needs, by need id
    (one grouped query for the whole list)."""
    query = (
        select(Question.need_id, func.count())
        .join(Need, Need.id == Question.need_id)
        .where(
            Need.member_id == viewer.member_id,
            Question.status == QuestionStatus.WAITING,
            Question.hidden_at.is_(None),
            visible_questions(viewer),
        )
        .group_by(Question.need_id)
    )
    return {need_id: count for need_id, count in db.session.execute(query).all()}


def checked_text(text: str, field: str, longest: int) -> str:
    """The text as it is kept, or a refusal naming the field: required, at most `longest`
    characters, no control characters but line breaks and tabs."""
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise DomainError(_("Write the text first."), field)
    if len(text) > longest:
        raise DomainError(_("Use at most %(max)d characters.", max=longest), field)
    if has_control_characters(text.translate(LAYOUT)):
        raise DomainError(_("The text cannot contain control characters."), field)
    return text


def _require_requester(need: Need, actor: User) -> None:
    if not (is_requester(actor, need) and belongs_to_member(actor)):
        raise NotAllowed(_("Only the firm that posted the need can do this."))


def _require_open(need: Need) -> None:
    if need.status != NeedStatus.OPEN:
        raise InvalidTransition(_("This need is no longer open."))


def _require_waiting(question: Question) -> None:
    if question.hidden_at is not None:
        raise InvalidTransition(_("The cluster staff hid this question."))


def ask_question(need: Need, author: User, text: str) -> Question:
    """Ask a question on an open need for the author's firm; the requester firm is told,
    without being told which firm asked."""
    if not belongs_to_member(author):
        raise NotAllowed(_("Only the users of a member firm can ask questions."))
    if is_requester(author, need):
        raise NotAllowed(_("A firm cannot ask questions on its own need."))
    if not need.accepts_questions():
        raise InvalidTransition(_("This need no longer takes questions."))
    text = checked_text(text, "question", QUESTION_LENGTH)
    question = Question(need=need, member_id=author.member_id, author=author, text=text)
    db.session.add(question)
    event = audit.record("question.asked", question, author, need=need.id)
    announce.question_asked(question, event)
    db.session.commit()
    return question


WAITING_ONLY = (QuestionStatus.WAITING,)


def answer_question(question: Question, actor: User, text: str) -> None:
    """Answer a waiting question; the answer is published to every reader of the need, and
    the firms following it are told."""
    _require_requester(question.need, actor)
    _require_open(question.need)
    _require_waiting(question)
    text = checked_text(text, "answer", ANSWER_LENGTH)
    move(
        question,
        WAITING_ONLY,
        QuestionStatus.ANSWERED,
        _("This question has been answered or dismissed already."),
        answer=text,
        answered_at=utcnow(),
        answered_by_id=actor.id,
    )
    event = audit.record("question.answered", question, actor, need=question.need_id)
    announce.question_answered(question, event)
    db.session.commit()


def dismiss_question(question: Question, actor: User) -> None:
    """Leave a waiting question unanswered: it stays with the requester and its asker."""
    _require_requester(question.need, actor)
    _require_open(question.need)
    _require_waiting(question)
    move(
        question,
        WAITING_ONLY,
        QuestionStatus.DISMISSED,
        _("This question has been answered or dismissed already."),
    )
    audit.record("question.dismissed", question, actor, need=question.need_id)
    db.session.commit()


def publish_clarification(need: Need, author: User, text: str) -> Clarification:
    """Add a clarification to an open need for every firm reading it; the firms following it
    are told."""
    _require_requester(need, author)
    _require_open(need)
    text = checked_text(text, "text", CLARIFICATION_LENGTH)
    clarification = Clarification(need=need, author=author, text=text)
    db.session.add(clarification)
    event = audit.record("clarification.published", clarification, author, need=need.id)
    announce.clarification_published(clarification, event)
    db.session.commit()
    return clarification


# Staff ------------------------------------------------------------------------------------


def hide_question(question: Question, staff: User, reason: str) -> None:
    """Hide a question (and its answer) from all but staff; its asking firm sees why."""
    if question.hidden_at is not None:
        raise InvalidTransition(_("This question is hidden already."))
    question.hidden_at, question.hidden_reason = utcnow(), reason.strip()
    audit.record("question.hidden", question, staff, reason=reason.strip())
    db.session.commit()


def unhide_question(question: Question, staff: User) -> None:
    """Show a hidden question again to those who may read it."""
    if question.hidden_at is None:
        raise InvalidTransition(_("This question is not hidden."))
    question.hidden_at, question.hidden_reason = None, ""
    audit.record("question.unhidden", question, staff)
    db.session.commit()


def hide_answer(question: Question, staff: User, reason: str) -> None:
    """Hide a question's answer from all but staff; the requester firm sees why."""
    if question.status != QuestionStatus.ANSWERED:
        raise InvalidTransition(_("This question has no answer."))
    if question.answer_hidden_at is not None:
        raise InvalidTransition(_("This answer is hidden already."))
    question.answer_hidden_at, question.answer_hidden_reason = utcnow(), reason.strip()
    audit.record("question.answer_hidden", question, staff, reason=reason.strip())
    db.session.commit()


def unhide_answer(question: Question, staff: User) -> None:
    """Publish a hidden answer again."""
    if question.answer_hidden_at is None:
        raise InvalidTransition(_("This answer is not hidden."))
    question.answer_hidden_at, question.answer_hidden_reason = None, ""
    audit.record("question.answer_unhidden", question, staff)
    db.session.commit()


def hide_clarification(clarification: Clarification, staff: User, reason: str) -> None:
    """Hide a clarification from all but the requester firm and staff."""
    if clarification.hidden_at is not None:
        raise InvalidTransition(_("This clarification is hidden already."))
    clarification.hidden_at, clarification.hidden_reason = utcnow(), reason.strip()
    audit.record("clarification.hidden", clarification, staff, reason=reason.strip())
    db.session.commit()


def unhide_clarification(clarification: Clarification, staff: User) -> None:
    """Show a hidden clarification again to every reader of the need."""
    if clarification.hidden_at is None:
        raise InvalidTransition(_("This clarification is not hidden."))
    clarification.hidden_at, clarification.hidden_reason = None, ""
    audit.record("clarification.unhidden", clarification, staff)
    db.session.commit()
