"""Questions on a need: asking, answering, dismissing, clarifying, and staff hiding.

Every form here is posted from a need's page. Bad input is shown again on a page of its own,
with what was typed and why it was refused, since the need's page is shared by a whole firm
and cannot hold one user's text.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from board.errors import DomainError
from board.forms import attach_error, with_reason
from board.models import Clarification, Need, Question
from board.permissions import (
    acting_user,
    get_or_404,
    is_requester,
    member_required,
    staff_required,
)
from board.questions import bp, services
from board.questions.forms import AnswerForm, ClarificationForm, QuestionForm
from board.web import carry_out


@bp.record_once
def give_templates_the_limits(state: BlueprintSetupState) -> None:
    """The longest texts, for the forms on a need's page (the services refuse longer ones)."""
    state.app.jinja_env.globals["text_limits"] = {
        "question": services.QUESTION_LENGTH,
        "answer": services.ANSWER_LENGTH,
        "clarification": services.CLARIFICATION_LENGTH,
    }


def questions_of(need_id: int, anchor: str = "questions") -> str:
    """Where on a need's page its questions (or its clarifications) are."""
    return url_for("needs.detail", need_id=need_id, _anchor=anchor)


def submitted(
    form: FlaskForm,
    need: Need,
    change: Callable[[], object],
    success: str,
    anchor: str = "questions",
    **page: object,
) -> str | Response:
    """Carry out a form's change and go back to the need; on bad input or a refusal, show
    the form again with what was typed and why."""
    if form.validate_on_submit():
        try:
            change()
        except DomainError as exc:
            attach_error(form, exc)
        else:
            flash(success, "success")
            return redirect(questions_of(need.id, anchor))
    return render_template("questions/form.html", form=form, need=need, **page)


@bp.post("/needs/<id:need_id>/questions")
@member_required
def ask(need_id: int) -> str | Response:
    user = acting_user()
    need = get_or_404(Need, need_id, user)
    if is_requester(user, need):
        abort(403)
    form = QuestionForm()
    return submitted(
        form,
        need,
        lambda: services.ask_question(need, user, form.question.data),
        _("Your question is sent. The requester does not see which firm asked it."),
        kind="question",
    )


def waiting_question(question_id: int) -> Question:
    """A question the signed-in user reads, or 404; 403 unless their firm posted its need."""
    user = acting_user()
    question = get_or_404(Question, question_id, user)
    if not is_requester(user, question.need):
        abort(403)
    return question


@bp.post("/questions/<id:question_id>/answer")
@member_required
def answer(question_id: int) -> str | Response:
    question = waiting_question(question_id)
    form = AnswerForm()
    return submitted(
        form,
        question.need,
        lambda: services.answer_question(question, acting_user(), form.answer.data),
        _("Your answer is published to every firm that reads the need."),
        kind="answer",
        question=question,
    )


@bp.post("/questions/<id:question_id>/dismiss")
@member_required
def dismiss(question_id: int) -> Response:
    question = waiting_question(question_id)
    return carry_out(
        lambda: services.dismiss_question(question, acting_user()),
        _("The question is dismissed; no other firm sees it."),
        questions_of(question.need_id),
    )


@bp.post("/needs/<id:need_id>/clarifications")
@member_required
def clarify(need_id: int) -> str | Response:
    user = acting_user()
    need = get_or_404(Need, need_id, user)
    if not is_requester(user, need):
        abort(403)
    form = ClarificationForm()
    return submitted(
        form,
        need,
        lambda: services.publish_clarification(need, user, form.text.data),
        _("Your clarification is published to every firm that reads the need."),
        "clarifications",
        kind="clarification",
    )


# Staff ------------------------------------------------------------------------------------


@bp.post("/staff/questions/<id:question_id>/hide")
@staff_required
def hide_question(question_id: int) -> Response:
    question = get_or_404(Question, question_id)
    back = questions_of(question.need_id)
    return with_reason(
        back,
        lambda reason: services.hide_question(question, acting_user(), reason),
        _("The question is hidden from all but the cluster staff."),
        back,
    )


@bp.post("/staff/questions/<id:question_id>/unhide")
@staff_required
def unhide_question(question_id: int) -> Response:
    question = get_or_404(Question, question_id)
    return carry_out(
        lambda: services.unhide_question(question, acting_user()),
        _("The question is shown again."),
        questions_of(question.need_id),
    )


@bp.post("/staff/questions/<id:question_id>/hide-answer")
@staff_required
def hide_answer(question_id: int) -> Response:
    question = get_or_404(Question, question_id)
    back = questions_of(question.need_id)
    return with_reason(
        back,
        lambda reason: services.hide_answer(question, acting_user(), reason),
        _("The answer is hidden from all but the cluster staff."),
        back,
    )


@bp.post("/staff/questions/<id:question_id>/unhide-answer")
@staff_required
def unhide_answer(question_id: int) -> Response:
    question = get_or_404(Question, question_id)
    return carry_out(
        lambda: services.unhide_answer(question, acting_user()),
        _("The answer is published again."),
        questions_of(question.need_id),
    )


@bp.post("/staff/clarifications/<id:clarification_id>/hide")
@staff_required
def hide_clarification(clarification_id: int) -> Response:
    clarification = get_or_404(Clarification, clarification_id)
    back = questions_of(clarification.need_id, "clarifications")
    return with_reason(
        back,
        lambda reason: services.hide_clarification(clarification, acting_user(), reason),
        _("The clarification is hidden from every firm but the requester."),
        back,
    )


@bp.post("/staff/clarifications/<id:clarification_id>/unhide")
@staff_required
def unhide_clarification(clarification_id: int) -> Response:
    clarification = get_or_404(Clarification, clarification_id)
    return carry_out(
        lambda: services.unhide_clarification(clarification, acting_user()),
        _("The clarification is shown again."),
        questions_of(clarification.need_id, "clarifications"),
    )
